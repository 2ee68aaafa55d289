#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/adminapi.h"
#include "engine/runtime/manualintake.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

class TestManualTrigger : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    std::unique_ptr<ManualIntake> m_intake;
    net::HttpServer m_server;
    std::unique_ptr<AdminApi> m_admin;
    net::HttpClient m_client;
    std::atomic<int> m_woken{0};
    std::optional<QString> m_held;
    std::mutex m_heldMutex;

    net::HttpResponse post(const QByteArray &path, const QByteArray &body,
                           net::HttpHeaders headers = {}, const QByteArray &method = "POST")
    {
        net::HttpRequest request;
        request.method = method;
        request.url = QStringLiteral("http://127.0.0.1:%1").arg(m_server.port())
                      + QString::fromLatin1(path);
        request.headers = headers;
        request.headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer t0ken")));
        request.headers.append(qMakePair(QByteArray("Content-Type"),
                                         QByteArray("application/json")));
        request.body = body;
        const net::HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }

    static nlohmann::json parse(const QByteArray &body)
    {
        return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr,
                                     false);
    }

    QList<store::WorkItem> take()
    {
        Result<QList<store::WorkItem>> items = m_store->claim(QStringLiteral("resync"), 3,
                                                              QStringLiteral("map"), 100, 60'000);
        return items ? *items : QList<store::WorkItem>();
    }

private slots:
    void initTestCase()
    {
        auto opened = store::SqliteMessageStore::open(m_dir.filePath(QStringLiteral("e.db")));
        QVERIFY(opened);
        m_store = std::move(*opened);
        ManualIntakeOptions options;
        options.retryAfterSeconds = 9;
        options.onStored = [this](const QString &, int, const QStringList &) { ++m_woken; };
        options.held = [this](const QString &, int, const QString &) {
            std::lock_guard lock(m_heldMutex);
            return m_held;
        };
        m_intake = std::make_unique<ManualIntake>(*m_store, options);
        ManualTrigger trigger;
        trigger.flowId = QStringLiteral("resync");
        trigger.triggerId = QStringLiteral("start");
        trigger.flowVersion = 3;
        trigger.firstNodes = {QStringLiteral("map")};
        trigger.businessKeyPointer = QStringLiteral("/account");
        trigger.limits.maxBytes = 1024;
        m_intake->setTriggers({trigger});
        m_admin = std::make_unique<AdminApi>(AdminApi::singleToken("t0ken"));
        m_admin->add(m_intake->route());
        QVERIFY(m_server.listen({}, [this](net::ServerRequest request, net::Responder respond) {
            m_admin->handle(request, respond);
        }));
    }
    void cleanupTestCase()
    {
        m_server.stop();
        m_admin.reset();
        m_intake.reset();
        m_store.reset();
    }

    void startsTheFlow()
    {
        const net::HttpResponse response = post(
            "/api/v1/flows/resync/triggers/start/messages", R"({"account":"ACC-9","full":true})",
            {qMakePair(QByteArray("X-Correlation-ID"), QByteArray("ops-42"))});
        QCOMPARE(response.status, 202);
        const nlohmann::json ids = parse(response.body);
        QVERIFY(ids.value("correlationId", "") == "ops-42");
        QVERIFY(!ids.value("messageId", "").empty());
        const QList<store::WorkItem> items = take();
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].message.flowVersion, 3);
        QCOMPARE(items[0].message.businessKey, QStringLiteral("ACC-9"));
        QCOMPARE(items[0].message.payload, QByteArray(R"({"account":"ACC-9","full":true})"));
        QCOMPARE(items[0].message.messageId,
                 QString::fromStdString(ids["messageId"].get<std::string>()));
        QVERIFY(m_woken >= 1);
    }

    void idempotencyKeyMakesRetriesSafe()
    {
        const net::HttpHeaders key = {qMakePair(QByteArray("Idempotency-Key"),
                                                QByteArray("nightly-2024-05-01"))};
        const net::HttpResponse first = post("/api/v1/flows/resync/triggers/start/messages",
                                             R"({"account":"ACC-1"})", key);
        QCOMPARE(first.status, 202);
        const net::HttpResponse again = post("/api/v1/flows/resync/triggers/start/messages",
                                             R"({"account":"ACC-1"})", key);
        QCOMPARE(again.status, 200);
        QVERIFY(parse(again.body) == parse(first.body));
        QCOMPARE(take().size(), 1);
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const QByteArray path = "/api/v1/flows/resync/triggers/start/messages";
        QTest::newRow("bad JSON") << path << QByteArray("POST") << QByteArray(R"({"a":})") << 400
                                  << "JSON_SYNTAX";
        QTest::newRow("duplicate key") << path << QByteArray("POST")
                                       << QByteArray(R"({"a":1,"a":2})") << 400 << "DUP_KEY";
        QTest::newRow("too large") << path << QByteArray("POST")
                                   << QByteArray(R"({"a":")") + QByteArray(2000, 'x') + "\"}"
                                   << 413 << "SIZE_LIMIT";
        QTest::newRow("unknown trigger")
            << QByteArray("/api/v1/flows/resync/triggers/nope/messages") << QByteArray("POST")
            << QByteArray("{}") << 404 << "UNKNOWN_TRIGGER";
        QTest::newRow("unknown flow")
            << QByteArray("/api/v1/flows/other/triggers/start/messages") << QByteArray("POST")
            << QByteArray("{}") << 404 << "UNKNOWN_TRIGGER";
        QTest::newRow("not POST") << path << QByteArray("PUT") << QByteArray("{}") << 405
                                  << "METHOD_NOT_ALLOWED";
    }
    void refusals()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, code);
        const net::HttpResponse response = post(path, body, {}, method);
        QCOMPARE(response.status, status);
        const nlohmann::json problem = parse(response.body);
        QCOMPARE(QString::fromStdString(problem.value("code", "")), code);
        QVERIFY(response.header("content-type").startsWith("application/problem+json"));
        QVERIFY(take().isEmpty());
    }

    void backPressureAnswers503()
    {
        {
            std::lock_guard lock(m_heldMutex);
            m_held = QStringLiteral("queue at map has 10000 messages");
        }
        const net::HttpResponse response = post("/api/v1/flows/resync/triggers/start/messages",
                                                "{}");
        {
            std::lock_guard lock(m_heldMutex);
            m_held.reset();
        }
        QCOMPARE(response.status, 503);
        QCOMPARE(response.header("retry-after"), QByteArray("9"));
        QVERIFY(take().isEmpty());
    }

    void pathsParse_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("manual");
        QTest::newRow("trigger") << QByteArray("/api/v1/flows/f/triggers/t/messages") << true;
        QTest::newRow("flows") << QByteArray("/api/v1/flows") << false;
        QTest::newRow("trailing") << QByteArray("/api/v1/flows/f/triggers/t/messages/x") << false;
        QTest::newRow("empty flow") << QByteArray("/api/v1/flows//triggers/t/messages") << false;
        QTest::newRow("other") << QByteArray("/api/v1/flows/f/versions/t/messages") << false;
    }
    void pathsParse()
    {
        QFETCH(QByteArray, path);
        QFETCH(bool, manual);
        // A manual trigger path reaches the intake (which knows no trigger "t"); others do not.
        const net::HttpResponse response = post(path, "{}");
        QCOMPARE(response.status, 404);
        QCOMPARE(QString::fromStdString(parse(response.body).value("code", "")),
                 manual ? QStringLiteral("UNKNOWN_TRIGGER") : QStringLiteral("NOT_FOUND"));
    }
};

QTEST_GUILESS_MAIN(TestManualTrigger)
#include "tst_manualtrigger.moc"
