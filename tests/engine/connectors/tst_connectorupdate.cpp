// The billing connector's update operation against the real sandbox: the demo's customer sync
// node (operation update, object customer, the demo's mapping) changes the CRM-owned identity of
// a billing customer in place, keeps what billing owns, and an unknown customer is a business
// exception with the connector's code, called once.

#include "engine/model/workspaceloader.h"
#include "engine/net/httpclient.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/nodefactory.h"
#include "engine/store/sqliteexceptionstore.h"
#include "engine/store/sqlitemessagestore.h"

#include "tests/common/sandboxrun.h"

#include <QDateTime>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using Json = nlohmann::json;

namespace {

const QString kSecrets = QStringLiteral(SYNCLINE_SOURCE_DIR "/installer/sandbox-secrets.json");
const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// The demo's customer-sync billing update node on its own: the message is a CRM account webhook
// that already carries the billing customer found for it.
Json flow()
{
    const Json demo = syncline::tests::readJsonFile(kDemo + QStringLiteral("/flows/customer-sync.flow.json"));
    Json update;
    for (const Json &node : demo.at("nodes")) {
        if (node.at("id") == "billingUpdate") {
            update = node;
        }
    }
    return {{"id", "billing-update"},
            {"name", "Billing customer update"},
            {"nodes", {{{"id", "in"}, {"type", "webhook"}}, update}},
            {"edges", {{{"from", "in"}, {"to", "billingUpdate"}}}}};
}

} // namespace

class TestConnectorUpdate : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_sandbox;
    QString m_url;
    net::HttpClient m_http;

    // A call to the sandbox's billing API with the demo's API key.
    Json billing(const QByteArray &method, const QString &path, const Json &body = {})
    {
        net::HttpRequest request;
        request.method = method;
        request.url = m_url + QStringLiteral("/billing/v1") + path;
        request.headers = {{"Authorization", "Bearer sk_test_sandbox"},
                           {"Content-Type", "application/json"}};
        if (!body.is_null()) {
            request.body = QByteArray::fromStdString(body.dump());
        }
        const net::HttpOutcome outcome = m_http.send(request).get();
        if (!outcome.response) {
            return {};
        }
        const QByteArray &text = outcome.response->body;
        return Json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
    }

private slots:
    void initTestCase()
    {
        m_url = syncline::tests::startSandbox(m_sandbox, m_dir.filePath(QStringLiteral("sandbox.sqlite")));
        QVERIFY(!m_url.isEmpty());
    }

    void cleanupTestCase()
    {
        m_sandbox.terminate();
        m_sandbox.waitForFinished(10'000);
    }

    void theUpdateChangesTheIdentityAndKeepsWhatBillingOwns()
    {
        const Json created = billing("POST", QStringLiteral("/customers"),
                                     {{"name", "Old Name Ltd"},
                                      {"email", "old@example.com"},
                                      {"currency", "eur"},
                                      {"metadata", {{"global_account_id", "GA-UPD-1"}}}});
        const QString customer = QString::fromStdString(created.value("id", std::string()));
        QVERIFY2(customer.startsWith(QLatin1String("cus_")), created.dump().c_str());

        auto store = std::move(*store::SqliteMessageStore::open(m_dir.filePath(QStringLiteral("e.db"))));
        model::Workspace workspace = model::loadWorkspace(kDemo).workspace;
        model::WorkspaceObject system = *workspace.find(model::ObjectKind::System,
                                                        QStringLiteral("billing"));
        system.document["baseUrl"] = (m_url + QStringLiteral("/billing")).toStdString();
        workspace.insert(system);
        const Json secrets = syncline::tests::readJsonFile(kSecrets);
        NodeServices services{.store = *store,
                              .http = m_http,
                              .secrets =
                                  [secrets](const QString &reference) {
                                      const std::string key = reference.toStdString();
                                      return secrets.contains(key)
                                                 ? std::optional<QByteArray>(QByteArray::fromStdString(
                                                       secrets[key].get<std::string>()))
                                                 : std::nullopt;
                                  },
                              .clockMs = nowMs,
                              .connectors = plugin::ConnectorRegistry::load(
                                  {QStringLiteral(SYNCLINE_PLUGIN_DIR)})};
        NodeFactory factory(workspace, services);
        auto plan = std::make_shared<FlowPlan>(*FlowPlan::fromDocument(flow(), 1));
        Result<QHash<QString, std::shared_ptr<NodeRunner>>> runners = factory.build(*plan);
        QVERIFY2(runners.ok(), qPrintable(runners.ok() ? QString() : runners.error().message));
        Metrics metrics;
        Executor executor(*store, metrics);
        executor.addFlow(plan, *runners);

        const auto send = [&](const QString &billingId, const char *name) {
            store::IngestRequest request;
            request.source = QStringLiteral("billing-update/in");
            request.firstNodes = {QStringLiteral("billingUpdate")};
            request.message.flowId = plan->flowId;
            request.message.flowVersion = 1;
            request.message.correlationId = QStringLiteral("corr-") + billingId;
            request.message.payload = QByteArray::fromStdString(
                Json{{"sobject",
                      {{"Name", name},
                       {"Email__c", "billing@renamed.example"},
                       {"Phone", "+1 555 0100"},
                       {"BillingCity", "Springfield"},
                       {"BillingCountry", "US"},
                       {"Global_Account_Id__c", "GA-UPD-1"}}},
                     {"billingCustomer", {{"id", billingId.toStdString()}}}}
                    .dump());
            QVERIFY(store->ingest(request).ok());
        };
        send(customer, "Renamed Ltd");
        send(QStringLiteral("cus_doesnotexist"), "Nobody Ltd");
        QVERIFY(executor.start().ok());
        const auto settled = [&store] {
            const Result<QList<store::QueueDepth>> depths = store->queueDepths();
            if (!depths) {
                return false;
            }
            for (const store::QueueDepth &depth : *depths) {
                if (depth.ready + depth.delayed + depth.inFlight > 0) {
                    return false;
                }
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 20000);
        executor.stop();

        // Changed in place: the CRM-owned identity is new, billing's own fields are kept.
        const Json after = billing("GET", QStringLiteral("/customers/") + customer);
        QCOMPARE(QString::fromStdString(after.value("id", std::string())), customer);
        QCOMPARE(QString::fromStdString(after.value("name", std::string())), QStringLiteral("Renamed Ltd"));
        QCOMPARE(QString::fromStdString(after.value("email", std::string())),
                 QStringLiteral("billing@renamed.example"));
        QCOMPARE(QString::fromStdString(after["address"].value("city", std::string())),
                 QStringLiteral("Springfield"));
        QCOMPARE(QString::fromStdString(after.value("currency", std::string())), QStringLiteral("eur"));
        QCOMPARE(QString::fromStdString(after["metadata"].value("global_account_id", std::string())),
                 QStringLiteral("GA-UPD-1"));
        // The ledger keeps the id the connector names for an update.
        const QString key = HttpNode::idempotencyKey(QStringLiteral("corr-") + customer,
                                                     plan->flowId, QStringLiteral("billingUpdate"),
                                                     QStringLiteral("GA-UPD-1"),
                                                     store->orderedEffectKeysAfter());
        const auto effect = store->effect(key);
        QVERIFY(effect.ok() && effect->has_value());
        QCOMPARE((*effect)->state, store::EffectState::Succeeded);
        QCOMPARE((*effect)->intent.method, QStringLiteral("POST"));
        QVERIFY2((*effect)->intent.url.endsWith(QStringLiteral("/billing/v1/customers/") + customer),
                 qPrintable((*effect)->intent.url));
        const Json ids = Json::parse((*effect)->externalIds.toStdString());
        QCOMPARE(QString::fromStdString(ids.value("id", std::string())), customer);

        // An unknown customer: the connector's business code, one call, never retried.
        store::SqliteExceptionStore exceptions(*store);
        const Result<store::ExceptionPage> page = exceptions.list({}, std::nullopt, 10);
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 1);
        const store::ExceptionRecord &raised = page->items.first();
        QCOMPARE(raised.reasonCode, QStringLiteral("UNKNOWN_CUSTOMER"));
        QCOMPARE(raised.category, store::ExceptionCategory::Business);
        QCOMPARE(raised.attempts, 1);
        QCOMPARE(metrics.snapshot().at(0).retried, 0);
    }
};

QTEST_GUILESS_MAIN(TestConnectorUpdate)
#include "tst_connectorupdate.moc"
