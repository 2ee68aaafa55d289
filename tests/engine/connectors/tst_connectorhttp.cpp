#include "engine/model/workspaceloader.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/nodefactory.h"
#include "engine/store/sqliteexceptionstore.h"
#include "engine/store/sqlitemessagestore.h"
#include "tests/common/rawhttpserver.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <mutex>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using namespace syncline::engine::store;
using syncline::tests::RawHttpServer;
using syncline::tests::RawReply;
using syncline::tests::RawRequest;

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// An ERP answering as the sandbox's does (docs/sandbox.md): the invoice "in_badgl" names a GL
// account it does not know; "in_busy" meets the rate limit once, then posts; the others post.
class SandboxErp
{
public:
    SandboxErp()
        : m_server([this](const RawRequest &r) { return handle(r); })
    {}

    QString baseUrl() const { return m_server.url("/erp"); }
    QList<qint64> callTimes(const QString &reference) const
    {
        std::lock_guard lock(m_mutex);
        return m_calls.value(reference);
    }
    QByteArray lastPath() const
    {
        std::lock_guard lock(m_mutex);
        return m_lastPath;
    }

private:
    RawReply handle(const RawRequest &request)
    {
        const QString reference = QJsonDocument::fromJson(request.body)
                                      .object()
                                      .value(QStringLiteral("ExternalReference"))
                                      .toString();
        int calls = 0;
        {
            std::lock_guard lock(m_mutex);
            m_calls[reference].append(nowMs());
            calls = int(m_calls[reference].size());
            m_lastPath = request.method + ' ' + request.path;
        }
        if (reference == QLatin1String("in_badgl")) {
            return RawReply::answer(
                "400 Bad Request",
                R"({"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Invalid account reference key 9999.","o:errorPath":"Lines[0].AccountCode","o:errorCode":"INVALID_KEY_OR_REF"}]})");
        }
        if (reference == QLatin1String("in_busy") && calls == 1) {
            return RawReply::answer(
                "429 Too Many Requests",
                R"({"title":"Too Many Requests","status":429,"o:errorDetails":[{"detail":"Request limit exceeded","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]})",
                "Retry-After: 1\r\n");
        }
        return RawReply::answer("201 Created",
                                R"({"InternalId":4711,"DocumentNumber":"INV-000042","Status":"Open","Total":"120.00"})");
    }

    RawHttpServer m_server;
    mutable std::mutex m_mutex;
    QHash<QString, QList<qint64>> m_calls;
    QByteArray m_lastPath;
};

nlohmann::json flow()
{
    return nlohmann::json::parse(
        R"({"id": "invoice-to-erp-connector", "name": "Invoices through the ERP connector", "nodes": [{"id": "in", "type": "webhook", "settings": {"system": "billing"}}, {"id": "post", "type": "http", "settings": {"system": "erp", "operation": "create", "object": "invoice", "businessKey": "/ExternalReference", "idMap": {"name": "billing-invoice-to-erp", "key": "/ExternalReference", "externalId": "number"}, "retry": {"maxAttempts": 4, "initialDelayMs": 20, "factor": 2, "maxDelayMs": 100, "jitter": 0}}}], "edges": [{"from": "in", "to": "post"}]})");
}

} // namespace

class TestConnectorHttp : public QObject
{
    Q_OBJECT

private slots:
    void anOperationGoesThroughTheConnector()
    {
        QTemporaryDir dir;
        auto store = std::move(*SqliteMessageStore::open(dir.filePath(QStringLiteral("e.db"))));
        SandboxErp erp;
        net::HttpClient client;
        Metrics metrics;

        model::Workspace workspace = model::loadWorkspace(QStringLiteral(
                                                              SYNCLINE_SOURCE_DIR
                                                              "/tests/app/run/workspace"))
                                         .workspace;
        model::WorkspaceObject system = *workspace.find(model::ObjectKind::System,
                                                        QStringLiteral("erp"));
        system.document["baseUrl"] = erp.baseUrl().toStdString();
        workspace.insert(system);
        NodeServices services{.store = *store,
                              .http = client,
                              .secrets = [](const QString &) {
                                  return std::optional<QByteArray>("erp-key");
                              },
                              .clockMs = nowMs,
                              .connectors = plugin::ConnectorRegistry::load(
                                  {QStringLiteral(SYNCLINE_PLUGIN_DIR)})};
        NodeFactory factory(workspace, services);
        auto plan = std::make_shared<FlowPlan>(*FlowPlan::fromDocument(flow(), 1));
        Result<QHash<QString, std::shared_ptr<NodeRunner>>> runners = factory.build(*plan);
        QVERIFY2(runners.ok(), qPrintable(runners.ok() ? QString() : runners.error().message));
        Executor executor(*store, metrics);
        executor.addFlow(plan, *runners);

        const QStringList references = {QStringLiteral("in_badgl"), QStringLiteral("in_busy"),
                                        QStringLiteral("in_good")};
        for (const QString &reference : references) {
            IngestRequest request;
            request.source = QStringLiteral("invoice-to-erp-connector/in");
            request.deliveryId = QStringLiteral("evt_") + reference;
            request.firstNodes = {QStringLiteral("post")};
            request.message.flowId = plan->flowId;
            request.message.flowVersion = 1;
            request.message.correlationId = QStringLiteral("corr-") + reference;
            request.message.businessKey = reference;
            request.message.payload = QStringLiteral(
                                          R"({"ExternalReference":"%1","CustomerNumber":"C-00001","TranDate":"22/11/2026","Currency":"USD","Lines":[{"Description":"Cloud Pro","Quantity":"1","Rate":"120.00","Amount":"120.00","AccountCode":"4000","TaxCode":"US-EXEMPT"}]})")
                                          .arg(reference)
                                          .toUtf8();
            QVERIFY(store->ingest(request).ok());
        }
        QVERIFY(executor.start().ok());
        // Done when nothing waits or runs; the refused invoice stays parked for a person.
        const auto settled = [&store] {
            // Held in a local: a range over *temporary() reads a list already freed.
            const Result<QList<QueueDepth>> depths = store->queueDepths();
            if (!depths) {
                return false;
            }
            for (const QueueDepth &depth : *depths) {
                if (depth.ready + depth.delayed + depth.inFlight > 0) {
                    return false;
                }
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 20000);
        executor.stop();

        // The connector's method and path.
        QCOMPARE(erp.lastPath(), QByteArray("POST /erp/api/v1/invoices"));

        // A business refusal: one call, an exception with the connector's reason code and the
        // ERP's own words, never retried.
        QCOMPARE(erp.callTimes(QStringLiteral("in_badgl")).size(), 1);
        SqliteExceptionStore exceptions(*store);
        const Result<ExceptionPage> page = exceptions.list({}, std::nullopt, 10);
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 1);
        const ExceptionRecord &raised = page->items.first();
        QCOMPARE(raised.reasonCode, QStringLiteral("INVALID_GL_ACCOUNT"));
        QCOMPARE(raised.category, ExceptionCategory::Business);
        const nlohmann::json facts = nlohmann::json::parse(raised.facts.toStdString());
        QCOMPARE(facts.value("vendorCode", ""), std::string("INVALID_KEY_OR_REF"));
        QCOMPARE(facts.value("vendorMessage", ""),
                 std::string("Invalid account reference key 9999."));

        // 429: called again once Retry-After (1 s) had passed, then posted.
        const QList<qint64> busy = erp.callTimes(QStringLiteral("in_busy"));
        QCOMPARE(busy.size(), 2);
        QVERIFY2(busy.at(1) - busy.at(0) >= 950, qPrintable(QString::number(busy.at(1) - busy.at(0))));

        // A success: the document number the ERP gave is learned for the lookup nodes, and the
        // ids are kept with the effect.
        for (const QString &reference : {QStringLiteral("in_busy"), QStringLiteral("in_good")}) {
            const auto learned = store->state(QStringLiteral("idmap/billing-invoice-to-erp"),
                                              reference);
            QVERIFY(learned.ok());
            QVERIFY2(learned->has_value(), qPrintable(reference));
            QCOMPARE(**learned, QByteArray("INV-000042"));
            const QString key = HttpNode::idempotencyKey(QStringLiteral("corr-") + reference,
                                                         plan->flowId, QStringLiteral("post"),
                                                         reference,
                                                         store->orderedEffectKeysAfter());
            const auto effect = store->effect(key);
            QVERIFY(effect.ok() && effect->has_value());
            QCOMPARE((*effect)->state, EffectState::Succeeded);
            const nlohmann::json ids = nlohmann::json::parse((*effect)->externalIds.toStdString());
            QCOMPARE(ids.value("id", ""), std::string("4711"));
            QCOMPARE(ids.value("number", ""), std::string("INV-000042"));
        }
        const NodeMetrics figures = metrics.snapshot().at(0);
        QCOMPARE(figures.failed, 1);
        QCOMPARE(figures.retried, 1);
    }
};

QTEST_GUILESS_MAIN(TestConnectorHttp)
#include "tst_connectorhttp.moc"
