#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/store/connection.h"
#include "tests/common/enginerun.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace syncline::engine;

namespace {

const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");
constexpr int kInvoices = 1000;
constexpr int kSenders = 4;

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// An ERP that first refuses every invoice (422), then, once healthy, keeps one document per
// idempotency key — as an API with Idempotency-Key support does — and counts the documents it
// made per invoice number: a second key for one invoice would show as a second document.
class Erp
{
public:
    Erp()
    {
        const Result<void> listening =
            m_server.listen({}, [this](net::ServerRequest r, net::Responder respond) {
                if (!m_healthy) {
                    respond(net::ServerResponse::json(
                        422, "{\"error\":{\"code\":\"period_closed\",\"message\":\"closed\"}}"));
                    return;
                }
                const QString number =
                    QJsonDocument::fromJson(r.body).object().value(str("number")).toString();
                {
                    std::lock_guard lock(m_mutex);
                    if (!m_keys.contains(r.header("idempotency-key"))) {
                        m_keys.insert(r.header("idempotency-key"));
                        ++m_documents[number];
                    }
                }
                respond(net::ServerResponse::json(201, "{\"id\":\"AR-" + number.toUtf8() + "\"}"));
            });
        Q_ASSERT(listening.ok());
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }
    void setHealthy() { m_healthy = true; }
    QHash<QString, int> documents() const
    {
        std::lock_guard lock(m_mutex);
        return m_documents;
    }

private:
    net::HttpServer m_server;
    std::atomic<bool> m_healthy{false};
    mutable std::mutex m_mutex;
    QSet<QByteArray> m_keys;
    QHash<QString, int> m_documents;
};

} // namespace

class TestBulkReplay : public QObject
{
    Q_OBJECT

private slots:
    void aBulkReplayKilledTwiceLeavesOneDocumentPerInvoice();

private:
    void write(const QString &relative, const QByteArray &text);
    bool startEngine();
    void killEngine();
    nlohmann::json api(const QByteArray &method, const QString &path, const QByteArray &body = {},
                       int *status = nullptr);
    struct Run
    {
        int exit = -1;
        QString out;
        QString err;
    };
    Run cli(QStringList arguments);
    nlohmann::json jobWhen(qint64 id, const std::function<bool(const nlohmann::json &)> &done,
                           int timeoutMs);

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_engine;
    quint16 m_port = 0;
    QByteArray m_token;
    net::HttpClient m_client;
};

void TestBulkReplay::write(const QString &relative, const QByteArray &text)
{
    QDir().mkpath(QFileInfo(m_dir.filePath(relative)).absolutePath());
    QFile file(m_dir.filePath(relative));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

bool TestBulkReplay::startEngine()
{
    m_engine = std::make_unique<QProcess>();
    const syncline::tests::RunningEngine engine = syncline::tests::startEngineRun(
        *m_engine, kEngine,
        {m_dir.filePath(str("ws")), str("--db"), m_dir.filePath(str("engine.db")), str("--listen"),
         str("127.0.0.1:0"), str("--status-every"), str("60")},
        20000);
    m_port = engine.port;
    m_token = engine.token;
    return engine.started();
}

void TestBulkReplay::killEngine()
{
    m_engine->kill(); // SIGKILL: no shutdown, no last commit
    m_engine->waitForFinished(5000);
}

nlohmann::json TestBulkReplay::api(const QByteArray &method,
                                   const QString &path,
                                   const QByteArray &body,
                                   int *status)
{
    net::HttpRequest request;
    request.method = method;
    request.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port) + path;
    request.headers = {{"Authorization", "Bearer " + m_token}};
    request.body = body;
    request.totalTimeoutMs = 10000;
    const net::HttpOutcome outcome = m_client.send(request).get();
    if (status) {
        *status = outcome.response ? outcome.response->status : 0;
    }
    return outcome.response
               ? nlohmann::json::parse(outcome.response->body.toStdString(), nullptr, false)
               : nlohmann::json();
}

TestBulkReplay::Run TestBulkReplay::cli(QStringList arguments)
{
    arguments << str("--engine") << QStringLiteral("http://127.0.0.1:%1").arg(m_port)
              << str("--token-file") << m_dir.filePath(str("engine.db.token"));
    QProcess process;
    process.start(kEngine, arguments);
    process.waitForFinished(30000);
    return {process.exitCode(),
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

nlohmann::json TestBulkReplay::jobWhen(qint64 id,
                                       const std::function<bool(const nlohmann::json &)> &done,
                                       int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    nlohmann::json job;
    while (!deadline.hasExpired()) {
        job = api("GET", QStringLiteral("/api/v1/replays/%1").arg(id));
        if (job.is_object() && done(job)) {
            return job;
        }
        QTest::qWait(20);
    }
    return job;
}

void TestBulkReplay::aBulkReplayKilledTwiceLeavesOneDocumentPerInvoice()
{
    QElapsedTimer clock;
    clock.start();
    Erp erp;
    write(str("ws/syncline.workspace.json"), R"({"formatVersion": 1, "name": "Bulk replay"})");
    const nlohmann::json flow = {
        {"id", "invoices"},
        {"name", "Invoices to the ERP"},
        {"nodes",
         {{{"id", "in"}, {"type", "webhook"}, {"settings", {{"businessKey", "/number"}}}},
          {{"id", "post"},
           {"type", "http"},
           {"settings",
            {{"system", "erp"},
             {"method", "POST"},
             {"path", "/invoices"},
             {"businessKey", "/number"}}}}}},
        {"edges", {{{"from", "in"}, {"to", "post"}}}}};
    write(str("ws/flows/invoices.flow.json"), QByteArray::fromStdString(flow.dump(2)));
    const nlohmann::json system = {
        {"id", "erp"},
        {"name", "ERP"},
        {"family", "erp"},
        {"baseUrl", erp.baseUrl().toStdString()},
        {"auth", {{"type", "none"}}},
        {"idempotency", {{"supported", true}, {"header", "Idempotency-Key"}}}};
    write(str("ws/systems/erp.system.json"), QByteArray::fromStdString(system.dump(2)));
    QVERIFY(startEngine());

    // 1,000 invoices, each refused by the ERP: 1,000 exceptions.
    std::atomic<int> next{0};
    std::atomic<int> accepted{0};
    std::vector<std::thread> senders;
    const quint16 port = m_port;
    for (int s = 0; s < kSenders; ++s) {
        senders.emplace_back([&next, &accepted, port] {
            net::HttpClient client;
            for (int i = next++; i < kInvoices; i = next++) {
                net::HttpRequest request;
                request.method = "POST";
                request.url = QStringLiteral("http://127.0.0.1:%1/hooks/invoices/in").arg(port);
                request.body = QStringLiteral(R"({"number":"INV-%1","amount":"%2.00"})")
                                   .arg(i)
                                   .arg(100 + i)
                                   .toUtf8();
                const net::HttpOutcome outcome = client.send(request).get();
                accepted += outcome.response && outcome.response->status == 202 ? 1 : 0;
            }
        });
    }
    for (std::thread &t : senders) {
        t.join();
    }
    QCOMPARE(accepted.load(), kInvoices);
    const auto unresolved = [this] {
        return api("GET", str("/api/v1/exceptions?flow=invoices&state=unresolved&limit=1")).value("total", -1);
    };
    QTRY_COMPARE_WITH_TIMEOUT(unresolved(), kInvoices, 60000);
    QVERIFY(erp.documents().isEmpty());
    qInfo("1000 exceptions after %lld ms", clock.elapsed());

    // The ERP is back: the dry run says 1,000 calls, the job replays them at 100 a second.
    erp.setHealthy();
    const Run usage = cli({str("replay"), str("--filter"), str("flow=invoices"), str("--reason"), str("x")});
    QCOMPARE(usage.exit, 2); // no --rate
    const Run preview = cli({str("replay"), str("--filter"), str("flow=invoices"), str("--rate"),
                             str("100"), str("--dry-run")});
    QVERIFY2(preview.exit == 0, qPrintable(preview.err));
    QVERIFY2(preview.out.contains(str("1000 unresolved exception(s) of flow invoices match; 1000 "
                                      "would be replayed, in about 10s")),
             qPrintable(preview.out));
    QVERIFY2(preview.out.contains(QRegularExpression(str("\\nerp +1000 +1000 +0\\n"))),
             qPrintable(preview.out));
    const Run made = cli({str("replay"), str("--filter"), str("flow=invoices,reason=HTTP_4XX"),
                          str("--rate"), str("100"), str("--reason"), str("ERP period reopened"),
                          str("--json")});
    QVERIFY2(made.exit == 0, qPrintable(made.err));
    const nlohmann::json created = nlohmann::json::parse(made.out.toStdString(), nullptr, false);
    const qint64 id = created["id"];
    QVERIFY(created["total"] == kInvoices);

    // Killed twice while it runs; each time the engine comes back and the job goes on by itself.
    for (const int atLeast : {150, 500}) {
        const nlohmann::json running = jobWhen(
            id, [atLeast](const nlohmann::json &j) { return j["progress"]["done"] >= atLeast; },
            60000);
        QVERIFY2(running["progress"]["done"] >= atLeast, running.dump().c_str());
        QVERIFY2(running["state"] == "running", running.dump().c_str());
        killEngine();
        qInfo("killed at %s of 1000 done (%lld ms)",
              running["progress"]["done"].dump().c_str(),
              clock.elapsed());
        QVERIFY2(startEngine(), "the engine did not start again after a kill");
    }
    // Paused and resumed from the shell.
    const QString job = QString::number(id);
    const Run paused = cli({str("replay"), str("pause"), job, str("--reason"), str("look")});
    QVERIFY2(paused.exit == 0 && paused.out.contains(str("is paused")), qPrintable(paused.out));
    const Run sheet = cli({str("replay"), str("job"), job});
    QVERIFY2(sheet.out.contains(str("Replay job %1 — paused").arg(job)), qPrintable(sheet.out));
    QCOMPARE(cli({str("replay"), str("pause"), job}).exit, 1); // 409: paused already
    const Run resumed = cli({str("replay"), str("resume"), job});
    QVERIFY2(resumed.exit == 0 && resumed.out.contains(str("is running")), qPrintable(resumed.out));
    const nlohmann::json finished =
        jobWhen(id, [](const nlohmann::json &j) { return j["state"] == "finished"; }, 120000);
    QVERIFY2(finished["state"] == "finished", finished.dump().c_str());
    QVERIFY2(finished["replayed"].get<int>() + finished["skipped"].get<int>() == kInvoices
                 && finished["failed"] == 0,
             finished.dump().c_str());
    qInfo("job finished after %lld ms: %s replayed, %s skipped",
          clock.elapsed(),
          finished["replayed"].dump().c_str(),
          finished["skipped"].dump().c_str());

    // Exactly one document per invoice at the ERP, and every exception resolved.
    QTRY_COMPARE_WITH_TIMEOUT(erp.documents().size(), qsizetype(kInvoices), 60000);
    const QHash<QString, int> documents = erp.documents();
    for (int i = 0; i < kInvoices; ++i) {
        QCOMPARE(documents.value(QStringLiteral("INV-%1").arg(i)), 1);
    }
    QCOMPARE(unresolved(), 0);
    const Run jobs = cli({str("replay"), str("jobs")});
    QVERIFY2(jobs.out.contains(QRegularExpression(str("\\n%1 +finished +invoices +100/s +1000/1000").arg(job))),
             qPrintable(jobs.out));

    m_engine->terminate();
    QVERIFY(m_engine->waitForFinished(10000));
    QProcess verify;
    verify.start(kEngine, {str("audit"), str("verify"), str("--db"), m_dir.filePath(str("engine.db"))});
    QVERIFY(verify.waitForFinished(30000));
    const QByteArray verified = verify.readAllStandardOutput().trimmed();
    QVERIFY2(verify.exitCode() == 0, verified.constData());
    qInfo("audit verify: %s", verified.constData());

    // Each exception was replayed once, by the job, across both kills: one replay record each.
    auto db = store::Connection::open(m_dir.filePath(str("engine.db")), store::OpenMode::ReadOnly);
    QVERIFY(db.ok());
    auto replays = db->prepare("SELECT count(*), count(DISTINCT object_id) FROM audit"
                               " WHERE action = 'replay' AND reason LIKE 'bulk replay job %'");
    QVERIFY(replays.ok() && *replays->step());
    QCOMPARE(replays->int64(0), qint64(kInvoices));
    QCOMPARE(replays->int64(1), qint64(kInvoices));
}

QTEST_GUILESS_MAIN(TestBulkReplay)
#include "tst_bulkreplay.moc"
