#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/backpressure.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/webhookingress.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <condition_variable>
#include <mutex>

using namespace syncline::engine;
using namespace syncline::engine::net;
using namespace syncline::engine::runtime;
using namespace syncline::engine::store;

namespace {

constexpr auto kFlow = "orders";

// Lets every message through unchanged.
class PassRunner final : public NodeRunner
{
public:
    NodeOutcome run(const WorkItem &) override { return NodeOutcome::next(); }
};

// Holds every message until opened: a slow target that lets its input queue fill.
class GateRunner final : public NodeRunner
{
public:
    NodeOutcome run(const WorkItem &) override
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_open; });
        ++m_passed;
        return NodeOutcome::next();
    }
    void open()
    {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_wake.notify_all();
    }
    int passed() const
    {
        std::lock_guard lock(m_mutex);
        return m_passed;
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_open = false;
    int m_passed = 0;
};

FlowPlan plan(const char *document)
{
    Result<FlowPlan> compiled = FlowPlan::fromDocument(nlohmann::json::parse(document), 1);
    Q_ASSERT(compiled.ok());
    return *compiled;
}

// in → first → gate; the edge into the gate holds 3 messages.
constexpr auto kInnerFlow = R"({
  "id": "orders",
  "nodes": [
    {"id": "in", "type": "webhook"},
    {"id": "first", "type": "map", "settings": {"concurrency": 1}},
    {"id": "gate", "type": "http", "settings": {"concurrency": 1}}
  ],
  "edges": [
    {"from": "in", "to": "first"},
    {"from": "first", "to": "gate", "backPressure": {"messages": 3}}
  ]
})";

// in → gate; the trigger's edge holds 3 messages.
constexpr auto kWebhookFlow = R"({
  "id": "orders",
  "nodes": [
    {"id": "in", "type": "webhook"},
    {"id": "gate", "type": "http", "settings": {"concurrency": 1}}
  ],
  "edges": [{"from": "in", "to": "gate", "backPressure": {"messages": 3}}]
})";

QueueDepth depth(const char *node, qint64 ready, qint64 bytes)
{
    QueueDepth d;
    d.flowId = QString::fromLatin1(kFlow);
    d.nodeId = QString::fromLatin1(node);
    d.ready = ready;
    d.bytes = bytes;
    return d;
}

QByteArray orderEvent(int i)
{
    return QStringLiteral(R"({"id":"evt_%1","number":"ORD-%1"})").arg(i).toUtf8();
}

} // namespace

class TestBackPressure : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::move(*SqliteMessageStore::open(m_dir->filePath(QStringLiteral("e.db"))));
        m_backPressure = std::make_shared<BackPressure>();
        m_gate = std::make_shared<GateRunner>();
    }

    void cleanup()
    {
        m_gate->open();
        m_server.reset();
        m_executor.reset();
        m_ingress.reset();
        m_store.reset();
    }

    void thresholdsComeFromTheEdgeElseTheDefaults()
    {
        const FlowPlan p = plan(kInnerFlow);
        QCOMPARE(p.node(QStringLiteral("first"))->thresholds.value(QStringLiteral("gate")).messages,
                 3);
        QCOMPARE(p.node(QStringLiteral("first"))->thresholds.value(QStringLiteral("gate")).bytes,
                 qint64(1) << 30);
        QCOMPARE(p.node(QStringLiteral("in"))->thresholds.value(QStringLiteral("first")).messages,
                 10'000);

        Result<FlowPlan> bad = FlowPlan::fromDocument(nlohmann::json::parse(R"({
            "id": "orders",
            "nodes": [{"id": "in", "type": "webhook"}, {"id": "next", "type": "map"}],
            "edges": [{"from": "in", "to": "next", "backPressure": {"messages": 0}}]})"),
                                                      1);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.contains(QStringLiteral("/edges/0/backPressure/messages")),
                 qPrintable(bad.error().message));
    }

    void aNodeIsHeldAtEitherThreshold_data()
    {
        QTest::addColumn<qint64>("messages");
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<bool>("held");
        QTest::newRow("empty") << qint64(0) << qint64(0) << false;
        QTest::newRow("below both") << qint64(2) << qint64(999) << false;
        QTest::newRow("at the message count") << qint64(3) << qint64(10) << true;
        QTest::newRow("at the byte size") << qint64(1) << qint64(1000) << true;
    }

    void aNodeIsHeldAtEitherThreshold()
    {
        QFETCH(qint64, messages);
        QFETCH(qint64, bytes);
        QFETCH(bool, held);
        BackPressure pressure;
        pressure.addFlow(plan(R"({"id": "orders",
            "nodes": [{"id": "in", "type": "webhook"}, {"id": "gate", "type": "http"}],
            "edges": [{"from": "in", "to": "gate",
                       "backPressure": {"messages": 3, "bytes": 1000}}]})"));
        pressure.setDepths({depth("gate", messages, bytes)});
        const QString flow = QString::fromLatin1(kFlow);
        QCOMPARE(pressure.isHeld(flow, 1, QStringLiteral("in")), held);
        QCOMPARE(pressure.held(flow, 1, QStringLiteral("in")).has_value(), held);
        QVERIFY(!pressure.isHeld(flow, 1, QStringLiteral("gate"))); // no edge out of it
    }

    void estimatesFollowQueuedAndTakenMessages()
    {
        BackPressure pressure;
        pressure.addFlow(plan(kWebhookFlow));
        const QString flow = QString::fromLatin1(kFlow);
        const QString gate = QStringLiteral("gate");
        pressure.queued(flow, gate, 3, 300);
        const std::optional<QString> why = pressure.held(flow, 1, QStringLiteral("in"));
        QVERIFY(why.has_value());
        QVERIFY2(why->contains(QStringLiteral("gate")) && why->contains(QStringLiteral("3")),
                 qPrintable(*why));
        pressure.taken(flow, gate, 1, 100);
        QVERIFY(!pressure.isHeld(flow, 1, QStringLiteral("in")));
        pressure.taken(flow, gate, 5, 500); // a sample already counted them out
        pressure.queued(flow, gate, 2, 200);
        QVERIFY(!pressure.isHeld(flow, 1, QStringLiteral("in")));
    }

    void anInnerEdgeOverItsThresholdHoldsTheUpstreamNode()
    {
        startExecutor(kInnerFlow, QStringLiteral("first"));
        constexpr int kMessages = 20;
        for (int i = 0; i < kMessages; ++i) {
            IngestRequest request;
            request.message.flowId = QString::fromLatin1(kFlow);
            request.message.flowVersion = 1;
            request.message.payload = orderEvent(i);
            request.firstNodes = {QStringLiteral("first")};
            QVERIFY(m_store->ingest(request).ok());
        }
        m_executor->notify(QString::fromLatin1(kFlow), 1, QStringLiteral("first"));

        // The gate works on one message; three wait before it, and "first" stops there.
        QTRY_COMPARE_WITH_TIMEOUT(waiting("gate"), qint64(3), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(waiting("first"), qint64(kMessages - 4), 10000);
        QTest::qWait(200); // twenty scheduler ticks: nothing more may move
        QCOMPARE(waiting("gate"), qint64(3));
        QCOMPARE(waiting("first"), qint64(kMessages - 4));

        m_gate->open();
        QTRY_COMPARE_WITH_TIMEOUT(m_gate->passed(), kMessages, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_store->queueDepths()->isEmpty(), 5000);
    }

    void aWebhookOverItsThresholdAnswers503AndLosesNothing()
    {
        startExecutor(kWebhookFlow, QString());
        WebhookIngressOptions options;
        options.backPressure = m_backPressure;
        options.retryAfterSeconds = 7;
        options.onStored = [this](const QString &flowId, int version, const QStringList &nodes) {
            for (const QString &node : nodes) {
                m_executor->notify(flowId, version, node);
            }
        };
        m_ingress = std::make_unique<WebhookIngress>(*m_store, options);
        WebhookTrigger trigger;
        trigger.flowId = QString::fromLatin1(kFlow);
        trigger.triggerId = QStringLiteral("in");
        trigger.firstNodes = {QStringLiteral("gate")};
        m_ingress->setTriggers({trigger});
        m_server = std::make_unique<HttpServer>();
        QVERIFY(m_server
                    ->listen({}, [this](ServerRequest request, Responder respond) {
                        m_ingress->handle(std::move(request), std::move(respond));
                    })
                    .ok());

        constexpr int kMessages = 10;
        int accepted = 0;
        QList<int> refused;
        for (int i = 0; i < kMessages; ++i) {
            const HttpOutcome outcome = post(orderEvent(i));
            QVERIFY(outcome.response.ok());
            if (outcome.response->status == 202) {
                ++accepted;
                continue;
            }
            QCOMPARE(outcome.response->status, 503);
            QCOMPARE(outcome.response->header("retry-after"), QByteArray("7"));
            QVERIFY(outcome.response->body.contains("BACK_PRESSURE"));
            refused.append(i);
        }
        // Three wait at the gate and at most one is in its hands: the rest were refused.
        QVERIFY2(accepted == 3 || accepted == 4, qPrintable(QString::number(accepted)));
        QCOMPARE(refused.size(), kMessages - accepted);

        m_gate->open();
        QTRY_COMPARE_WITH_TIMEOUT(m_gate->passed(), accepted, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_store->queueDepths()->isEmpty(), 5000);
        const Result<QList<QueueDepth>> depths = m_store->queueDepths();
        m_backPressure->setDepths(*depths); // the sampler's truth
        for (int i : refused) {
            QCOMPARE(post(orderEvent(i)).response->status, 202); // the sender's retry
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_gate->passed(), kMessages, 10000);
    }

private:
    void startExecutor(const char *document, const QString &passNode)
    {
        auto compiled = std::make_shared<FlowPlan>(plan(document));
        ExecutorOptions options;
        options.workers = 4;
        options.claimBatch = 1;
        options.tickMs = 10;
        options.backPressure = m_backPressure;
        m_executor = std::make_unique<Executor>(*m_store, m_metrics, options);
        QHash<QString, std::shared_ptr<NodeRunner>> runners;
        runners.insert(QStringLiteral("gate"), m_gate);
        if (!passNode.isEmpty()) {
            runners.insert(passNode, std::make_shared<PassRunner>());
        }
        m_executor->addFlow(compiled, runners);
        QVERIFY(m_executor->start().ok());
    }

    qint64 waiting(const char *node) const
    {
        const Result<QList<QueueDepth>> depths = m_store->queueDepths();
        for (const QueueDepth &d : *depths) {
            if (d.nodeId == QLatin1String(node)) {
                return d.ready + d.delayed;
            }
        }
        return 0;
    }

    HttpOutcome post(const QByteArray &body)
    {
        HttpRequest request;
        request.method = "POST";
        request.url = QStringLiteral("http://127.0.0.1:%1/hooks/orders/in").arg(m_server->port());
        request.headers = {{"Content-Type", "application/json"}};
        request.body = body;
        return m_client.send(request).get();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::shared_ptr<BackPressure> m_backPressure;
    std::shared_ptr<GateRunner> m_gate;
    Metrics m_metrics;
    std::unique_ptr<Executor> m_executor;
    std::unique_ptr<WebhookIngress> m_ingress;
    std::unique_ptr<HttpServer> m_server;
    HttpClient m_client;
};

QTEST_GUILESS_MAIN(TestBackPressure)
#include "tst_backpressure.moc"
