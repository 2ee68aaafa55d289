#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/webhookingress.h"
#include "engine/store/sqlitemessagestore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace syncline::engine;
using namespace syncline::engine::net;
using namespace syncline::engine::runtime;
using namespace syncline::engine::store;

namespace {

constexpr qint64 kNow = 1'700'000'000;
const QByteArray kSecret = "whsec_test";

QByteArray invoiceEvent(const char *eventId, const char *number)
{
    return QStringLiteral(R"({"id":"%1","type":"invoice.finalized","data":{"object":)"
                          R"({"number":"%2","amount_due":1999,"big_id":18446744073709551616}}})")
        .arg(QLatin1String(eventId), QLatin1String(number))
        .toUtf8();
}

QJsonObject jsonOf(const HttpOutcome &outcome)
{
    return QJsonDocument::fromJson(outcome.response->body).object();
}

} // namespace

class TestWebhooks : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto store = SqliteMessageStore::open(m_dir->filePath(QStringLiteral("engine.db")));
        QVERIFY(store.ok());
        m_store = std::move(*store);
        WebhookIngressOptions options; // Retry-After 5 s
        options.clockSeconds = [] { return kNow; };
        m_backPressure = std::make_shared<BackPressure>();
        Result<FlowPlan> plan = FlowPlan::fromDocument(nlohmann::json::parse(R"({
            "id": "invoice-issued",
            "nodes": [{"id": "billing", "type": "webhook"}, {"id": "validate", "type": "validate"}],
            "edges": [{"from": "billing", "to": "validate"}]})"),
                                                       1);
        QVERIFY(plan.ok());
        m_backPressure->addFlow(*plan); // the default threshold: 10,000 messages or 1 GiB
        options.backPressure = m_backPressure;
        m_ingress = std::make_unique<WebhookIngress>(*m_store, options);
        WebhookTrigger trigger;
        trigger.flowId = QStringLiteral("invoice-issued");
        trigger.triggerId = QStringLiteral("billing");
        trigger.firstNodes = {QStringLiteral("validate")};
        trigger.signature = SignatureScheme::TimestampedV1;
        trigger.signatureHeader = "stripe-signature";
        trigger.secrets = {kSecret};
        trigger.businessKeyPointer = QStringLiteral("/data/object/number");
        trigger.limits.maxBytes = 4096;
        m_ingress->setTriggers({trigger});
        m_server = std::make_unique<HttpServer>();
        QVERIFY(m_server
                    ->listen({}, [this](ServerRequest request, Responder respond) {
                        m_ingress->handle(std::move(request), std::move(respond));
                    })
                    .ok());
    }

    void cleanup()
    {
        m_server.reset();
        m_ingress.reset();
        m_store.reset();
    }

    void aSignedEventIsCommittedThenAcknowledged()
    {
        const QByteArray body = invoiceEvent("evt_1", "INV-1001");
        HttpOutcome outcome = post(body, sign(body));
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->status, 202);
        const QJsonObject ids = jsonOf(outcome);
        const QString messageId = ids.value(QStringLiteral("messageId")).toString();
        QVERIFY(!messageId.isEmpty());
        QVERIFY(!ids.value(QStringLiteral("correlationId")).toString().isEmpty());

        // Acknowledged means stored: the message is there, byte for byte.
        auto stored = m_store->message(messageId);
        QVERIFY(stored.ok() && stored->has_value());
        QCOMPARE((*stored)->payload, body);
        QCOMPARE((*stored)->businessKey, QStringLiteral("INV-1001"));
        QCOMPARE((*stored)->flowId, QStringLiteral("invoice-issued"));
        QCOMPARE(m_store->queueDepths()->at(0).ready, 1);
        QCOMPARE(m_ingress->counters().accepted, 1);
    }

    void aRepeatedDeliveryCreatesNothing()
    {
        const QByteArray body = invoiceEvent("evt_1", "INV-1001");
        HttpOutcome first = post(body, sign(body));
        HttpOutcome again = post(body, sign(body));
        QCOMPARE(first.response->status, 202);
        QCOMPARE(again.response->status, 200);
        QCOMPARE(jsonOf(again), jsonOf(first));
        QCOMPARE(m_store->queueDepths()->at(0).ready, 1);
        QCOMPARE(m_ingress->counters().duplicates, 1);
    }

    void theSendersCorrelationIdTravels()
    {
        const QByteArray body = invoiceEvent("evt_2", "INV-1002");
        HttpOutcome outcome = post(body, sign(body),
                                   {{"traceparent",
                                     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
        QCOMPARE(jsonOf(outcome).value(QStringLiteral("correlationId")).toString(),
                 QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736"));
        const QByteArray other = invoiceEvent("evt_3", "INV-1003");
        outcome = post(other, sign(other), {{"X-Correlation-ID", "order-77"}});
        QCOMPARE(jsonOf(outcome).value(QStringLiteral("correlationId")).toString(),
                 QStringLiteral("order-77"));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("signature");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("detailContains");

        const QByteArray good = invoiceEvent("evt_9", "INV-9");
        const QByteArray path = "/hooks/invoice-issued/billing";
        QTest::newRow("wrong secret")
            << path << QByteArray("POST") << good
            << signBody(SignatureScheme::TimestampedV1, good, "whsec_other", kNow) << 401
            << QStringLiteral("SIGNATURE_MISMATCH") << QStringLiteral("does not match");
        QTest::newRow("replayed an hour later")
            << path << QByteArray("POST") << good
            << signBody(SignatureScheme::TimestampedV1, good, kSecret, kNow - 3600) << 401
            << QStringLiteral("SIGNATURE_EXPIRED") << QStringLiteral("3600 s");
        QTest::newRow("unsigned") << path << QByteArray("POST") << good << QByteArray() << 401
                                  << QStringLiteral("SIGNATURE_MISSING")
                                  << QStringLiteral("not signed");
        const QByteArray forged = R"({"id":"evt_5","amount":1,"amount":-1})";
        QTest::newRow("duplicate key")
            << path << QByteArray("POST") << forged
            << signBody(SignatureScheme::TimestampedV1, forged, kSecret, kNow) << 400
            << QStringLiteral("DUP_KEY") << QStringLiteral("amount");
        const QByteArray truncated = R"({"id":"evt_6","data":{)";
        QTest::newRow("truncated")
            << path << QByteArray("POST") << truncated
            << signBody(SignatureScheme::TimestampedV1, truncated, kSecret, kNow) << 400
            << QStringLiteral("JSON_SYNTAX") << QStringLiteral("line 1");
        const QByteArray big = "{\"id\":\"evt_7\",\"pad\":\"" + QByteArray(5000, 'x') + "\"}";
        QTest::newRow("over the trigger's size limit")
            << path << QByteArray("POST") << big
            << signBody(SignatureScheme::TimestampedV1, big, kSecret, kNow) << 413
            << QStringLiteral("SIZE_LIMIT") << QString();
        QTest::newRow("unknown trigger")
            << QByteArray("/hooks/invoice-issued/nope") << QByteArray("POST") << good
            << QByteArray() << 404 << QStringLiteral("UNKNOWN_TRIGGER")
            << QStringLiteral("/hooks/invoice-issued/nope");
        QTest::newRow("not a hook") << QByteArray("/elsewhere") << QByteArray("POST") << good
                                    << QByteArray() << 404 << QStringLiteral("NOT_FOUND")
                                    << QString();
        QTest::newRow("GET") << path << QByteArray("GET") << QByteArray() << QByteArray() << 405
                             << QStringLiteral("METHOD_NOT_ALLOWED") << QString();
    }

    void refusals()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, signature);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, detailContains);
        HttpRequest request;
        request.method = method;
        request.url = QStringLiteral("http://127.0.0.1:%1%2")
                          .arg(m_server->port())
                          .arg(QString::fromLatin1(path));
        request.body = body;
        if (!signature.isEmpty()) {
            request.headers.append({"Stripe-Signature", signature});
        }
        HttpOutcome outcome = m_client.send(request).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->status, status);
        QCOMPARE(outcome.response->header("content-type"), QByteArray("application/problem+json"));
        const QJsonObject problem = jsonOf(outcome);
        QCOMPARE(problem.value(QStringLiteral("code")).toString(), code);
        QCOMPARE(problem.value(QStringLiteral("status")).toInt(), status);
        QVERIFY2(problem.value(QStringLiteral("detail")).toString().contains(detailContains),
                 outcome.response->body.constData());
        QVERIFY(!outcome.response->body.contains(kSecret));
        QVERIFY(m_store->queueDepths()->isEmpty()); // nothing was stored
    }

    void aRefusedBodySaysWhere()
    {
        const QByteArray forged = "{\"id\":\"evt_5\",\n \"amount\":1,\n \"amount\":-1}";
        HttpOutcome outcome = post(forged, sign(forged));
        const QJsonObject problem = jsonOf(outcome);
        QCOMPARE(problem.value(QStringLiteral("line")).toInt(), 3);
        QVERIFY(problem.value(QStringLiteral("byteOffset")).toInt() > 20);
        QVERIFY(problem.contains(QStringLiteral("pointer")));
    }

    void backPressureAnswers503WithRetryAfter()
    {
        const auto waiting = [](qint64 messages) {
            QueueDepth depth;
            depth.flowId = QStringLiteral("invoice-issued");
            depth.nodeId = QStringLiteral("validate");
            depth.ready = messages;
            return QList<QueueDepth>{depth};
        };
        m_backPressure->setDepths(waiting(10'000));
        const QByteArray body = invoiceEvent("evt_1", "INV-1001");
        HttpOutcome outcome = post(body, sign(body));
        QCOMPARE(outcome.response->status, 503);
        QCOMPARE(outcome.response->header("retry-after"), QByteArray("5"));
        QCOMPARE(jsonOf(outcome).value(QStringLiteral("code")).toString(),
                 QStringLiteral("BACK_PRESSURE"));
        QVERIFY(m_store->queueDepths()->isEmpty());

        m_backPressure->setDepths(waiting(9'999));
        QCOMPARE(post(body, sign(body)).response->status, 202);
    }

    void manyConcurrentSendersAreAllAcknowledgedOnce()
    {
        std::vector<std::future<HttpOutcome>> futures;
        for (int i = 0; i < 200; ++i) {
            const QByteArray body = invoiceEvent(qPrintable(QStringLiteral("evt_%1").arg(i)),
                                                 qPrintable(QStringLiteral("INV-%1").arg(i)));
            HttpRequest request;
            request.method = "POST";
            request.url = hookUrl();
            request.body = body;
            request.headers = {{"Stripe-Signature", sign(body)}};
            futures.push_back(m_client.send(request));
        }
        for (auto &future : futures) {
            HttpOutcome outcome = future.get();
            QVERIFY(outcome.response.ok());
            QCOMPARE(outcome.response->status, 202);
        }
        QCOMPARE(m_store->queueDepths()->at(0).ready, 200);
        QCOMPARE(m_store->writerSnapshot().committedJobs, 200); // one commit each, none lost
        QCOMPARE(m_ingress->counters().accepted, 200);
    }

private:
    QString hookUrl() const
    {
        return QStringLiteral("http://127.0.0.1:%1/hooks/invoice-issued/billing")
            .arg(m_server->port());
    }

    static QByteArray sign(const QByteArray &body)
    {
        return signBody(SignatureScheme::TimestampedV1, body, kSecret, kNow);
    }

    HttpOutcome post(const QByteArray &body, const QByteArray &signature, HttpHeaders extra = {})
    {
        HttpRequest request;
        request.method = "POST";
        request.url = hookUrl();
        request.body = body;
        request.headers = extra;
        request.headers.append({"Stripe-Signature", signature});
        request.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        return m_client.send(request).get();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<WebhookIngress> m_ingress;
    std::shared_ptr<BackPressure> m_backPressure;
    std::unique_ptr<HttpServer> m_server;
    HttpClient m_client;
};

QTEST_GUILESS_MAIN(TestWebhooks)
#include "tst_webhooks.moc"
