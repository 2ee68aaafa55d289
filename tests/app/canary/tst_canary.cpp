// A secret never appears where the engine writes: plant canary values as the secrets of an ERP
// (API key), a billing webhook (signing secret) and an OAuth system (client secret), run flows
// that use them against loopback targets — including targets that echo what they were sent back
// in their error answers — then search every file the engine wrote, its output and every admin
// API answer for the canaries.

#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/net/signature.h"
#include "engine/security/redaction.h"
#include "engine/store/connection.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <mutex>

using namespace syncline::engine;
using namespace syncline::engine::net;

namespace {

const QString kFixture = QStringLiteral(SYNCLINE_SOURCE_DIR "/tests/app/run/workspace");
const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");

const QByteArray kErpKey = "canary-erp-key-5f1e9d77c2a4";
const QByteArray kWebhookSecret = "canary-whsec-81b3f0e6aa19";
const QByteArray kClientSecret = "canary-oauth-client-3c7d2e90bb15";
const QByteArray kRotated = "canary-rotated-value-d41c8a6f";
const QByteArray kClientId = "syncline";

// The systems the flows call: an ERP that echoes the request headers in its refusal, an OAuth
// token endpoint that echoes the client credentials it does not know, and a ledger behind it.
class Targets
{
public:
    Targets()
    {
        const Result<void> listening =
            m_server.listen({}, [this](ServerRequest r, Responder respond) { respond(answer(r)); });
        Q_ASSERT(listening.ok());
    }

    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }
    int count(const QByteArray &what) const
    {
        std::lock_guard lock(m_mutex);
        return m_counts.value(what);
    }

private:
    ServerResponse answer(const ServerRequest &r)
    {
        std::lock_guard lock(m_mutex);
        if (r.path == "/erp/invoices") {
            if (r.body.contains("INV-ECHO")) {
                ++m_counts["erp-refused"];
                return ServerResponse::json(422, echo(r));
            }
            ++m_counts["erp"];
            return ServerResponse::json(201, R"({"id":"AR-1"})");
        }
        if (r.path == "/oauth/token") {
            const QByteArray basic = QByteArray::fromBase64(r.header("authorization").mid(6));
            if (basic == kClientId + ':' + kClientSecret) {
                ++m_counts["tokens"];
                return ServerResponse::json(
                    200,
                    R"({"access_token":"at-ledger-1","token_type":"Bearer","expires_in":3600})");
            }
            const nlohmann::json refusal = {
                {"error", "invalid_client"},
                {"error_description", "unknown client credentials " + basic.toStdString()}};
            return ServerResponse::json(401, QByteArray::fromStdString(refusal.dump()));
        }
        if (r.path == "/ledger/entries" && r.header("authorization") == "Bearer at-ledger-1") {
            ++m_counts["ledger"];
            return ServerResponse::json(201, R"({"id":"L-1"})");
        }
        return ServerResponse::json(401, echo(r));
    }

    static QByteArray echo(const ServerRequest &r)
    {
        nlohmann::json headers = nlohmann::json::object();
        for (const auto &[name, value] : r.headers) {
            headers[name.toStdString()] = value.toStdString();
        }
        return QByteArray::fromStdString(
            nlohmann::json({{"error", "refused"}, {"youSent", headers}}).dump());
    }

    HttpServer m_server;
    mutable std::mutex m_mutex;
    QHash<QByteArray, int> m_counts;
};

QByteArray stripeInvoice(const QString &number)
{
    const nlohmann::json event = {{"id", "evt_" + number.toStdString()},
                                  {"type", "invoice.finalized"},
                                  {"data",
                                   {{"object",
                                     {{"number", number.toStdString()},
                                      {"customer", "cus_1"},
                                      {"amount_due", 1999},
                                      {"currency", "usd"},
                                      {"metadata", {{"tax_code", "txcd_10103001"}}}}}}}};
    return QByteArray::fromStdString(event.dump());
}

QByteArray system(const QString &id, const QString &base, const QByteArray &clientId)
{
    const nlohmann::json document = {
        {"id", id.toStdString()},
        {"name", id.toStdString()},
        {"family", "erp"},
        {"baseUrl", (base + QStringLiteral("/ledger")).toStdString()},
        {"idempotency", {{"supported", true}, {"header", "Idempotency-Key"}}},
        {"auth",
         {{"type", "oauth2ClientCredentials"},
          {"tokenUrl", (base + QStringLiteral("/oauth/token")).toStdString()},
          {"clientId", clientId.toStdString()},
          {"secretRef", "secret:ledger/client-secret"}}}};
    return QByteArray::fromStdString(document.dump(2));
}

QByteArray manualFlow(const QString &id, const QString &systemId)
{
    const nlohmann::json flow = {
        {"id", id.toStdString()},
        {"name", id.toStdString()},
        {"nodes",
         {{{"id", "start"}, {"type", "manual"}, {"settings", {{"businessKey", "/number"}}}},
          {{"id", "post"},
           {"type", "http"},
           {"settings",
            {{"system", systemId.toStdString()},
             {"path", "/entries"},
             {"businessKey", "/number"},
             {"retry",
              {{"initialDelayMs", 20}, {"maxDelayMs", 50}, {"jitter", 0}, {"maxAttempts", 2}}}}}}}},
        {"edges", {{{"from", "start"}, {"to", "post"}}}}};
    return QByteArray::fromStdString(flow.dump(2));
}

} // namespace

class TestCanary : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void theCanaryIsFoundNowhere();
    void cleanupTestCase();

private:
    void prepareWorkspace();
    bool startEngine();
    HttpResponse call(const QByteArray &method, const QString &path, const QByteArray &body = {});
    int failedAt(const QString &flow, const QString &node);
    QList<QByteArray> canaryForms() const;
    QStringList filesHolding(const QList<QByteArray> &needles) const;

    QTemporaryDir m_dir;
    Targets m_targets;
    QProcess m_engine;
    QByteArray m_output;
    quint16 m_port = 0;
    QByteArray m_token;
    HttpClient m_client;
    QList<QByteArray> m_answers; // every admin API answer, searched at the end
};

void TestCanary::initTestCase()
{
    prepareWorkspace();
    QVERIFY(startEngine());
}

void TestCanary::cleanupTestCase()
{
    if (m_engine.state() != QProcess::NotRunning) {
        m_engine.kill();
        m_engine.waitForFinished(5000);
    }
}

void TestCanary::prepareWorkspace()
{
    const QString ws = m_dir.filePath(QStringLiteral("ws"));
    for (const QString &sub : {QStringLiteral("canonical"),
                               QStringLiteral("systems"),
                               QStringLiteral("mappings"),
                               QStringLiteral("flows")}) {
        QDir().mkpath(ws + u'/' + sub);
        for (const QString &name : QDir(kFixture + u'/' + sub).entryList(QDir::Files)) {
            QFile source(kFixture + u'/' + sub + u'/' + name);
            QVERIFY(source.open(QIODevice::ReadOnly));
            QFile target(ws + u'/' + sub + u'/' + name);
            QVERIFY(target.open(QIODevice::WriteOnly));
            target.write(source.readAll().replace("http://127.0.0.1:9", m_targets.base().toUtf8()));
        }
    }
    QFile::copy(kFixture + QStringLiteral("/syncline.workspace.json"),
                ws + QStringLiteral("/syncline.workspace.json"));
    const auto write = [&](const QString &relative, const QByteArray &text) {
        QFile file(ws + u'/' + relative);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text);
    };
    write(QStringLiteral("systems/ledger.system.json"),
          system(QStringLiteral("ledger"), m_targets.base(), kClientId));
    write(QStringLiteral("systems/ledger-echo.system.json"),
          system(QStringLiteral("ledger-echo"), m_targets.base(), "unknown-client"));
    write(QStringLiteral("flows/to-ledger.flow.json"),
          manualFlow(QStringLiteral("to-ledger"), QStringLiteral("ledger")));
    write(QStringLiteral("flows/to-ledger-echo.flow.json"),
          manualFlow(QStringLiteral("to-ledger-echo"), QStringLiteral("ledger-echo")));

    const nlohmann::json secrets = {
        {"secret:erp/api-key", kErpKey.toStdString()},
        {"secret:billing/webhook-signing", kWebhookSecret.toStdString()},
        {"secret:ledger/client-secret", kClientSecret.toStdString()}};
    QFile file(m_dir.filePath(QStringLiteral("secrets.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray::fromStdString(secrets.dump()));
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
}

bool TestCanary::startEngine()
{
    m_engine.start(kEngine,
                   {QStringLiteral("run"),
                    m_dir.filePath(QStringLiteral("ws")),
                    QStringLiteral("--db"),
                    m_dir.filePath(QStringLiteral("data/engine.db")),
                    QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:0"),
                    QStringLiteral("--secrets"),
                    m_dir.filePath(QStringLiteral("secrets.json")),
                    QStringLiteral("--status-every"),
                    QStringLiteral("1")});
    const QRegularExpression running(QStringLiteral("on http://127.0.0.1:(\\d+) "));
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired() && m_engine.waitForReadyRead(int(deadline.remainingTime()))) {
        m_output += m_engine.readAllStandardOutput();
        const auto match = running.match(QString::fromUtf8(m_output));
        if (match.hasMatch() && m_output.contains("admin token")) {
            m_port = match.captured(1).toUShort();
            QFile token(m_dir.filePath(QStringLiteral("data/engine.db.token")));
            m_token = token.open(QIODevice::ReadOnly) ? token.readAll().trimmed() : QByteArray();
            return true;
        }
    }
    qWarning("engine did not start: %s %s",
             m_output.constData(),
             m_engine.readAllStandardError().constData());
    return false;
}

HttpResponse TestCanary::call(const QByteArray &method, const QString &path, const QByteArray &body)
{
    HttpRequest request;
    request.method = method;
    request.url = QStringLiteral("http://127.0.0.1:%1").arg(m_port) + path;
    request.headers = {{"Authorization", "Bearer " + m_token}};
    request.body = body;
    const HttpOutcome outcome = m_client.send(request).get();
    const HttpResponse response = outcome.response ? *outcome.response : HttpResponse{};
    m_answers.append(response.body);
    return response;
}

int TestCanary::failedAt(const QString &flow, const QString &node)
{
    const nlohmann::json queues = nlohmann::json::parse(
        call("GET", QStringLiteral("/api/v1/queues")).body.toStdString(), nullptr, false);
    for (const nlohmann::json &q : queues.value("queues", nlohmann::json::array())) {
        if (q.value("flow", "") == flow.toStdString() &&
            q.value("node", "") == node.toStdString()) {
            return q.value("failed", 0);
        }
    }
    return 0;
}

QList<QByteArray> TestCanary::canaryForms() const
{
    QList<QByteArray> forms;
    for (const QByteArray &canary : {kErpKey, kWebhookSecret, kClientSecret, kRotated}) {
        forms += security::secretForms(canary);
    }
    forms.append((kClientId + ':' + kClientSecret).toBase64());
    forms.append(("unknown-client:" + kClientSecret).toBase64());
    return forms;
}

QStringList TestCanary::filesHolding(const QList<QByteArray> &needles) const
{
    QStringList found;
    QDirIterator files(m_dir.filePath(QStringLiteral("data")),
                       QDir::Files | QDir::Hidden,
                       QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        if (!file.open(QIODevice::ReadOnly)) {
            found.append(file.fileName() + QStringLiteral(" (unreadable)"));
            continue;
        }
        const QByteArray bytes = file.readAll();
        for (const QByteArray &needle : needles) {
            if (bytes.contains(needle)) {
                found.append(file.fileName());
                break;
            }
        }
    }
    return found;
}

void TestCanary::theCanaryIsFoundNowhere()
{
    const auto sendWebhook = [this](const QByteArray &body) {
        HttpRequest request;
        request.method = "POST";
        request.url =
            QStringLiteral("http://127.0.0.1:%1/hooks/invoice-to-erp/billing-webhook").arg(m_port);
        request.body = body;
        request.headers = {{"Stripe-Signature",
                            signBody(SignatureScheme::TimestampedV1,
                                     body,
                                     kWebhookSecret,
                                     QDateTime::currentSecsSinceEpoch())}};
        const HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? outcome.response->status : 0;
    };
    QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("INV-1"))), 202);
    QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("INV-ECHO"))), 202);
    QCOMPARE(call("POST",
                  QStringLiteral("/api/v1/flows/to-ledger/triggers/start/messages"),
                  R"({"number":"L-1","amount":"5.00"})")
                 .status,
             202);
    QCOMPARE(call("POST",
                  QStringLiteral("/api/v1/flows/to-ledger-echo/triggers/start/messages"),
                  R"({"number":"L-2","amount":"7.00"})")
                 .status,
             202);

    QTRY_COMPARE_WITH_TIMEOUT(m_targets.count("erp"), 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_targets.count("ledger"), 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        failedAt(QStringLiteral("invoice-to-erp"), QStringLiteral("post-to-erp")) == 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        failedAt(QStringLiteral("to-ledger-echo"), QStringLiteral("post")) == 1, 20000);
    QVERIFY(m_targets.count("erp-refused") >= 1);
    QVERIFY(m_targets.count("tokens") >= 1);

    // A secret set through the API is saved and audited, never shown.
    const QByteArray rotation = QByteArray::fromStdString(
        nlohmann::json({{"reference", "secret:crm/token"}, {"value", kRotated.toStdString()}})
            .dump());
    QCOMPARE(call("POST", QStringLiteral("/api/v1/secrets"), rotation).status, 200);
    for (const char *path : {"/api/v1/health",
                             "/api/v1/flows",
                             "/api/v1/queues",
                             "/api/v1/metrics",
                             "/api/v1/node-types",
                             "/api/v1/triggers",
                             "/api/v1/audit?limit=1000",
                             "/api/v1/audit/verify",
                             "/api/v1/secrets",
                             "/api/v1/users",
                             "/api/v1/roles",
                             "/api/v1/me",
                             "/metrics"}) {
        QCOMPARE(call("GET", QString::fromLatin1(path)).status, 200);
    }

    const QList<QByteArray> needles = canaryForms();
    QStringList whileRunning = filesHolding(needles);
    QVERIFY2(whileRunning.isEmpty(), qPrintable(whileRunning.join(u'\n')));

    // The echoed refusals were kept — without the secrets in them.
    Result<store::Connection> db = store::Connection::open(
        m_dir.filePath(QStringLiteral("data/engine.db")), store::OpenMode::ReadOnly);
    QVERIFY(db);
    Result<store::Statement> redacted =
        db->prepare("SELECT count(*) FROM steps WHERE error_detail LIKE '%[secret]%'");
    QVERIFY(redacted && *redacted->step());
    QVERIFY2(redacted->int64(0) >= 2, "the echoing targets were not reached");

    m_engine.terminate();
    QVERIFY(m_engine.waitForFinished(10000));
    QCOMPARE(m_engine.exitCode(), 0);
    m_output += m_engine.readAllStandardOutput();
    const QByteArray errors = m_engine.readAllStandardError();
    const QStringList afterStop = filesHolding(needles);
    QVERIFY2(afterStop.isEmpty(), qPrintable(afterStop.join(u'\n')));
    for (const QByteArray &needle : needles) {
        QVERIFY2(!m_output.contains(needle), m_output.constData());
        QVERIFY2(!errors.contains(needle), errors.constData());
        for (const QByteArray &answer : std::as_const(m_answers)) {
            QVERIFY2(!answer.contains(needle), answer.constData());
        }
    }
    // The workspace holds references only; the secrets file is where values belong.
    QDirIterator workspace(
        m_dir.filePath(QStringLiteral("ws")), QDir::Files, QDirIterator::Subdirectories);
    while (workspace.hasNext()) {
        QFile file(workspace.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        for (const QByteArray &needle : needles) {
            QVERIFY2(!bytes.contains(needle), qPrintable(file.fileName()));
        }
    }
    QFile secrets(m_dir.filePath(QStringLiteral("secrets.json")));
    QVERIFY(secrets.open(QIODevice::ReadOnly));
    QVERIFY(secrets.readAll().contains(kRotated));
}

QTEST_GUILESS_MAIN(TestCanary)
#include "tst_canary.moc"
