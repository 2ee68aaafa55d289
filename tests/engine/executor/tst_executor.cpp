#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/executor.h"
#include "engine/core/timeorderedid.h"
#include "engine/runtime/httpnode.h"
#include "engine/store/migrations.h"
#include "engine/store/sqlitemessagestore.h"
#include "engine/store/storeschema.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

#include <mutex>

using namespace syncline::engine;
using namespace syncline::engine::net;
using namespace syncline::engine::runtime;
using namespace syncline::engine::store;

namespace {

// A target that records every call by idempotency key and answers by the invoice number:
//   FAIL3-*  500 for the first three calls of a key, then 201
//   BAD-*    422 with its own error
//   HANG-*   never answers
//   SLOW-*   429 with Retry-After: 1 once, then 201
//   HOLD-*   held open until the test answers them (answerHeld), 201 then
//   others   201 {"id": "AR-<number>"}
class Target
{
public:
    Target()
    {
        const Result<void> listening = m_server.listen({}, [this](ServerRequest r, Responder respond) {
            handle(std::move(r), std::move(respond));
        });
        Q_ASSERT(listening.ok());
    }

    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }

    int calls(const QByteArray &key) const
    {
        std::lock_guard lock(m_mutex);
        return m_calls.value(key).size();
    }
    int successes() const
    {
        std::lock_guard lock(m_mutex);
        return m_succeeded.size();
    }
    int callsFor(const QByteArray &number) const
    {
        std::lock_guard lock(m_mutex);
        return m_byNumber.value(number);
    }
    QList<qint64> callTimes(const QByteArray &number) const
    {
        std::lock_guard lock(m_mutex);
        return m_times.value(number);
    }
    bool sawDuplicateSuccess() const { return m_duplicateSuccess; }
    int held() const
    {
        std::lock_guard lock(m_mutex);
        return int(m_held.size());
    }
    int mostHeldAtOnce() const
    {
        std::lock_guard lock(m_mutex);
        return m_mostHeld;
    }
    // Answers every held call (201); returns how many.
    int answerHeld()
    {
        std::vector<std::pair<QByteArray, Responder>> held;
        {
            std::lock_guard lock(m_mutex);
            held.swap(m_held);
        }
        for (auto &[invoice, respond] : held) {
            respond(ServerResponse::json(201, "{\"id\":\"AR-" + invoice + "\"}"));
        }
        return int(held.size());
    }

private:
    void handle(ServerRequest request, Responder respond)
    {
        const QByteArray key = request.header("idempotency-key");
        const QByteArray number = request.body.mid(request.body.indexOf("\"number\":\"") + 10);
        const QByteArray invoice = number.left(number.indexOf('"'));
        int attempt = 0;
        {
            std::lock_guard lock(m_mutex);
            m_calls[key].append(invoice);
            attempt = m_calls[key].size();
            ++m_byNumber[invoice];
            m_times[invoice].append(QDateTime::currentMSecsSinceEpoch());
        }
        if (invoice.startsWith("HANG-")) {
            std::lock_guard lock(m_mutex);
            m_hung.push_back(std::move(respond)); // answered never (the client times out)
            return;
        }
        if (invoice.startsWith("HOLD-")) {
            std::lock_guard lock(m_mutex);
            m_succeeded.insert(key);
            m_held.emplace_back(invoice, std::move(respond));
            m_mostHeld = std::max(m_mostHeld, int(m_held.size()));
            return;
        }
        if (invoice.startsWith("BAD-")) {
            respond(ServerResponse::json(422, R"({"error":"unknown GL account 4999"})"));
            return;
        }
        if (invoice.startsWith("FAIL3-") && attempt <= 3) {
            respond(ServerResponse::json(500, R"({"error":"try later"})"));
            return;
        }
        if (invoice.startsWith("SLOW-") && attempt == 1) {
            ServerResponse busy = ServerResponse::json(429, R"({"error":"slow down"})");
            busy.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("1")));
            respond(busy);
            return;
        }
        {
            std::lock_guard lock(m_mutex);
            if (m_succeeded.contains(key)) {
                m_duplicateSuccess = true;
            }
            m_succeeded.insert(key);
        }
        respond(ServerResponse::json(201, "{\"id\":\"AR-" + invoice + "\"}"));
    }

    HttpServer m_server;
    mutable std::mutex m_mutex;
    QHash<QByteArray, QList<QByteArray>> m_calls;
    QHash<QByteArray, int> m_byNumber;
    QHash<QByteArray, QList<qint64>> m_times;
    QSet<QByteArray> m_succeeded;
    std::vector<Responder> m_hung;
    std::vector<std::pair<QByteArray, Responder>> m_held;
    int m_mostHeld = 0;
    std::atomic<bool> m_duplicateSuccess{false};
};

nlohmann::json flowDocument()
{
    return nlohmann::json::parse(R"({
      "id": "invoice-issued",
      "name": "Invoice issued",
      "nodes": [
        {"id": "in", "type": "webhook", "settings": {}},
        {"id": "post", "type": "http", "settings": {
          "system": "erp", "method": "POST", "path": "/invoices",
          "businessKey": "/number", "externalIds": {"erpDocument": "/id"},
          "timeoutMs": 300, "concurrency": 8,
          "retry": {"maxAttempts": 5, "initialDelayMs": 10, "maxDelayMs": 50, "jitter": 0}}}
      ],
      "edges": [{"from": "in", "to": "post"}]
    })");
}

} // namespace

class TestExecutor : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::move(*SqliteMessageStore::open(m_dir->filePath(QStringLiteral("e.db"))));
        m_target = std::make_unique<Target>();
    }

    void cleanup()
    {
        m_executor.reset();
        m_target.reset();
        m_store.reset();
    }

    void everyMessageIsPostedOnce()
    {
        start(false);
        for (int i = 0; i < 100; ++i) {
            ingest(QStringLiteral("INV-%1").arg(i));
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_target->successes(), 100, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_store->queueDepths()->isEmpty(), 5000);
        QVERIFY(!m_target->sawDuplicateSuccess());
        QCOMPARE(m_target->callsFor("INV-7"), 1);

        const QString key = HttpNode::idempotencyKey(
            m_correlations.value(QStringLiteral("INV-7")), QStringLiteral("invoice-issued"),
            QStringLiteral("post"), QStringLiteral("INV-7"), m_store->orderedEffectKeysAfter());
        auto effect = m_store->effect(key);
        QVERIFY(effect.ok() && effect->has_value());
        QCOMPARE((*effect)->state, EffectState::Succeeded);
        QCOMPARE((*effect)->externalIds, QByteArray(R"({"erpDocument":"AR-INV-7"})"));
        QCOMPARE(m_target->calls(key.toLatin1()), 1);
        QCOMPARE(m_metrics.snapshot().at(0).processed, 100);
    }

    // Keys of correlations this engine makes after the upgrade to ordered keys lead with their
    // millisecond; every correlation an older database holds, even one stamped ahead of the
    // clock, keeps the key a target may have seen, so its succeeded call is never made again.
    void anUpgradedStoreKeepsTheKeysOfEarlierCorrelations()
    {
        m_store.reset();
        const QString file = m_dir->filePath(QStringLiteral("v10.db"));
        const QString earlier = newTimeOrderedId();
        const QString ahead = QStringLiteral("7fffffff-0000-7000-8000-000000000001"); // skewed
        const QString flow = QStringLiteral("invoice-issued");
        const QString node = QStringLiteral("post");
        const QString doneKey = HttpNode::idempotencyKey(earlier, flow, node, QStringLiteral("INV-1"), {});
        const QString aheadKey = HttpNode::idempotencyKey(ahead, flow, node, QStringLiteral("INV-2"), {});
        {
            Result<Connection> c = Connection::open(file);
            QVERIFY(c);
            QVERIFY(migrate(*c, messageStoreMigrations().first(10)));
            QVERIFY(c->exec(QStringLiteral(
                                "INSERT INTO messages(message_id, flow_id, flow_version,"
                                " correlation_id, payload, created_at) VALUES"
                                " ('m2', 'invoice-issued', 1, '%1', CAST('{}' AS BLOB), 1);"
                                "INSERT INTO effects(idempotency_key, message_id, correlation_id,"
                                " flow_id, node_id, business_key, target, method, url, state,"
                                " attempts, http_status, created_at, updated_at) VALUES"
                                " ('%2', 'm1', '%3', 'invoice-issued', 'post', 'INV-1', 'erp',"
                                " 'POST', 'u', 'succeeded', 1, 201, 1, 2);")
                                .arg(ahead, doneKey, earlier)
                                .toStdString()));
        }
        m_store = std::move(*SqliteMessageStore::open(file));
        const QString after = m_store->orderedEffectKeysAfter();
        QVERIFY(after >= ahead.left(kTimeOrderedPrefixLength));

        QCOMPARE(HttpNode::idempotencyKey(earlier, flow, node, QStringLiteral("INV-1"), after), doneKey);
        QCOMPARE(HttpNode::idempotencyKey(ahead, flow, node, QStringLiteral("INV-2"), after), aheadKey);
        Result<EffectRecord> again = m_store->beginEffect(
            {doneKey, QStringLiteral("m1"), earlier, flow, node, QStringLiteral("INV-1"), QStringLiteral("erp"), QStringLiteral("POST"), QStringLiteral("u")});
        QVERIFY(again);
        QCOMPARE(again->state, EffectState::Succeeded);

        // A caller's own correlation id keeps the digest key too.
        QCOMPARE(HttpNode::idempotencyKey(QStringLiteral("corr-7"), flow, node, QStringLiteral("INV-3"), after),
                 HttpNode::idempotencyKey(QStringLiteral("corr-7"), flow, node, QStringLiteral("INV-3"), {}));

        // Correlations made later: keys in their order, each the same every time.
        const QString first = QStringLiteral("80000000-0001-7000-8000-000000000001");
        const QString second = QStringLiteral("80000000-0002-7000-8000-000000000001");
        const QString firstKey = HttpNode::idempotencyKey(first, flow, node, QStringLiteral("INV-4"), after);
        QVERIFY2(firstKey.startsWith(QLatin1String("syn-800000000001-")), qPrintable(firstKey));
        QCOMPARE(firstKey.size(), 4 + 12 + 1 + 32);
        QCOMPARE(HttpNode::idempotencyKey(first, flow, node, QStringLiteral("INV-4"), after), firstKey);
        QVERIFY(HttpNode::idempotencyKey(second, flow, node, QStringLiteral("INV-4"), after) > firstKey);
    }

    // The node's concurrency (8) counts calls in flight: the intents of the next messages are
    // committed meanwhile, and their calls go out as answers free places. (All are waiting
    // before the executor starts, so the calls come in waves of eight.)
    void callsInFlightStayWithinTheNodesConcurrency()
    {
        constexpr int kMessages = 24;
        for (int i = 0; i < kMessages; ++i) {
            ingest(QStringLiteral("HOLD-%1").arg(i));
        }
        start(false);
        int answered = 0;
        while (answered < kMessages) {
            QTRY_COMPARE_WITH_TIMEOUT(m_target->held(), std::min(8, kMessages - answered), 10000);
            answered += m_target->answerHeld();
        }
        QTRY_VERIFY_WITH_TIMEOUT(m_store->queueDepths()->isEmpty(), 10000);
        QCOMPARE(m_target->successes(), kMessages);
        QCOMPARE(m_target->mostHeldAtOnce(), 8);
    }

    void serverErrorsAreRetriedWithTheSameKey()
    {
        start(false);
        ingest(QStringLiteral("FAIL3-1"));
        QTRY_COMPARE_WITH_TIMEOUT(m_target->successes(), 1, 10000);
        QCOMPARE(m_target->callsFor("FAIL3-1"), 4); // three 500s, then 201
        const QString key = HttpNode::idempotencyKey(
            m_correlations.value(QStringLiteral("FAIL3-1")), QStringLiteral("invoice-issued"),
            QStringLiteral("post"), QStringLiteral("FAIL3-1"),
            m_store->orderedEffectKeysAfter());
        QCOMPARE(m_target->calls(key.toLatin1()), 4); // all with one key
        QTRY_VERIFY_WITH_TIMEOUT(m_store->queueDepths()->isEmpty(), 5000);
        QCOMPARE(m_metrics.snapshot().at(0).retried, 3);
    }

    void aBusinessRefusalIsParkedWithoutRetry()
    {
        start(false);
        ingest(QStringLiteral("BAD-1"));
        QTRY_COMPARE_WITH_TIMEOUT(parked(), 1, 10000);
        QCOMPARE(m_target->callsFor("BAD-1"), 1);
        QCOMPARE(m_metrics.snapshot().at(0).failed, 1);
    }

    void aTimeoutWithoutIdempotencySupportIsUncertain()
    {
        start(false);
        ingest(QStringLiteral("HANG-1"));
        QTRY_COMPARE_WITH_TIMEOUT(parked(), 1, 10000);
        QCOMPARE(m_target->callsFor("HANG-1"), 1); // never sent again: it may have posted
        const QString key = HttpNode::idempotencyKey(
            m_correlations.value(QStringLiteral("HANG-1")), QStringLiteral("invoice-issued"),
            QStringLiteral("post"), QStringLiteral("HANG-1"),
            m_store->orderedEffectKeysAfter());
        QCOMPARE(m_store->effect(key)->value().state, EffectState::Uncertain);
    }

    void aTimeoutWithIdempotencySupportIsRetriedWithTheSameKey()
    {
        start(true);
        ingest(QStringLiteral("HANG-2"));
        QTRY_COMPARE_WITH_TIMEOUT(parked(), 1, 15000); // retries exhausted in the end
        QCOMPARE(m_target->callsFor("HANG-2"), 5);
        const QString key = HttpNode::idempotencyKey(
            m_correlations.value(QStringLiteral("HANG-2")), QStringLiteral("invoice-issued"),
            QStringLiteral("post"), QStringLiteral("HANG-2"),
            m_store->orderedEffectKeysAfter());
        QCOMPARE(m_target->calls(key.toLatin1()), 5);
    }

    void retryAfterIsHonoured()
    {
        start(false);
        ingest(QStringLiteral("SLOW-1"));
        QTRY_COMPARE_WITH_TIMEOUT(m_target->successes(), 1, 10000);
        const QList<qint64> times = m_target->callTimes("SLOW-1");
        QCOMPARE(times.size(), 2);
        QVERIFY2(times[1] - times[0] >= 1000, qPrintable(QString::number(times[1] - times[0])));
    }

    void aRestartFinishesWhatWasClaimed()
    {
        ingest(QStringLiteral("INV-R"));
        // A previous run claimed the item and died before completing it.
        QCOMPARE(m_store->claim(QStringLiteral("invoice-issued"), 1, QStringLiteral("post"), 1,
                                600'000)
                     ->size(),
                 1);
        start(false);
        QTRY_COMPARE_WITH_TIMEOUT(m_target->successes(), 1, 10000);
    }

private:
    void start(bool idempotencySupported)
    {
        auto plan = std::make_shared<FlowPlan>(*FlowPlan::fromDocument(flowDocument(), 1));
        nlohmann::json system = {{"id", "erp"},
                                 {"baseUrl", m_target->baseUrl().toStdString()},
                                 {"auth", {{"type", "none"}}},
                                 {"idempotency", {{"supported", idempotencySupported}}}};
        SystemTarget target = *SystemTarget::fromDocument(system, {});
        const PlannedNode *node = plan->node(QStringLiteral("post"));
        auto runner = std::make_shared<HttpNode>(*node, *HttpNodeSettings::fromJson(node->settings),
                                                 target, *m_store, m_client,
                                                 [] { return QDateTime::currentMSecsSinceEpoch(); });
        m_executor = std::make_unique<Executor>(*m_store, m_metrics);
        m_executor->addFlow(plan, {{QStringLiteral("post"), runner}});
        QVERIFY(m_executor->start().ok());
    }

    void ingest(const QString &number)
    {
        IngestRequest request;
        request.source = QStringLiteral("invoice-issued/in");
        request.deliveryId = QStringLiteral("evt-") + number;
        request.firstNodes = {QStringLiteral("post")};
        request.message.flowId = QStringLiteral("invoice-issued");
        request.message.flowVersion = 1;
        request.message.businessKey = number;
        request.message.payload = QStringLiteral(R"({"number":"%1","amount":"19.99"})")
                                      .arg(number)
                                      .toUtf8();
        Result<IngestResult> stored = m_store->ingest(request);
        QVERIFY(stored.ok());
        m_correlations.insert(number, stored->correlationId);
        if (m_executor) {
            m_executor->notify(QStringLiteral("invoice-issued"), 1, QStringLiteral("post"));
        }
    }

    qint64 parked()
    {
        const QList<QueueDepth> depths = *m_store->queueDepths();
        return depths.isEmpty() ? 0 : depths.first().failed;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<Target> m_target;
    HttpClient m_client;
    Metrics m_metrics;
    std::unique_ptr<Executor> m_executor;
    QHash<QString, QString> m_correlations;
};

QTEST_GUILESS_MAIN(TestExecutor)
#include "tst_executor.moc"
