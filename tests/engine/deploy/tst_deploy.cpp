#include "engine/model/workspaceloader.h"
#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/deploybundle.h"
#include "engine/runtime/deployer.h"
#include "engine/runtime/executor.h"
#include "engine/store/sqlitemessagestore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <mutex>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

namespace {

const QString kFixture = QStringLiteral(SYNCLINE_SOURCE_DIR "/tests/app/run/workspace");

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// The ERP: keeps the customer of every invoice posted to it.
class Sink
{
public:
    Sink()
    {
        const Result<void> listening = m_server.listen({}, [this](net::ServerRequest r,
                                                                  net::Responder respond) {
            std::lock_guard lock(m_mutex);
            m_customers.append(QJsonDocument::fromJson(r.body)
                                   .object()
                                   .value(QStringLiteral("customer"))
                                   .toString());
            respond(net::ServerResponse::json(201, "{\"id\":\"AR-1\"}"));
        });
        Q_ASSERT(listening.ok());
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/erp").arg(m_server.port()); }
    QStringList customers() const
    {
        std::lock_guard lock(m_mutex);
        QStringList sorted = m_customers;
        sorted.sort();
        return sorted;
    }

private:
    net::HttpServer m_server;
    mutable std::mutex m_mutex;
    QStringList m_customers;
};

QByteArray invoice(const QString &customer)
{
    return QStringLiteral(R"({"data":{"object":{"number":"INV-%1","customer":"%1","amount_due":1999,)"
                          R"("currency":"usd","metadata":{"tax_code":"txcd_1"}}}})")
        .arg(customer)
        .toUtf8();
}

} // namespace

class TestDeploy : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_sink = std::make_unique<Sink>();
        const model::LoadResult loaded = model::loadWorkspace(kFixture);
        QVERIFY(loaded.ok());
        m_workspace = loaded.workspace;
        model::WorkspaceObject erp = *m_workspace.find(model::ObjectKind::System,
                                                       QStringLiteral("erp"));
        erp.document["baseUrl"] = m_sink->baseUrl().toStdString();
        m_workspace.insert(erp);
        open();
    }

    void cleanup()
    {
        close();
        m_sink.reset();
    }

    void anUnchangedWorkspaceKeepsItsVersion()
    {
        Result<DeployReport> first = m_deployer->deploy(m_workspace);
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().message));
        QCOMPARE(first->created, QStringList{QStringLiteral("invoice-to-erp v1")});
        Result<DeployReport> again = m_deployer->deploy(m_workspace);
        QVERIFY(again.ok());
        QVERIFY(again->created.isEmpty());
        QCOMPARE(again->unchanged, QStringList{QStringLiteral("invoice-to-erp v1")});
        QCOMPARE(again->webhooks.size(), 1);
    }

    void aChangedMappingIsANewVersionAndOldMessagesKeepTheirs()
    {
        QVERIFY(m_deployer->deploy(m_workspace).ok());
        ingest(1, QStringLiteral("cus_old"));

        QVERIFY(m_deployer->deploy(withCustomerExpression("'NEW-' & data.object.customer")).ok());
        QCOMPARE(*m_store->latestFlowVersion(QStringLiteral("invoice-to-erp")), 2);
        ingest(2, QStringLiteral("cus_new"));

        QVERIFY(m_executor->start().ok());
        QTRY_COMPARE_WITH_TIMEOUT(m_sink->customers(),
                                  (QStringList{QStringLiteral("NEW-cus_new"), QStringLiteral("cus_old")}),
                                  10000);
    }

    void aVersionWithMessagesWaitingRunsOnItsOwnMappingAfterARestart()
    {
        QVERIFY(m_deployer->deploy(m_workspace).ok());
        QVERIFY(m_deployer->deploy(withCustomerExpression("'NEW-' & data.object.customer")).ok());
        ingest(1, QStringLiteral("cus_waiting"));
        close();

        open(); // a new engine on the same database, started on the changed workspace
        QVERIFY(m_deployer->deploy(withCustomerExpression("'NEW-' & data.object.customer")).ok());
        QVERIFY(m_deployer->resumeOlderVersions().ok());
        const QList<DeployedVersion> versions = m_deployer->versions();
        QCOMPARE(versions.size(), 2);
        QVERIFY(!versions[1].latest);
        QCOMPARE(versions[1].version, 1);
        QVERIFY(m_executor->start().ok());
        QTRY_COMPARE_WITH_TIMEOUT(m_sink->customers(), QStringList{QStringLiteral("cus_waiting")},
                                  10000);
    }

    void aDeploymentThatCannotRunChangesNothing()
    {
        QVERIFY(m_deployer->deploy(m_workspace).ok());
        Result<DeployReport> broken = m_deployer->deploy(withCustomerExpression("data.object.("));
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().code, QStringLiteral("DEPLOY_FAILED"));
        QVERIFY2(broken.error().message.contains(QStringLiteral("to-canonical")),
                 qPrintable(broken.error().message));
        QCOMPARE(*m_store->latestFlowVersion(QStringLiteral("invoice-to-erp")), 1);
        QCOMPARE(m_deployer->versions().size(), 1);
    }

    void aWorkspaceTravelsAsOneDocument()
    {
        const nlohmann::json document = deploybundle::workspaceToJson(m_workspace);
        Result<model::Workspace> back = deploybundle::workspaceFromJson(document);
        QVERIFY(back.ok());
        QVERIFY(*back == m_workspace);

        nlohmann::json misplaced = document;
        misplaced["files"]["flows/invoice.schema.json"] = nlohmann::json::object();
        Result<model::Workspace> refused = deploybundle::workspaceFromJson(misplaced);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message.contains(QStringLiteral("/files/flows/invoice.schema.json")));
    }

private:
    void open()
    {
        auto store = store::SqliteMessageStore::open(m_dir->filePath(QStringLiteral("s.db")));
        QVERIFY(store.ok());
        m_store = std::move(*store);
        ExecutorOptions options;
        options.workers = 2;
        m_executor = std::make_unique<Executor>(*m_store, m_metrics, options);
        m_deployer = std::make_unique<Deployer>(
            *m_store, *m_executor,
            NodeServices{.store = *m_store,
                         .http = m_http,
                         .secrets = [](const QString &) { return std::optional<QByteArray>("key-1"); },
                         .clockMs = nowMs,
                         .topics = {}});
    }

    void close()
    {
        if (m_executor) {
            m_executor->stop();
        }
        m_deployer.reset();
        m_executor.reset();
        m_store.reset();
    }

    model::Workspace withCustomerExpression(const char *expression) const
    {
        model::Workspace changed = m_workspace;
        model::WorkspaceObject mapping = *changed.find(model::ObjectKind::Mapping,
                                                       QStringLiteral("stripe-invoice"));
        mapping.document["fields"]["customer"] = expression;
        changed.insert(mapping);
        return changed;
    }

    void ingest(int version, const QString &customer)
    {
        store::IngestRequest request;
        request.message.flowId = QStringLiteral("invoice-to-erp");
        request.message.flowVersion = version;
        request.message.businessKey = QStringLiteral("INV-") + customer;
        request.message.headers = "{}";
        request.message.payload = invoice(customer);
        request.source = QStringLiteral("test");
        request.firstNodes = {QStringLiteral("to-canonical")};
        QVERIFY(m_store->ingest(request).ok());
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Sink> m_sink;
    model::Workspace m_workspace;
    net::HttpClient m_http;
    Metrics m_metrics;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    std::unique_ptr<Executor> m_executor;
    std::unique_ptr<Deployer> m_deployer;
};

QTEST_GUILESS_MAIN(TestDeploy)
#include "tst_deploy.moc"
