#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/net/signature.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <mutex>
#include <sched.h>

using namespace syncline::engine;
using namespace syncline::engine::net;

namespace {

const QString kFixture = QStringLiteral(SYNCLINE_SOURCE_DIR "/tests/app/run/workspace");
const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");
const QByteArray kWebhookSecret = "whsec_test";

// The ERP as the flow meets it: records invoices by idempotency key, like a real API that
// supports Idempotency-Key, and answers a repeated key with the first answer.
class Erp
{
public:
    Erp()
    {
        const Result<void> listening = m_server.listen({}, [this](ServerRequest r, Responder respond) {
            std::lock_guard lock(m_mutex);
            const QByteArray key = r.header("idempotency-key");
            if (!m_documents.contains(key)) {
                m_documents.insert(key, r.body);
                m_apiKeys.insert(r.header("x-api-key"));
            }
            const QJsonObject invoice = QJsonDocument::fromJson(m_documents.value(key)).object();
            respond(ServerResponse::json(
                201, "{\"id\":\"AR-" + invoice.value(QStringLiteral("number")).toString().toUtf8()
                         + "\"}"));
        });
        Q_ASSERT(listening.ok());
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/erp").arg(m_server.port()); }
    int documents() const
    {
        std::lock_guard lock(m_mutex);
        return int(m_documents.size());
    }
    QJsonObject document(const QString &number) const
    {
        std::lock_guard lock(m_mutex);
        for (const QByteArray &body : m_documents) {
            const QJsonObject o = QJsonDocument::fromJson(body).object();
            if (o.value(QStringLiteral("number")).toString() == number) {
                return o;
            }
        }
        return {};
    }
    QSet<QByteArray> apiKeys() const
    {
        std::lock_guard lock(m_mutex);
        return m_apiKeys;
    }

private:
    HttpServer m_server;
    mutable std::mutex m_mutex;
    QHash<QByteArray, QByteArray> m_documents;
    QSet<QByteArray> m_apiKeys;
};

QByteArray stripeInvoice(const QString &event, const QString &number, bool withTaxCode = true)
{
    QJsonObject metadata;
    if (withTaxCode) {
        metadata.insert(QStringLiteral("tax_code"), QStringLiteral("txcd_10103001"));
    }
    const QJsonObject object{{QStringLiteral("number"), number},
                             {QStringLiteral("customer"), QStringLiteral("cus_9s6XKzkNRiz8i3")},
                             {QStringLiteral("amount_due"), 1999},
                             {QStringLiteral("currency"), QStringLiteral("usd")},
                             {QStringLiteral("metadata"), metadata}};
    const QJsonObject event_{{QStringLiteral("id"), event},
                             {QStringLiteral("type"), QStringLiteral("invoice.finalized")},
                             {QStringLiteral("data"), QJsonObject{{QStringLiteral("object"), object}}}};
    return QJsonDocument(event_).toJson(QJsonDocument::Compact);
}

} // namespace

class TestRun : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_erp = std::make_unique<Erp>();
        copyFixture(m_erp->baseUrl());
        writeSecrets(QFile::ReadOwner | QFile::WriteOwner);
    }

    void cleanup()
    {
        if (m_engine) {
            m_engine->kill();
            m_engine->waitForFinished(5000);
            m_engine.reset();
        }
        m_erp.reset();
    }

    void invoicesReachTheErpMappedExactlyOnce()
    {
        QVERIFY(startEngine());
        for (int i = 1; i <= 9; ++i) {
            const QString n = QStringLiteral("INV-%1").arg(1000 + i);
            QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_%1").arg(i), n)), 202);
        }
        QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_bad"), QStringLiteral("INV-2000"),
                                           false)),
                 202); // accepted: the missing tax code is a business exception, found later
        QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_1"), QStringLiteral("INV-1001"))),
                 200); // the same delivery again

        QTRY_COMPARE_WITH_TIMEOUT(m_erp->documents(), 9, 15000);
        const QJsonObject posted = m_erp->document(QStringLiteral("INV-1005"));
        QCOMPARE(posted.value(QStringLiteral("amount")).toString(), QStringLiteral("19.99"));
        QCOMPARE(posted.value(QStringLiteral("currency")).toString(), QStringLiteral("USD"));
        QCOMPARE(posted.value(QStringLiteral("taxCode")).toString(), QStringLiteral("txcd_10103001"));
        QCOMPARE(m_erp->apiKeys(), QSet<QByteArray>{"key-123"});

        // The invoice without a tax code waits in the exception queue at the validate node.
        QTRY_VERIFY_WITH_TIMEOUT(failedAt(QStringLiteral("check-invoice")) == 1, 10000);
        QTest::qWait(200);
        QCOMPARE(m_erp->documents(), 9);
    }

    void everyEngineThreadRunsAsBatch()
    {
        // Throughput over wake-up latency: no engine thread preempts another when it wakes it.
        QVERIFY(startEngine());
        QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_1"), QStringLiteral("INV-1001"))),
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(m_erp->documents(), 1, 15000);
        const QString tasks = QStringLiteral("/proc/%1/task").arg(m_engine->processId());
        QStringList names;
        for (const QString &tid : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile comm(tasks + u'/' + tid + QStringLiteral("/comm"));
            QVERIFY(comm.open(QIODevice::ReadOnly));
            const QString name = QString::fromUtf8(comm.readAll().trimmed());
            names.append(name);
            QVERIFY2(sched_getscheduler(tid.toInt()) == SCHED_BATCH, qPrintable(name));
        }
        QVERIFY2(names.contains(QStringLiteral("sl-writer")), qPrintable(names.join(u',')));
        QVERIFY2(names.contains(QStringLiteral("sl-httpclient")), qPrintable(names.join(u',')));
        QVERIFY2(names.contains(QStringLiteral("MHD-worker")), qPrintable(names.join(u',')));
    }

    void theAdminApiNeedsTheToken()
    {
        QVERIFY(startEngine());
        QCOMPARE(adminGet("/api/v1/health", QByteArray()).status, 401);
        QCOMPARE(adminGet("/api/v1/health", "wrong").status, 401);
        const HttpResponse health = adminGet("/api/v1/health", token());
        QCOMPARE(health.status, 200);
        QCOMPARE(QJsonDocument::fromJson(health.body).object().value(QStringLiteral("status")),
                 QJsonValue(QStringLiteral("ok")));
        const HttpResponse flows = adminGet("/api/v1/flows", token());
        QVERIFY2(flows.body.contains("\"invoice-to-erp\""), flows.body.constData());
        QCOMPARE(adminGet("/api/v1/nothing", token()).status, 404);

        // The same through the CLI.
        QFile tokenFile(m_dir->filePath(QStringLiteral("engine.db.token")));
        QProcess status;
        status.start(kEngine, {QStringLiteral("status"), QStringLiteral("--engine"),
                               QStringLiteral("http://127.0.0.1:%1").arg(m_port),
                               QStringLiteral("--token-file"), tokenFile.fileName()});
        QVERIFY(status.waitForFinished(10000));
        const QString report = QString::fromUtf8(status.readAllStandardOutput());
        QCOMPARE(status.exitCode(), 0);
        QVERIFY2(report.contains(QStringLiteral(": ok (store accepting)")), qPrintable(report));
        QVERIFY(report.contains(QStringLiteral("flow invoice-to-erp v1")));
        QFile wrong(m_dir->filePath(QStringLiteral("wrong.token")));
        QVERIFY(wrong.open(QIODevice::WriteOnly));
        wrong.write("nope");
        wrong.close();
        status.start(kEngine, {QStringLiteral("status"), QStringLiteral("--engine"),
                               QStringLiteral("http://127.0.0.1:%1").arg(m_port),
                               QStringLiteral("--token-file"), wrong.fileName()});
        QVERIFY(status.waitForFinished(10000));
        QCOMPARE(status.exitCode(), 1);
        QVERIFY(status.readAllStandardError().contains("401"));

        QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_m"), QStringLiteral("INV-7"))), 202);
        QTRY_COMPARE_WITH_TIMEOUT(m_erp->documents(), 1, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(
            adminGet("/metrics", token())
                .body.contains("syncline_node_processed_total{flow=\"invoice-to-erp\","
                               "node=\"post-to-erp\"} 1\n"),
            5000);
    }

    void sigtermStopsCleanly()
    {
        QVERIFY(startEngine());
        QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_s"), QStringLiteral("INV-8"))), 202);
        m_engine->terminate(); // SIGTERM
        QVERIFY2(m_engine->waitForFinished(5000), "did not stop within 5 s");
        QCOMPARE(m_engine->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_engine->exitCode(), 0);
        QVERIFY(m_output.contains("stopped.") || m_engine->readAllStandardOutput().contains("stopped."));
    }

    void aChangedFlowIsANewVersion()
    {
        QVERIFY(startEngine());
        QVERIFY(m_output.contains("deployed: invoice-to-erp v1"));
        stopEngine();
        QVERIFY(startEngine());
        QVERIFY2(m_output.contains("deployed: invoice-to-erp v1"), m_output.constData());
        stopEngine();
        QFile flow(m_dir->filePath(QStringLiteral("ws/flows/invoice-to-erp.flow.json")));
        QVERIFY(flow.open(QIODevice::ReadOnly));
        QByteArray text = flow.readAll();
        flow.close();
        text.replace("\"maxAttempts\": 6", "\"maxAttempts\": 7");
        QVERIFY(flow.open(QIODevice::WriteOnly | QIODevice::Truncate));
        flow.write(text);
        flow.close();
        QVERIFY(startEngine());
        QVERIFY2(m_output.contains("deployed: invoice-to-erp v2"), m_output.constData());
    }

    void deployReachesTheRunningEngine()
    {
        QVERIFY(startEngine());
        const auto deploy = [this](QString &output) {
            QProcess cli;
            cli.start(kEngine, {QStringLiteral("deploy"), m_dir->filePath(QStringLiteral("ws")),
                                QStringLiteral("--engine"),
                                QStringLiteral("http://127.0.0.1:%1").arg(m_port),
                                QStringLiteral("--token-file"),
                                m_dir->filePath(QStringLiteral("engine.db.token"))});
            cli.waitForFinished(20000);
            output = QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError());
            return cli.exitCode();
        };
        QString output;
        QCOMPARE(deploy(output), 0);
        QVERIFY2(output.contains(QStringLiteral("unchanged invoice-to-erp v1")), qPrintable(output));

        replaceInFile(QStringLiteral("ws/mappings/stripe-invoice.mapping.json"),
                      "\"customer\": \"data.object.customer\"",
                      "\"customer\": \"'CRM-' & data.object.customer\"");
        QCOMPARE(deploy(output), 0);
        QVERIFY2(output.contains(QStringLiteral("deployed invoice-to-erp v2")), qPrintable(output));
        QCOMPARE(sendWebhook(stripeInvoice(QStringLiteral("evt_d"), QStringLiteral("INV-9"))), 202);
        QTRY_COMPARE_WITH_TIMEOUT(m_erp->documents(), 1, 15000);
        QCOMPARE(m_erp->document(QStringLiteral("INV-9")).value(QStringLiteral("customer")),
                 QJsonValue(QStringLiteral("CRM-cus_9s6XKzkNRiz8i3")));

        // A flow that cannot run is refused by the engine; the running version stays.
        replaceInFile(QStringLiteral("ws/flows/invoice-to-erp.flow.json"), "\"method\": \"POST\"",
                      "\"method\": \"FETCH\"");
        QCOMPARE(deploy(output), 1);
        QVERIFY2(output.contains(QStringLiteral("settings/method")), qPrintable(output));
        QVERIFY(adminGet("/api/v1/flows", token()).body.contains("\"version\":2"));
        QVERIFY(!adminGet("/api/v1/flows", token()).body.contains("\"version\":3"));
    }

    void aManualTriggerStartsAFlow()
    {
        const QByteArray flow = R"({"id": "manual-invoice", "name": "Invoice posted by hand",
  "nodes": [
    {"id": "start", "type": "manual", "settings": {"businessKey": "/data/object/number"}},
    {"id": "to-canonical", "type": "map", "settings": {"mapping": "stripe-invoice"}},
    {"id": "post", "type": "http", "settings": {"system": "erp", "path": "/invoices", "businessKey": "/number"}}
  ],
  "edges": [{"from": "start", "to": "to-canonical"}, {"from": "to-canonical", "to": "post"}]})";
        QFile file(m_dir->filePath(QStringLiteral("ws/flows/manual-invoice.flow.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(flow);
        file.close();
        QFile payload(m_dir->filePath(QStringLiteral("payload.json")));
        QVERIFY(payload.open(QIODevice::WriteOnly));
        payload.write(stripeInvoice(QStringLiteral("evt_manual"), QStringLiteral("INV-77")));
        payload.close();
        QVERIFY(startEngine());

        QProcess cli;
        cli.start(kEngine, {QStringLiteral("trigger"), QStringLiteral("--engine"),
                            QStringLiteral("http://127.0.0.1:%1").arg(m_port),
                            QStringLiteral("--token-file"),
                            m_dir->filePath(QStringLiteral("engine.db.token")),
                            QStringLiteral("manual-invoice"), QStringLiteral("start"),
                            payload.fileName()});
        QVERIFY(cli.waitForFinished(20000));
        QCOMPARE(cli.exitCode(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(m_erp->documents(), 1, 15000);
        QCOMPARE(m_erp->document(QStringLiteral("INV-77")).value(QStringLiteral("amount")),
                 QJsonValue(QStringLiteral("19.99")));
        QCOMPARE(adminGet("/api/v1/triggers", token()).status, 200);
        QVERIFY(adminGet("/api/v1/node-types", token()).body.contains("\"schedule\""));
    }

    void aPublishedMessageReachesItsSubscriberAtOnce()
    {
        writeFile(QStringLiteral("ws/flows/announce.flow.json"), R"({"id": "announce", "name": "Announce invoices",
  "nodes": [
    {"id": "start", "type": "manual"},
    {"id": "tell", "type": "publish", "settings": {"topic": "invoices"}}
  ],
  "edges": [{"from": "start", "to": "tell"}]})");
        writeFile(QStringLiteral("ws/flows/listen.flow.json"), R"({"id": "listen", "name": "Post announced invoices",
  "nodes": [
    {"id": "heard", "type": "subscribe", "settings": {"topic": "invoices"}},
    {"id": "to-canonical", "type": "map", "settings": {"mapping": "stripe-invoice"}},
    {"id": "post", "type": "http", "settings": {"system": "erp", "path": "/invoices", "businessKey": "/number"}}
  ],
  "edges": [{"from": "heard", "to": "to-canonical"}, {"from": "to-canonical", "to": "post"}]})");
        QVERIFY(startEngine());
        HttpRequest request;
        request.method = "POST";
        request.url = QStringLiteral("http://127.0.0.1:%1/api/v1/flows/announce/triggers/start/messages")
                          .arg(m_port);
        request.headers = {{"Authorization", "Bearer " + token()}};
        request.body = stripeInvoice(QStringLiteral("evt_pub"), QStringLiteral("INV-88"));
        QElapsedTimer sent;
        sent.start();
        QCOMPARE(m_client.send(request).get().response->status, 202);
        // The subscriber's queue is woken by the publish step's commit, not found by the
        // executor's ten-second sweep.
        QTRY_COMPARE_WITH_TIMEOUT(m_erp->documents(), 1, 15000);
        QVERIFY2(sent.elapsed() < 5000, qPrintable(QString::number(sent.elapsed())));
        QCOMPARE(m_erp->document(QStringLiteral("INV-88")).value(QStringLiteral("amount")),
                 QJsonValue(QStringLiteral("19.99")));
    }

    void refusesToStart_data()
    {
        QTest::addColumn<QString>("breakage");
        QTest::addColumn<QString>("expected");
        QTest::newRow("secrets file others can read") << QStringLiteral("secrets-0644")
                                                      << QStringLiteral("chmod 600");
        QTest::newRow("secret missing") << QStringLiteral("no-erp-key")
                                        << QStringLiteral("secret:erp/api-key");
        QTest::newRow("workspace problem") << QStringLiteral("bad-mapping")
                                           << QStringLiteral("mappings/stripe-invoice.mapping.json");
    }

    void refusesToStart()
    {
        QFETCH(QString, breakage);
        QFETCH(QString, expected);
        if (breakage == QLatin1String("secrets-0644")) {
            writeSecrets(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther);
        } else if (breakage == QLatin1String("no-erp-key")) {
            writeSecrets(QFile::ReadOwner | QFile::WriteOwner, false);
        } else {
            QFile mapping(m_dir->filePath(QStringLiteral("ws/mappings/stripe-invoice.mapping.json")));
            QVERIFY(mapping.open(QIODevice::WriteOnly | QIODevice::Truncate));
            mapping.write("{\"id\": \"stripe-invoice\",");
        }
        QProcess engine;
        engine.start(kEngine, engineArguments());
        QVERIFY(engine.waitForFinished(10000));
        QCOMPARE(engine.exitCode(), 1);
        const QString error = QString::fromUtf8(engine.readAllStandardError());
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY(!error.contains(QStringLiteral("key-123")));
    }

private:
    void copyFixture(const QString &erpUrl)
    {
        const QString target = m_dir->filePath(QStringLiteral("ws"));
        for (const QString &sub : {QStringLiteral("canonical"), QStringLiteral("systems"),
                                   QStringLiteral("mappings"), QStringLiteral("flows")}) {
            QDir().mkpath(target + u'/' + sub);
            for (const QString &file : QDir(kFixture + u'/' + sub).entryList(QDir::Files)) {
                QFile::copy(kFixture + u'/' + sub + u'/' + file, target + u'/' + sub + u'/' + file);
            }
        }
        QFile::copy(kFixture + QStringLiteral("/syncline.workspace.json"),
                    target + QStringLiteral("/syncline.workspace.json"));
        QFile erp(target + QStringLiteral("/systems/erp.system.json"));
        erp.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        QVERIFY(erp.open(QIODevice::ReadOnly));
        QByteArray text = erp.readAll();
        erp.close();
        text.replace("http://127.0.0.1:9/erp", erpUrl.toUtf8());
        QVERIFY(erp.open(QIODevice::WriteOnly | QIODevice::Truncate));
        erp.write(text);
    }

    void writeFile(const QString &relative, const QByteArray &text)
    {
        QFile file(m_dir->filePath(relative));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
    }

    void replaceInFile(const QString &relative, const QByteArray &from, const QByteArray &to)
    {
        QFile file(m_dir->filePath(relative));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QByteArray text = file.readAll();
        file.close();
        QVERIFY2(text.contains(from), from.constData());
        text.replace(from, to);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
    }

    void writeSecrets(QFile::Permissions permissions, bool withErpKey = true)
    {
        QFile secrets(m_dir->filePath(QStringLiteral("secrets.json")));
        QVERIFY(secrets.open(QIODevice::WriteOnly | QIODevice::Truncate));
        secrets.write("{\"secret:billing/webhook-signing\": \"" + kWebhookSecret + "\"");
        if (withErpKey) {
            secrets.write(", \"secret:erp/api-key\": \"key-123\"");
        }
        secrets.write("}");
        secrets.close();
        secrets.setPermissions(permissions);
    }

    QStringList engineArguments() const
    {
        return {QStringLiteral("run"),
                m_dir->filePath(QStringLiteral("ws")),
                QStringLiteral("--db"),
                m_dir->filePath(QStringLiteral("engine.db")),
                QStringLiteral("--listen"),
                QStringLiteral("127.0.0.1:0"),
                QStringLiteral("--secrets"),
                m_dir->filePath(QStringLiteral("secrets.json")),
                QStringLiteral("--status-every"),
                QStringLiteral("1")};
    }

    bool startEngine()
    {
        m_engine = std::make_unique<QProcess>();
        m_output.clear();
        m_engine->start(kEngine, engineArguments());
        const QRegularExpression running(QStringLiteral("on http://127.0.0.1:(\\d+) "));
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            if (!m_engine->waitForReadyRead(int(deadline.remainingTime()))) {
                break;
            }
            m_output += m_engine->readAllStandardOutput();
            const auto match = running.match(QString::fromUtf8(m_output));
            if (match.hasMatch() && m_output.contains("admin token")) {
                m_port = match.captured(1).toUShort();
                return true;
            }
        }
        qWarning("engine did not start: %s %s", m_output.constData(),
                 m_engine->readAllStandardError().constData());
        return false;
    }

    void stopEngine()
    {
        m_engine->terminate();
        m_engine->waitForFinished(5000);
        m_engine.reset();
    }

    QByteArray token() const
    {
        QFile file(m_dir->filePath(QStringLiteral("engine.db.token")));
        return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
    }

    int sendWebhook(const QByteArray &body)
    {
        HttpRequest request;
        request.method = "POST";
        request.url = QStringLiteral("http://127.0.0.1:%1/hooks/invoice-to-erp/billing-webhook")
                          .arg(m_port);
        request.body = body;
        request.headers = {{"Stripe-Signature",
                            signBody(SignatureScheme::TimestampedV1, body, kWebhookSecret,
                                     QDateTime::currentSecsSinceEpoch())}};
        HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? outcome.response->status : 0;
    }

    HttpResponse adminGet(const char *path, const QByteArray &bearer)
    {
        HttpRequest request;
        request.url = QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(QLatin1String(path));
        if (!bearer.isEmpty()) {
            request.headers = {{"Authorization", "Bearer " + bearer}};
        }
        HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? *outcome.response : HttpResponse{};
    }

    int failedAt(const QString &node)
    {
        const QJsonArray queues = QJsonDocument::fromJson(adminGet("/api/v1/queues", token()).body)
                                      .object()
                                      .value(QStringLiteral("queues"))
                                      .toArray();
        for (const QJsonValue &q : queues) {
            if (q[QStringLiteral("node")].toString() == node) {
                return q[QStringLiteral("failed")].toInt();
            }
        }
        return 0;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Erp> m_erp;
    std::unique_ptr<QProcess> m_engine;
    QByteArray m_output;
    quint16 m_port = 0;
    HttpClient m_client;
};

QTEST_GUILESS_MAIN(TestRun)
#include "tst_run.moc"
