// End to end: the real sandbox and the real headless engine on a copy of the demo workspace,
// the sandbox's traffic (signed webhooks, bad data included) driving every scenario the demo
// runs; then the target systems' documents are checked against the sources, to the cent, the
// bad data against the exception queue, and the lineage from a source event to its ERP document.

#include "engine/net/httpclient.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using Json = nlohmann::json;

namespace {

const QString kSandbox = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-sandbox");
const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");
const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");
const QString kSecrets = QStringLiteral(SYNCLINE_SOURCE_DIR "/installer/sandbox-secrets.json");
constexpr int kEvents = 150;

// SYNCLINE_DEMO_SOAK_SECONDS=600 turns the run into the soak (bench/soak/run.sh): the demo's
// traffic at the demo's rate and share of bad data for that long, while the ERP answers 10 % of
// requests with 503 and resets the connection after committing 5 % — then the same checks.
int soakSeconds()
{
    return qEnvironmentVariableIntValue("SYNCLINE_DEMO_SOAK_SECONDS");
}

Json parse(const QByteArray &body)
{
    return Json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

QString text(const Json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

// Minor units as the ERP's decimal string ("120000" USD → "1200.00").
QString major(qint64 minor)
{
    const QString sign = minor < 0 ? QStringLiteral("-") : QString();
    minor = std::llabs(minor);
    return sign + QStringLiteral("%1.%2").arg(minor / 100).arg(minor % 100, 2, 10, QLatin1Char('0'));
}

} // namespace

class TestDemo : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_sandbox;
    QProcess m_engine;
    QString m_sandboxUrl;
    QString m_engineUrl;
    QByteArray m_token;
    net::HttpClient m_http;

    net::HttpResponse call(const QByteArray &method, const QString &url, const QByteArray &body = {},
                           net::HttpHeaders headers = {})
    {
        net::HttpRequest request;
        request.method = method;
        request.url = url;
        request.body = body;
        request.headers = std::move(headers);
        if (!body.isEmpty()) {
            request.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
        }
        request.totalTimeoutMs = 20'000;
        const net::HttpOutcome outcome = m_http.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }
    Json sandbox(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + path).body);
    }
    Json engine(const QString &path)
    {
        return parse(call("GET", m_engineUrl + path, {}, {{"Authorization", "Bearer " + m_token}}).body);
    }

    // Starts `program` and reads the URL its first lines name.
    static QString startAndReadUrl(QProcess &process, const QString &program, const QStringList &arguments)
    {
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(program, arguments);
        static const QRegularExpression url(QStringLiteral("(http://127\\.0\\.0\\.1:[0-9]+)"));
        QByteArray seen;
        while (process.waitForReadyRead(30'000)) {
            seen += process.readAll();
            const QRegularExpressionMatch match = url.match(QString::fromUtf8(seen));
            if (match.hasMatch()) {
                return match.captured(1);
            }
        }
        qWarning("%s did not start: %s", qPrintable(program), seen.constData());
        return {};
    }

    // The demo workspace, pointed at this test's sandbox, with a short usage window.
    void copyWorkspace(const QString &sandboxUrl)
    {
        QDirIterator files(kDemo, QDir::Files, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            const QString from = files.next();
            const QString to = m_dir.filePath(QStringLiteral("ws/") + QDir(kDemo).relativeFilePath(from));
            QDir().mkpath(QFileInfo(to).path());
            QFile in(from);
            QVERIFY(in.open(QIODevice::ReadOnly));
            QByteArray content = in.readAll();
            content.replace("http://127.0.0.1:8790", sandboxUrl.toUtf8());
            content.replace("\"windowMs\": 60000", "\"windowMs\": 2000");
            // The 500 ms answer budget is the demo's promise on an idle machine (the sandbox's
            // traffic reports each answer's elapsedMs); beside the rest of the suite on two busy
            // cores the test checks that the desk gets the entitlement, not how fast.
            content.replace("\"timeoutMs\": 500\n", "\"timeoutMs\": 8000\n");
            content.replace("\"timeoutMs\": 300\n", "\"timeoutMs\": 5000\n");
            QFile out(to);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(content);
        }
    }

    bool idle()
    {
        const Json traffic = sandbox(QStringLiteral("/_sandbox/traffic"));
        if (traffic.value("running", true)) {
            return false;
        }
        const Json queues = engine(QStringLiteral("/api/v1/queues"));
        const Json &list = queues.is_array() ? queues : queues.value("queues", Json::array());
        for (const Json &q : list) {
            if (q.value("ready", 0) + q.value("delayed", 0) + q.value("inFlight", 0) > 0) {
                return false;
            }
        }
        return true;
    }

    QHash<QString, int> exceptionsByReason()
    {
        QHash<QString, int> counts;
        const Json page = engine(QStringLiteral("/api/v1/exceptions?limit=1&counts=reason"));
        for (const Json &group : page["counts"].value("reason", Json::array())) {
            counts[text(group["key"])] = group.value("count", 0);
        }
        return counts;
    }

    // Every exception of a flow (all pages): business key → reason codes.
    QMultiHash<QString, QString> exceptionsOf(const QString &flow)
    {
        QMultiHash<QString, QString> found;
        QString cursor;
        do {
            const Json page = engine(QStringLiteral("/api/v1/exceptions?flow=%1&limit=500%2")
                                         .arg(flow, cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
            for (const Json &e : page.value("items", Json::array())) {
                found.insert(text(e["businessKey"]), text(e["reasonCode"]));
            }
            cursor = page.value("nextCursor", Json()).is_string() ? text(page["nextCursor"]) : QString();
        } while (!cursor.isEmpty());
        return found;
    }

private slots:
    void initTestCase()
    {
        m_sandboxUrl = startAndReadUrl(m_sandbox, kSandbox,
                                       {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                        QStringLiteral("--state"), m_dir.filePath(QStringLiteral("sandbox.sqlite"))});
        QVERIFY(!m_sandboxUrl.isEmpty());
        copyWorkspace(m_sandboxUrl);
        QFile::copy(kSecrets, m_dir.filePath(QStringLiteral("secrets.json")));
        QFile::setPermissions(m_dir.filePath(QStringLiteral("secrets.json")),
                              QFile::ReadOwner | QFile::WriteOwner);
        m_engineUrl = startAndReadUrl(m_engine, kEngine,
                                      {QStringLiteral("run"), m_dir.filePath(QStringLiteral("ws")),
                                       QStringLiteral("--db"), m_dir.filePath(QStringLiteral("engine.db")),
                                       QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                       QStringLiteral("--secrets"), m_dir.filePath(QStringLiteral("secrets.json")),
                                       QStringLiteral("--token-file"), m_dir.filePath(QStringLiteral("token"))});
        QVERIFY(!m_engineUrl.isEmpty());
        QFile token(m_dir.filePath(QStringLiteral("token")));
        QVERIFY(token.open(QIODevice::ReadOnly));
        m_token = token.readAll().trimmed();

        const int soak = soakSeconds();
        if (soak > 0) {
            QCOMPARE(call("PUT", m_sandboxUrl + QStringLiteral("/_sandbox/faults"),
                          R"({"seed": 42, "rules": [{"system": "erp", "method": "*", "path": "*",)"
                          R"( "errorRate": 0.10, "errorStatus": 503, "resetRate": 0.05}]})")
                         .status,
                     200);
        }
        const Json traffic = {
            {"ratePerSecond", soak > 0 ? 4 : 25},
            {"maxEvents", soak > 0 ? 4 * soak : kEvents},
            {"badDataShare", soak > 0 ? 0.04 : 0.1},
            {"seed", 7},
            {"customers", 12},
            {"mix", {{"invoiceIssued", 5}, {"paymentFailed", 1}, {"ticketCreated", 2}, {"usageEvents", 2}}},
            {"targets",
             {{"billing", (m_engineUrl + QStringLiteral("/hooks/billing-events/hook")).toStdString()},
              {"support", (m_engineUrl + QStringLiteral("/hooks/entitlement-check/ticket")).toStdString()},
              {"usage", (m_engineUrl + QStringLiteral("/hooks/usage-to-cash/events")).toStdString()}}}};
        QCOMPARE(call("POST", m_sandboxUrl + QStringLiteral("/_sandbox/traffic/start"),
                      QByteArray::fromStdString(traffic.dump()))
                     .status,
                 202);
        QTRY_VERIFY_WITH_TIMEOUT(idle(), 240'000 + soak * 2'000);
        // The checks below read the ERP faster than its 5 requests a second.
        QCOMPARE(call("PUT", m_sandboxUrl + QStringLiteral("/_sandbox/faults"),
                      R"({"rules": [], "rateLimits": {}})")
                     .status,
                 200);
    }

    void cleanupTestCase()
    {
        for (QProcess *p : {&m_engine, &m_sandbox}) {
            if (p->state() != QProcess::NotRunning) {
                p->terminate();
                p->waitForFinished(10'000);
            }
        }
    }

    void everyInvoiceReachesTheErpOnceToTheCent()
    {
        net::HttpRequest login;
        login.method = "POST";
        login.url = m_sandboxUrl + QStringLiteral("/erp/oauth2/token");
        login.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        login.body = "grant_type=client_credentials&client_id=syncline-integration"
                     "&client_secret=sandbox-erp-client-secret";
        const net::HttpOutcome granted = m_http.send(login).get();
        QVERIFY(granted.response);
        const QByteArray erpToken = QByteArray::fromStdString(
            parse(granted.response->body).value("access_token", std::string()));
        QVERIFY(!erpToken.isEmpty());
        const Json ledger = sandbox(QStringLiteral("/_sandbox/ledger?system=erp&type=invoice&limit=5000"));
        QCOMPARE(ledger["systems"]["erp"].value("duplicatesCreated", -1), 0);
        const Json documents = ledger.value("documents", Json::array());
        QVERIFY2(documents.size() >= 20, qPrintable(QString::number(documents.size())));
        int checked = 0;
        for (const Json &document : documents) {
            const QString billingId = text(document["businessKey"]);
            const Json invoice = parse(call("GET", m_sandboxUrl + QStringLiteral("/billing/v1/invoices/") + billingId,
                                            {}, {{"Authorization", "Bearer sk_test_sandbox"}})
                                           .body);
            const Json found = parse(call("GET", m_sandboxUrl + QStringLiteral("/erp/api/v1/invoices?ExternalReference=") + billingId,
                                          {}, {{"Authorization", "Bearer " + erpToken}})
                                         .body);
            QVERIFY2(found.value("items", Json::array()).size() == 1,
                     qPrintable(QString::fromStdString(document.dump() + " → " + found.dump())));
            QVERIFY2(invoice.contains("lines"), invoice.dump().c_str());
            const Json &erp = found["items"][0];
            QCOMPARE(text(erp["Currency"]), text(invoice["currency"]).toUpper());
            QCOMPARE(text(erp["Total"]), major(invoice["total"].get<qint64>()));
            const Json &lines = invoice["lines"]["data"];
            QCOMPARE(erp["Lines"].size(), lines.size());
            for (size_t i = 0; i < lines.size(); ++i) {
                QCOMPARE(text(erp["Lines"][i]["Amount"]), major(lines[i]["amount"].get<qint64>()));
                QCOMPARE(text(erp["Lines"][i]["AccountCode"]), text(lines[i]["metadata"]["gl_revenue_account"]));
                QCOMPARE(text(erp["Lines"][i]["TaxCode"]), text(lines[i]["metadata"]["tax_code"]));
            }
            ++checked;
        }
        qInfo("%d ERP invoices checked against billing to the cent", checked);
    }

    void badDataBecomesBusinessExceptions()
    {
        const Json bad = sandbox(QStringLiteral("/_sandbox/traffic")).value("bad", Json::object());
        const QHash<QString, int> raised = exceptionsByReason();
        qInfo("bad data sent %s; exceptions %s", bad.dump().c_str(),
              qPrintable(QStringList([&] {
                  QStringList parts;
                  for (auto it = raised.cbegin(); it != raised.cend(); ++it) {
                      parts.append(it.key() + u'=' + QString::number(it.value()));
                  }
                  return parts;
              }()).join(u' ')));
        const QList<std::pair<const char *, QString>> kinds = {
            {"missingTaxCode", QStringLiteral("MISSING_TAX_CODE")},
            {"unknownCustomer", QStringLiteral("UNKNOWN_CUSTOMER")},
            {"invalidGlAccount", QStringLiteral("INVALID_GL_ACCOUNT")},
            {"currencyMismatch", QStringLiteral("CURRENCY_MISMATCH")}};
        for (const auto &[kind, code] : kinds) {
            const int sent = bad.value(kind, 0);
            QVERIFY2(raised.value(code) >= sent,
                     qPrintable(QStringLiteral("%1: %2 sent, %3 raised").arg(code).arg(sent).arg(raised.value(code))));
        }
        QVERIFY(!raised.contains(QStringLiteral("HTTP_4XX"))); // nothing reached a target malformed
        // A repeated webhook delivery is recognised at the door: it is counted and creates
        // nothing anywhere.
        const Json health = engine(QStringLiteral("/api/v1/health"));
        QVERIFY2(health["webhooks"].value("duplicates", 0) >= bad.value("duplicateEvent", 0),
                 health.dump().c_str());
        const Json systems = sandbox(QStringLiteral("/_sandbox/ledger?limit=1")).value("systems", Json::object());
        for (auto it = systems.begin(); it != systems.end(); ++it) {
            QVERIFY2(it.value().value("duplicatesCreated", -1) == 0, systems.dump().c_str());
        }
    }

    void everySourceEventEndsDeliveredOrInTheQueue()
    {
        // Every finalized invoice the billing system sent: posted to the ERP, or an exception.
        const Json sent = sandbox(QStringLiteral("/_sandbox/ledger?system=billing&type=invoice&limit=5000"));
        const Json erp = sandbox(QStringLiteral("/_sandbox/ledger?system=erp&type=invoice&limit=5000"));
        QSet<QString> posted;
        for (const Json &d : erp.value("documents", Json::array())) {
            posted.insert(text(d["businessKey"]));
        }
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("invoice-to-erp"));
        int invoices = 0;
        int uncertain = 0;
        for (const Json &d : sent.value("documents", Json::array())) {
            const QString id = text(d["id"]);
            if (!id.startsWith(QLatin1String("in_"))) {
                continue;
            }
            ++invoices;
            // Posted, or parked with a reason — both only when the ERP took the document but the
            // answer was lost: the effect is Uncertain and a person decides, nothing was resent.
            const QStringList reasons = parked.values(id);
            if (posted.contains(id) && reasons == QStringList{QStringLiteral("UNCERTAIN")}) {
                ++uncertain;
                continue;
            }
            QVERIFY2(posted.contains(id) != !reasons.isEmpty(),
                     qPrintable(id + QStringLiteral(" is neither posted nor an exception (or both): ")
                                + reasons.join(u',')));
        }
        QVERIFY(invoices > 0);
        qInfo("%d invoices: %lld posted, %d of them uncertain, %lld parked", invoices,
              static_cast<long long>(posted.size()), uncertain,
              static_cast<long long>(QSet<QString>(parked.keyBegin(), parked.keyEnd()).size()));
    }

    void theLineageLeadsFromTheEventToTheErpDocument()
    {
        const Json erp = sandbox(QStringLiteral("/_sandbox/ledger?system=erp&type=invoice&limit=1"));
        const Json first = erp["documents"][0];
        const Json graph = engine(QStringLiteral("/api/v1/lineage?businessKey=") + text(first["businessKey"]));
        QStringList flows;
        QStringList externalIds;
        for (const Json &message : graph.value("messages", Json::array())) {
            flows.append(text(message["flow"]));
            for (const Json &effect : message.value("effects", Json::array())) {
                const Json ids = effect.value("externalIds", Json::object());
                for (auto it = ids.begin(); it != ids.end(); ++it) {
                    externalIds.append(QString::fromStdString(it.key()) + u'=' + text(it.value()));
                }
            }
        }
        QVERIFY2(flows.contains(QStringLiteral("billing-events")) && flows.contains(QStringLiteral("invoice-to-erp")),
                 graph.dump().c_str());
        QVERIFY2(externalIds.contains(QStringLiteral("erpInvoice=") + text(first["id"])), graph.dump().c_str());
    }

    void theTicketIsAnsweredWhileTheDeskWaits()
    {
        const Json answer = sandbox(QStringLiteral("/_sandbox/traffic")).value("lastTicketAnswer", Json::object());
        QCOMPARE(answer.value("status", 0), 200);
        const Json body = parse(QByteArray::fromStdString(answer.value("body", std::string())));
        QVERIFY2(body.contains("entitlement") && body.contains("paymentStanding"), answer.dump().c_str());
        qInfo("last ticket answered in %d ms", answer.value("elapsedMs", -1));
    }
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
