#include "engine/net/httpclient.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/httpnode.h"
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

// An ERP with a bad day, by the number of calls it has had: 500s, then 429 with Retry-After,
// then it hangs, then it resets connections after reading the request, then it recovers. It
// supports Idempotency-Key: a key it has seen creates no second document.
class FaultyErp
{
public:
    FaultyErp()
        : m_server([this](const RawRequest &r) { return handle(r); })
    {}

    QString baseUrl() const { return m_server.url("/erp"); }
    QHash<QString, int> documents() const
    {
        std::lock_guard lock(m_mutex);
        return m_documents;
    }
    QHash<QString, QSet<QByteArray>> keysByInvoice() const
    {
        std::lock_guard lock(m_mutex);
        return m_keysByInvoice;
    }
    int calls() const { return m_server.requests(); }

private:
    RawReply handle(const RawRequest &request)
    {
        const int call = ++m_calls;
        const QString number = QJsonDocument::fromJson(request.body)
                                   .object()
                                   .value(QStringLiteral("number"))
                                   .toString();
        const QByteArray key = request.header("idempotency-key");
        {
            std::lock_guard lock(m_mutex);
            m_keysByInvoice[number].insert(key);
        }
        if (call <= 12) {
            return RawReply::answer("500 Internal Server Error", R"({"error":"database down"})");
        }
        if (call <= 16) {
            return RawReply::answer("429 Too Many Requests", R"({"error":"slow down"})",
                                    "Retry-After: 1\r\n");
        }
        if (call <= 19) {
            record(number, key); // takes the request, then never answers
            return RawReply::hang();
        }
        if (call <= 22) {
            record(number, key); // takes the request, then drops the connection
            return RawReply::reset();
        }
        record(number, key);
        return RawReply::answer("201 Created", "{\"id\":\"AR-" + number.toUtf8() + "\"}");
    }

    void record(const QString &number, const QByteArray &key)
    {
        std::lock_guard lock(m_mutex);
        if (!m_seenKeys.contains(key)) {
            m_seenKeys.insert(key);
            ++m_documents[number];
        }
    }

    RawHttpServer m_server;
    std::atomic<int> m_calls{0};
    mutable std::mutex m_mutex;
    QSet<QByteArray> m_seenKeys;
    QHash<QString, int> m_documents;
    QHash<QString, QSet<QByteArray>> m_keysByInvoice;
};

nlohmann::json flow()
{
    return nlohmann::json::parse(R"({
      "id": "invoice-to-erp", "name": "Invoices",
      "nodes": [
        {"id": "in", "type": "webhook"},
        {"id": "post", "type": "http", "settings": {
          "system": "erp", "method": "POST", "path": "/invoices", "businessKey": "/number",
          "timeoutMs": 300, "concurrency": 4,
          "retry": {"maxAttempts": 40, "initialDelayMs": 20, "factor": 2, "maxDelayMs": 400,
                    "jitter": 0.2}}}
      ],
      "edges": [{"from": "in", "to": "post"}]
    })");
}

} // namespace

class TestTargetFaults : public QObject
{
    Q_OBJECT

private slots:
    void aBadDayAtTheTargetLosesAndDuplicatesNothing()
    {
        QTemporaryDir dir;
        auto store = std::move(*SqliteMessageStore::open(dir.filePath(QStringLiteral("e.db"))));
        FaultyErp erp;
        net::HttpClient client;
        Metrics metrics;

        auto plan = std::make_shared<FlowPlan>(*FlowPlan::fromDocument(flow(), 1));
        SystemTarget target = *SystemTarget::fromDocument(
            {{"id", "erp"},
             {"baseUrl", erp.baseUrl().toStdString()},
             {"auth", {{"type", "none"}}},
             {"idempotency", {{"supported", true}}}},
            {});
        // A short open period so the breaker's whole cycle fits in the test.
        target.breaker = std::make_shared<CircuitBreaker>(CircuitBreaker::Options{5, 300});
        const auto breaker = target.breaker;
        const PlannedNode *node = plan->node(QStringLiteral("post"));
        auto runner = std::make_shared<HttpNode>(*node, *HttpNodeSettings::fromJson(node->settings),
                                                 target, *store, client,
                                                 [] { return QDateTime::currentMSecsSinceEpoch(); });
        Executor executor(*store, metrics);
        executor.addFlow(plan, {{QStringLiteral("post"), runner}});

        constexpr int kInvoices = 30;
        for (int i = 0; i < kInvoices; ++i) {
            IngestRequest request;
            request.source = QStringLiteral("invoice-to-erp/in");
            request.deliveryId = QStringLiteral("evt_%1").arg(i);
            request.firstNodes = {QStringLiteral("post")};
            request.message.flowId = plan->flowId;
            request.message.flowVersion = 1;
            request.message.payload = QStringLiteral(R"({"number":"INV-%1","amount":"10.00"})")
                                          .arg(i)
                                          .toUtf8();
            QVERIFY(store->ingest(request).ok());
        }
        QVERIFY(executor.start().ok());

        QTRY_COMPARE_WITH_TIMEOUT(erp.documents().size(), kInvoices, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(store->queueDepths()->isEmpty(), 10000);
        executor.stop();

        // Nothing lost, nothing twice, and every retry of an invoice used its one key.
        const QHash<QString, int> documents = erp.documents();
        for (int i = 0; i < kInvoices; ++i) {
            QCOMPARE(documents.value(QStringLiteral("INV-%1").arg(i)), 1);
        }
        const auto keys = erp.keysByInvoice();
        for (auto it = keys.cbegin(); it != keys.cend(); ++it) {
            QCOMPARE(it.value().size(), 1);
        }
        // The breaker opened during the outage and closed again once the ERP recovered.
        QVERIFY(breaker->openings() >= 1);
        QCOMPARE(breaker->state(QDateTime::currentMSecsSinceEpoch()),
                 CircuitBreaker::State::Closed);
        // Retries happened, none was given up, and the target was not hammered: with the
        // breaker open, calls waited instead of burning the outage.
        const NodeMetrics figures = metrics.snapshot().at(0);
        QVERIFY(figures.retried >= 12);
        QCOMPARE(figures.failed, 0);
        QVERIFY2(erp.calls() < 200, qPrintable(QString::number(erp.calls())));
    }
};

QTEST_GUILESS_MAIN(TestTargetFaults)
#include "tst_targetfaults.moc"
