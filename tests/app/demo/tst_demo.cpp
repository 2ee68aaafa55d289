// End to end: the real sandbox and the real headless engine on a copy of the demo workspace,
// the sandbox's traffic (signed webhooks, bad data included) driving every scenario the demo
// runs; then the target systems' documents are checked against the sources, to the cent, the
// bad data against the exception queue, and the lineage from a source event to its ERP document.

#include "amendmentorder.h"
#include "engine/net/httpclient.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

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

    // An OAuth 2 token of one of the sandbox's systems ("crm", "erp").
    QByteArray systemToken(const QString &system)
    {
        net::HttpRequest login;
        login.method = "POST";
        login.url = m_sandboxUrl + (system == QLatin1String("crm")
                                        ? QStringLiteral("/crm/services/oauth2/token")
                                        : QStringLiteral("/erp/oauth2/token"));
        login.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        login.body = "grant_type=client_credentials&client_id=syncline-integration&client_secret=sandbox-"
                     + system.toUtf8() + "-client-secret";
        const net::HttpOutcome granted = m_http.send(login).get();
        return granted.response ? QByteArray::fromStdString(
                                      parse(granted.response->body).value("access_token", std::string()))
                                : QByteArray();
    }
    Json system(const QString &path, const QByteArray &token)
    {
        return parse(call("GET", m_sandboxUrl + path, {}, {{"Authorization", "Bearer " + token}}).body);
    }
    // Messages a node of the engine finished, from its Prometheus text.
    qint64 processed(const QString &flow, const QString &node)
    {
        const QByteArray text = call("GET", m_engineUrl + QStringLiteral("/metrics"), {},
                                     {{"Authorization", "Bearer " + m_token}})
                                    .body;
        const QByteArray series = "syncline_node_processed_total{flow=\"" + flow.toUtf8() + "\",node=\""
                                  + node.toUtf8() + "\"} ";
        const qsizetype at = text.indexOf(series);
        if (at < 0) {
            return 0;
        }
        const qsizetype end = text.indexOf('\n', at);
        return text.mid(at + series.size(), end - at - series.size()).trimmed().toLongLong();
    }
    qint64 crmWebhooksDelivered()
    {
        return sandbox(QStringLiteral("/_sandbox/webhooks"))["deliveries"]["crm"].value("succeeded", qint64(0));
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
            {"mix",
             {{"invoiceIssued", 5}, {"paymentFailed", 1}, {"ticketCreated", 2}, {"usageEvents", 2},
              {"accountChanged", 1}, {"opportunityClosedWon", 1}, {"opportunityAmended", 1}}},
            {"targets",
             {{"billing", (m_engineUrl + QStringLiteral("/hooks/billing-events/hook")).toStdString()},
              {"crm", (m_engineUrl + QStringLiteral("/hooks/crm-events/hook")).toStdString()},
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
        // Nothing reached a target malformed (a connector names such a refusal by the vendor's
        // code; a plain call would say HTTP_4XX).
        for (const char *malformed : {"HTTP_4XX", "VALIDATION_FAILED", "MISSING_FIELD", "UNKNOWN_REFERENCE", "NOT_FOUND"}) {
            QVERIFY2(!raised.contains(QLatin1String(malformed)), malformed);
        }
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
        const auto [flows, externalIds] = lineageSummary(graph);
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

    void everyPostedInvoiceIsAppendedToTheDataPlatformOnce()
    {
        // Every invoice the ERP holds (and that is not parked: under the soak's resets a posting
        // may be Uncertain) is one row of the data platform's invoices table, naming its ERP
        // document.
        QHash<QString, QString> posted; // billing invoice id → ERP document
        const Json erp = sandbox(QStringLiteral("/_sandbox/ledger?system=erp&type=invoice&limit=5000"));
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("invoice-to-erp"));
        for (const Json &d : erp.value("documents", Json::array())) {
            if (!parked.contains(text(d["businessKey"]))) {
                posted.insert(text(d["businessKey"]), text(d["id"]));
            }
        }
        QHash<QString, QString> rows;
        qint64 after = 0;
        bool more = true;
        while (more) {
            const Json page = system(QStringLiteral("/data/v1/tables/invoices/rows?limit=1000&after=%1").arg(after),
                                     "sandbox-data-token");
            for (const Json &row : page.value("rows", Json::array())) {
                const QString id = text(row["id"]);
                QVERIFY2(!rows.contains(id), qPrintable(id + QStringLiteral(" was appended twice")));
                rows.insert(id, text(row["erp_document"]));
            }
            more = page.value("hasMore", false);
            after = page.value("nextAfter", after);
        }
        QVERIFY(!posted.isEmpty());
        for (auto it = posted.cbegin(); it != posted.cend(); ++it) {
            QVERIFY2(rows.value(it.key()) == it.value(),
                     qPrintable(it.key() + QStringLiteral(": ERP ") + it.value() + QStringLiteral(", row ")
                                + rows.value(it.key(), QStringLiteral("missing"))));
        }
        qInfo("%lld posted invoices, %lld rows", static_cast<long long>(posted.size()),
              static_cast<long long>(rows.size()));
    }

    void usageIsBilledOnceAndExactlyPerSubscriptionItem()
    {
        // What the product emitted, each event once (re-sends and late events included as they
        // came), summed per subscription item, is what billing will rate for that item.
        QHash<QString, qint64> emitted;
        QSet<QString> seen;
        QString cursor;
        bool more = true;
        while (more) {
            const Json page = parse(call("GET",
                                         m_sandboxUrl + QStringLiteral("/usage/v1/events?limit=1000")
                                             + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor),
                                         {}, {{"X-Api-Key", "sandbox-usage-key"}})
                                        .body);
            QVERIFY2(page.contains("data"), page.dump().c_str());
            for (const Json &event : page["data"]) {
                const QString id = text(event["id"]);
                if (seen.contains(id)) {
                    continue;
                }
                seen.insert(id);
                bool whole = false;
                emitted[text(event["subscription_item"])] += text(event["quantity"]).toLongLong(&whole);
                QVERIFY2(whole, event.dump().c_str());
            }
            more = page.value("has_more", false);
            cursor = QString::fromStdString(page.value("next_cursor", std::string()));
        }
        QVERIFY(!emitted.isEmpty());
        for (auto it = emitted.cbegin(); it != emitted.cend(); ++it) {
            const Json summary = system(QStringLiteral("/billing/v1/subscription_items/%1/usage_record_summaries").arg(it.key()),
                                        "sk_test_sandbox");
            QVERIFY2(!summary.value("data", Json::array()).empty(), summary.dump().c_str());
            QCOMPARE(summary["data"][0].value("total_usage", qint64(-1)), it.value());
        }
        qInfo("%lld usage events on %lld subscription items billed exactly", static_cast<long long>(seen.size()),
              static_cast<long long>(emitted.size()));
    }

    // ---- lead-to-cash and subscription amendment ------------------------------------------
private:
    QByteArray oauthToken(const QString &path, const QByteArray &secret)
    {
        net::HttpRequest login;
        login.method = "POST";
        login.url = m_sandboxUrl + path;
        login.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        login.body = "grant_type=client_credentials&client_id=syncline-integration&client_secret=" + secret;
        const net::HttpOutcome granted = m_http.send(login).get();
        return granted.response ? "Bearer " + QByteArray::fromStdString(parse(granted.response->body).value("access_token", std::string()))
                                : QByteArray();
    }
    Json erpGet(const QString &path)
    {
        if (m_erpAuth.isEmpty()) {
            m_erpAuth = oauthToken(QStringLiteral("/erp/oauth2/token"), "sandbox-erp-client-secret");
        }
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/erp/api/v1") + path, {}, {{"Authorization", m_erpAuth}}).body);
    }
    QByteArray crmAuth()
    {
        if (m_crmAuth.isEmpty()) {
            m_crmAuth = oauthToken(QStringLiteral("/crm/services/oauth2/token"), "sandbox-crm-client-secret");
        }
        return m_crmAuth;
    }
    Json crmGet(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/crm/services/data/v59.0") + path, {}, {{"Authorization", crmAuth()}}).body);
    }
    Json billingGet(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/billing/v1") + path, {}, {{"Authorization", "Bearer sk_test_sandbox"}}).body);
    }
    Json supportGet(const QString &path)
    {
        return parse(call("GET", m_sandboxUrl + QStringLiteral("/support/api/v2") + path, {},
                          {{"Authorization", "Basic " + QByteArray("syncline-integration/token:sandbox-support-token").toBase64()}})
                         .body);
    }

    // The closed-won opportunities the traffic made whose external id starts with `prefix`
    // (OPP- new business, AMD- amendments), each with its line items.
    QList<Json> closedWon(const QString &prefix)
    {
        QList<Json> found;
        const Json ledger = sandbox(QStringLiteral("/_sandbox/ledger?system=crm&type=Opportunity&limit=5000"));
        for (const Json &d : ledger.value("documents", Json::array())) {
            if (!text(d["businessKey"]).startsWith(prefix)) {
                continue;
            }
            Json opportunity = crmGet(QStringLiteral("/sobjects/Opportunity/") + text(d["id"]));
            if (text(opportunity["StageName"]) != QLatin1String("Closed Won")) {
                continue;
            }
            const QString soql = QStringLiteral("SELECT FIELDS(ALL) FROM OpportunityLineItem WHERE OpportunityId = '%1'").arg(text(d["id"]));
            opportunity["lineItems"] = crmGet(QStringLiteral("/query?q=") + QString::fromLatin1(QUrl::toPercentEncoding(soql)))["records"];
            found.append(opportunity);
        }
        return found;
    }

    // The flows of a lineage graph's messages and its effects' external ids as name=value.
    static std::pair<QStringList, QStringList> lineageSummary(const Json &graph)
    {
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
        return {flows, externalIds};
    }

    static QString decimal2(const Json &number)
    {
        return QString::number(number.get<double>(), 'f', 2);
    }

    QByteArray m_erpAuth;
    QByteArray m_crmAuth;

private slots:
    void leadToCashBooksEachClosedWonDealOnceToTheCent()
    {
        const QList<Json> deals = closedWon(QStringLiteral("OPP-"));
        QVERIFY2(deals.size() >= 5, qPrintable(QString::number(deals.size())));
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("lead-to-cash"));
        int booked = 0;
        int newLogos = 0;
        for (const Json &deal : deals) {
            const QString ref = text(deal["External_Id__c"]);
            const Json orders = erpGet(QStringLiteral("/salesOrders?ExternalReference=") + ref).value("items", Json::array());
            if (orders.empty()) {
                QVERIFY2(parked.contains(text(deal["Id"])), qPrintable(ref + QStringLiteral(" has no sales order and no exception")));
                continue;
            }
            QCOMPARE(int(orders.size()), 1);
            const Json &order = orders[0];
            const Json &items = deal["lineItems"];
            // The ERP sales order: the opportunity's line items to the cent, GL from the product.
            QCOMPARE(order["Lines"].size(), items.size());
            for (size_t i = 0; i < items.size(); ++i) {
                const Json &line = order["Lines"][i];
                QCOMPARE(text(line["ItemCode"]), text(items[i]["ProductCode"]));
                QCOMPARE(text(line["Quantity"]), text(items[i]["Quantity"]));
                QCOMPARE(text(line["Rate"]), decimal2(items[i]["UnitPrice"]));
                QCOMPARE(text(line["Amount"]), decimal2(items[i]["TotalPrice"]));
                QCOMPARE(text(line["AccountCode"]), QStringLiteral("4000"));
            }
            QCOMPARE(text(order["Total"]), decimal2(deal["Amount"]));
            // The ERP customer is the account's, by its global account id.
            const QString accountId = text(deal["AccountId"]);
            const Json account = crmGet(QStringLiteral("/sobjects/Account/") + accountId);
            const Json customer = erpGet(QStringLiteral("/customers/") + text(order["CustomerNumber"]));
            QCOMPARE(text(customer["ExternalReference"]), text(account["Global_Account_Id__c"]));
            // The billing subscription: one item per line item, priced by lookup key, to the cent.
            const Json subs = sandbox(QStringLiteral("/_sandbox/ledger?system=billing&type=subscription&businessKey=") + ref);
            QCOMPARE(int(subs["documents"].size()), 1);
            const Json subscription = billingGet(QStringLiteral("/subscriptions/") + text(subs["documents"][0]["id"]));
            const Json &subItems = subscription["items"]["data"];
            QCOMPARE(subItems.size(), items.size());
            for (size_t i = 0; i < items.size(); ++i) {
                QCOMPARE(text(subItems[i]["price"]["lookup_key"]), text(items[i]["ProductCode"]) + QStringLiteral("_usd_month"));
                QCOMPARE(text(subItems[i]["quantity"]), text(items[i]["Quantity"]));
                QCOMPARE(major(subItems[i]["price"]["unit_amount"].get<qint64>() * subItems[i]["quantity"].get<qint64>()),
                         decimal2(items[i]["TotalPrice"]));
            }
            const Json billingCustomer = billingGet(QStringLiteral("/customers/") + text(subscription["customer"]));
            QCOMPARE(text(billingCustomer["metadata"]["global_account_id"]), text(account["Global_Account_Id__c"]));
            // The support entitlement: a new logo's is its deal's alone (premium with CLOUD-PRO).
            // (Under the soak's faults a sales order the ERP took without answering is Uncertain:
            // the deal waits there for a person, before the entitlement.)
            if (text(account["Name"]).startsWith(QLatin1String("New Logo")) && !parked.contains(text(deal["Id"]))) {
                ++newLogos;
                const Json entitlements = supportGet(QStringLiteral("/entitlements.json?external_id=ENT-") + text(account["Global_Account_Id__c"]));
                QVERIFY2(entitlements["entitlements"].size() == 1, entitlements.dump().c_str());
                QCOMPARE(text(entitlements["entitlements"][0]["level"]), QStringLiteral("premium"));
                QCOMPARE(text(entitlements["entitlements"][0]["status"]), QStringLiteral("active"));
            }
            ++booked;
        }
        QVERIFY(booked > 0);
        QVERIFY(newLogos > 0);
        const Json systems = sandbox(QStringLiteral("/_sandbox/ledger?system=erp&limit=1"));
        QCOMPARE(systems["systems"]["erp"].value("duplicatesCreated", -1), 0);
        qInfo("%d of %d closed-won deals booked (subscription, sales order, entitlement), %d of them new logos",
              booked, int(deals.size()), newLogos);
    }

    void anAmendmentRevisesTheSubscriptionScheduleAndEntitlement()
    {
        const QList<Json> amendments = closedWon(QStringLiteral("AMD-"));
        QVERIFY2(amendments.size() >= 5, qPrintable(QString::number(amendments.size())));
        const QMultiHash<QString, QString> parkedDeals = exceptionsOf(QStringLiteral("subscription-amendment"));
        QHash<QString, int> perSubscription;
        for (const Json &amendment : amendments) {
            perSubscription[text(amendment["Billing_Subscription_Id__c"])] += 1;
        }
        int revised = 0;
        int alone = 0;
        for (const Json &amendment : amendments) {
            const QString ref = text(amendment["External_Id__c"]);
            const QString subscriptionId = text(amendment["Billing_Subscription_Id__c"]);
            const Json &items = amendment["lineItems"];
            bool parked = parkedDeals.contains(text(amendment["Id"]));
            for (const Json &item : items) {
                const QString key = ref + u':' + text(item["ProductCode"]);
                const Json schedules = erpGet(QStringLiteral("/revenueSchedules?ExternalReference=") + key).value("items", Json::array());
                if (schedules.empty()) {
                    parked = parked || parkedDeals.contains(key);
                    QVERIFY2(parked, qPrintable(key + QStringLiteral(" has no revenue schedule and no exception")));
                    continue;
                }
                QCOMPARE(int(schedules.size()), 1);
                // Twelve months of the amended monthly amount, exact, GL from the product.
                const Json &schedule = schedules[0];
                const qint64 monthlyMinor = qRound64(item["TotalPrice"].get<double>() * 100);
                QCOMPARE(text(schedule["Amount"]), major(monthlyMinor * 12));
                QCOMPARE(text(schedule["AccountCode"]), QStringLiteral("4000"));
                QCOMPARE(text(schedule["DeferredAccountCode"]), QStringLiteral("2400"));
                QCOMPARE(text(schedule["SourceDocument"]), subscriptionId);
                QCOMPARE(int(schedule["Lines"].size()), 12);
                ++revised;
            }
            if (perSubscription.value(subscriptionId) == 1 && !parked) {
                // Amended once: billing's licensed items are the amendment's line items now.
                ++alone;
                const Json subscription = billingGet(QStringLiteral("/subscriptions/") + subscriptionId);
                QMap<QString, QString> licensed;
                for (const Json &si : subscription["items"]["data"]) {
                    if (text(si["price"]["recurring"]["usage_type"]) == QLatin1String("licensed")) {
                        licensed.insert(text(si["price"]["lookup_key"]), major(si["price"]["unit_amount"].get<qint64>() * si["quantity"].get<qint64>()));
                    }
                }
                QMap<QString, QString> expected;
                for (const Json &item : items) {
                    expected.insert(text(item["ProductCode"]) + QStringLiteral("_usd_month"), decimal2(item["TotalPrice"]));
                }
                QCOMPARE(licensed, expected);
            }
        }
        QVERIFY(revised > 0);
        // The lineage of one amendment reaches billing, the ERP schedule and the entitlement.
        const Json graph = engine(QStringLiteral("/api/v1/lineage?businessKey=") + text(amendments.front()["Id"]));
        const QStringList externalIds = lineageSummary(graph).second;
        QVERIFY2(!externalIds.filter(QRegularExpression(QStringLiteral("^entitlement="))).isEmpty(), graph.dump().c_str());
        qInfo("%d amendments: %d revised revenue schedules checked to the cent, %d subscriptions amended once checked item by item",
              int(amendments.size()), revised, alone);
    }

    void theLineageLeadsFromTheClosedWonEventToTheSalesOrder()
    {
        const Json orders = sandbox(QStringLiteral("/_sandbox/ledger?system=erp&type=salesOrder&limit=1"));
        QVERIFY2(!orders["documents"].empty(), orders.dump().c_str());
        const QString ref = text(orders["documents"][0]["businessKey"]);
        const Json opportunities = sandbox(QStringLiteral("/_sandbox/ledger?system=crm&type=Opportunity&businessKey=") + ref);
        const Json graph = engine(QStringLiteral("/api/v1/lineage?businessKey=") + text(opportunities["documents"][0]["id"]));
        const auto [flows, externalIds] = lineageSummary(graph);
        QVERIFY2(flows.contains(QStringLiteral("crm-events")) && flows.contains(QStringLiteral("lead-to-cash")), graph.dump().c_str());
        QVERIFY2(externalIds.contains(QStringLiteral("salesOrder=") + text(orders["documents"][0]["id"])), graph.dump().c_str());
    }

    void anUnknownProductStopsTheDealBeforeAnyDocument()
    {
        // A product the CRM sells but billing has no price for: UNKNOWN_PRODUCT for the finance
        // queue, and nothing created in billing or the ERP.
        const net::HttpHeaders auth = {{"Authorization", crmAuth()}};
        const QString base = m_sandboxUrl + QStringLiteral("/crm/services/data/v59.0/sobjects/");
        const Json product = parse(call("POST", base + QStringLiteral("Product2"),
                                        R"({"Name": "Legacy seats", "ProductCode": "LEGACY-SEATS"})", auth).body);
        const Json accounts = sandbox(QStringLiteral("/_sandbox/ledger?system=crm&type=Account&limit=1"));
        const Json opportunity = parse(call("POST", base + QStringLiteral("Opportunity"),
                                            QByteArray::fromStdString(Json({{"Name", "Legacy renewal"}, {"StageName", "Prospecting"},
                                                                             {"CloseDate", "2026-11-23"}, {"Type", "New Business"},
                                                                             {"AccountId", accounts["documents"][0]["id"]},
                                                                             {"External_Id__c", "OPP-LEGACY"}}).dump()),
                                            auth).body);
        const QString id = text(opportunity["id"]);
        QCOMPARE(call("POST", base + QStringLiteral("OpportunityLineItem"),
                      QByteArray::fromStdString(Json({{"OpportunityId", id.toStdString()}, {"Product2Id", product["id"]},
                                                      {"Quantity", 3}, {"UnitPrice", 10.0}}).dump()),
                      auth).status,
                 201);
        QCOMPARE(call("PATCH", base + QStringLiteral("Opportunity/") + id, R"({"StageName": "Closed Won"})", auth).status, 204);
        QTRY_VERIFY_WITH_TIMEOUT(exceptionsOf(QStringLiteral("lead-to-cash")).values(id).contains(QStringLiteral("UNKNOWN_PRODUCT")), 30'000);
        QVERIFY(erpGet(QStringLiteral("/salesOrders?ExternalReference=OPP-LEGACY")).value("items", Json::array()).empty());
        QVERIFY(sandbox(QStringLiteral("/_sandbox/ledger?system=billing&type=subscription&businessKey=OPP-LEGACY"))["documents"].empty());
    }

    // Customer master sync: the ownership table the flow reads says what the canonical model says.
    void theOwnershipTableFollowsTheCanonicalModel()
    {
        QFile table(kDemo + QStringLiteral("/lookups/crm-account-fields.lookup.json"));
        QFile schema(kDemo + QStringLiteral("/canonical/customer.schema.json"));
        QVERIFY(table.open(QIODevice::ReadOnly) && schema.open(QIODevice::ReadOnly));
        const Json rows = parse(table.readAll()).value("rows", Json::array());
        const Json properties = parse(schema.readAll()).value("properties", Json::object());
        QVERIFY(rows.size() >= 10);
        for (const Json &row : rows) {
            const std::string field = row.value("canonicalField", std::string());
            QVERIFY2(properties.contains(field), field.c_str());
            QVERIFY2(properties[field].value("x-syncline-owner", std::string()) == row.value("owner", std::string()),
                     row.dump().c_str());
        }
    }

    // Identity edited in the CRM arrives in the ERP and billing exactly; the ERP's own fields stay;
    // the engine's own CRM writes and its billing update raise events that end without a write,
    // so once the queues drain the counts stop where the edits put them.
    void identityChangesReachErpAndBillingWithoutLoops()
    {
        const QByteArray crm = systemToken(QStringLiteral("crm"));
        const QByteArray erp = systemToken(QStringLiteral("erp"));
        QVERIFY(!crm.isEmpty() && !erp.isEmpty());
        const Json traffic = sandbox(QStringLiteral("/_sandbox/traffic"));
        QVERIFY2(traffic["sent"].value("accountChanged", 0) > 0, traffic.dump().c_str());
        QVERIFY2(processed(QStringLiteral("customer-sync"), QStringLiteral("erpUpdate")) > 0,
                 "the traffic's account changes reached no ERP customer");

        QList<Json> before;
        const Json listed = system(QStringLiteral("/erp/api/v1/customers?limit=3"), erp);
        for (const Json &customer : listed.value("items", Json::array())) {
            before.append(customer);
        }
        QCOMPARE(before.size(), 3);
        const qint64 webhooks = crmWebhooksDelivered();
        const qint64 erpUpdates = processed(QStringLiteral("customer-sync"), QStringLiteral("erpUpdate"));
        const qint64 billingUpdates = processed(QStringLiteral("customer-sync"), QStringLiteral("billingUpdate"));

        QList<Json> edits;
        for (int i = 0; i < before.size(); ++i) {
            const QString account = text(before[i]["ExternalReference"]);
            Json found = system(QStringLiteral("/crm/services/data/v59.0/query?q=SELECT%20Id%20FROM%20Account%20WHERE%20Global_Account_Id__c%20=%20%27")
                                + account + QStringLiteral("%27"), crm);
            QVERIFY2(found.value("records", Json::array()).size() == 1, found.dump().c_str());
            const QString id = text(found["records"][0]["Id"]);
            const std::string n = std::to_string(i);
            const Json edit = {{"Name", "Renamed Customer " + n}, {"Email__c", "ap" + n + "@renamed.example.com"},
                               {"Phone", "(555) 020-100" + n}, {"BillingStreet", n + " Harbour Road"},
                               {"BillingCity", "Boston"}, {"BillingState", "MA"}, {"BillingPostalCode", "0210" + n},
                               {"BillingCountry", "US"}};
            edits.append(edit);
            QCOMPARE(call("PATCH", m_sandboxUrl + QStringLiteral("/crm/services/data/v59.0/sobjects/Account/") + id,
                          QByteArray::fromStdString(edit.dump()), {{"Authorization", "Bearer " + crm}})
                         .status,
                     204);
            // A field the ERP owns, written on the CRM account the way the engine writes invoice
            // status: an account.changed the sync must leave alone.
            QCOMPARE(call("PATCH", m_sandboxUrl + QStringLiteral("/crm/services/data/v59.0/sobjects/Account/") + id,
                          R"({"Last_Invoice_Status__c": "Checked by the demo test"})", {{"Authorization", "Bearer " + crm}})
                         .status,
                     204);
        }
        const qint64 edited = before.size();
        const qint64 patches = 2 * edited;
        QTRY_VERIFY_WITH_TIMEOUT(crmWebhooksDelivered() >= webhooks + patches && idle()
                                     && processed(QStringLiteral("customer-sync"), QStringLiteral("billingUpdate"))
                                            >= billingUpdates + edited,
                                 60'000);
        QVERIFY(idle());
        QCOMPARE(crmWebhooksDelivered(), webhooks + patches);
        QCOMPARE(processed(QStringLiteral("customer-sync"), QStringLiteral("erpUpdate")), erpUpdates + edited);
        QCOMPARE(processed(QStringLiteral("customer-sync"), QStringLiteral("billingUpdate")),
                 billingUpdates + edited);

        for (int i = 0; i < before.size(); ++i) {
            const QString account = text(before[i]["ExternalReference"]);
            const Json &edit = edits[i];
            Json after = system(QStringLiteral("/erp/api/v1/customers?ExternalReference=") + account, erp)["items"][0];
            QCOMPARE(text(after["Name"]), text(edit["Name"]));
            QCOMPARE(text(after["Email"]), text(edit["Email__c"]));
            QCOMPARE(text(after["Phone"]), text(edit["Phone"]));
            QCOMPARE(text(after["Address"]["Street"]), text(edit["BillingStreet"]));
            QCOMPARE(text(after["Address"]["PostalCode"]), text(edit["BillingPostalCode"]));
            for (const char *owned : {"LegalName", "Subsidiary", "Currency", "TaxRegistration", "CustomerNumber"}) {
                QVERIFY2(after[owned] == before[i][owned], (std::string(owned) + ": " + after.dump()).c_str());
            }
            Json search = system(QStringLiteral("/billing/v1/customers/search?query=metadata%5B%27global_account_id%27%5D%3A%27")
                                      + account + QStringLiteral("%27"), "sk_test_sandbox");
            QVERIFY2(search.value("data", Json::array()).size() == 1, search.dump().c_str());
            Json &billing = search["data"][0];
            QCOMPARE(text(billing["name"]), text(edit["Name"]));
            QCOMPARE(text(billing["email"]), text(edit["Email__c"]));
            QCOMPARE(text(billing["phone"]), text(edit["Phone"]));
            QCOMPARE(text(billing["address"]["line1"]), text(edit["BillingStreet"]));
            QCOMPARE(text(billing["address"]["city"]), text(edit["BillingCity"]));
            QCOMPARE(text(billing["currency"]), QStringLiteral("usd")); // billing's own, untouched
        }
        qInfo("%lld CRM edits, %lld ERP and %lld billing customer updates from the traffic and the test",
              qlonglong(patches), qlonglong(erpUpdates + edited), qlonglong(billingUpdates + edited));
    }

    // Through the ERP connector a refusal keeps the vendor's own reason: invoices dated in a
    // closed accounting period become CLOSED_PERIOD business exceptions carrying PERIOD_CLOSED.
    void erpRefusalsKeepTheVendorsReason()
    {
        const QString month = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM"));
        const QByteArray close = QByteArray::fromStdString(Json{{month.toStdString(), "closed"}}.dump());
        QCOMPARE(call("PUT", m_sandboxUrl + QStringLiteral("/_sandbox/erp/periods"), close).status, 200);
        const int before = exceptionsByReason().value(QStringLiteral("CLOSED_PERIOD"));
        const Json traffic = {
            {"ratePerSecond", 20}, {"maxEvents", 3}, {"badDataShare", 0}, {"seed", 11}, {"customers", 2},
            {"mix", {{"invoiceIssued", 1}}},
            {"targets", {{"billing", (m_engineUrl + QStringLiteral("/hooks/billing-events/hook")).toStdString()}}}};
        QCOMPARE(call("POST", m_sandboxUrl + QStringLiteral("/_sandbox/traffic/start"),
                      QByteArray::fromStdString(traffic.dump()))
                     .status,
                 202);
        QTRY_VERIFY_WITH_TIMEOUT(idle() && exceptionsByReason().value(QStringLiteral("CLOSED_PERIOD")) >= before + 3,
                                 60'000);
        const QByteArray reopen = QByteArray::fromStdString(Json{{month.toStdString(), nullptr}}.dump());
        QCOMPARE(call("PUT", m_sandboxUrl + QStringLiteral("/_sandbox/erp/periods"), reopen).status, 200);
        const Json page = engine(QStringLiteral("/api/v1/exceptions?flow=invoice-to-erp&limit=500"));
        int closed = 0;
        for (const Json &e : page.value("items", Json::array())) {
            if (e.value("reasonCode", std::string()) != "CLOSED_PERIOD") {
                continue;
            }
            ++closed;
            QCOMPARE(text(e["category"]), QStringLiteral("business"));
            QCOMPARE(text(e["node"]), QStringLiteral("receivable"));
            const Json &facts = e["facts"];
            QVERIFY2(facts.is_object() && facts.value("vendorCode", std::string()) == "PERIOD_CLOSED"
                         && facts.value("connector", std::string()) == "erp",
                     e.dump().c_str());
        }
        // The three invoices, and the first invoice of each new customer's subscription.
        QVERIFY2(closed >= before + 3, qPrintable(QString::number(closed)));
    }

    void amendmentsOfOneSubscriptionApplyInArrivalOrder()
    {
        int checked = 0;
        const QStringList problems = demo::amendmentOrderProblems(
            closedWon(QStringLiteral("AMD-")), exceptionsOf(QStringLiteral("subscription-amendment")),
            [this](const QString &path) { return billingGet(path); }, checked);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("; "))));
        QVERIFY2(checked > 0, "no subscription was amended twice without an exception");
        qInfo("%d subscriptions amended back to back: billing has the later amendment's items", checked);
    }
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
