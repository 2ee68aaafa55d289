#include "app/sandbox/sandbox.h"
#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/net/signature.h"

#include <QDate>
#include <QDateTime>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>

using namespace syncline;
using namespace syncline::engine::net;
using Json = nlohmann::json;

namespace {

const QString kProgram = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-sandbox");
const QByteArray kBilling = "Bearer sk_test_sandbox";

struct Answer
{
    int status = 0; // 0: no answer (connection failed or reset)
    Json body;
    HttpResponse raw;
};

// Talks to one sandbox over real HTTP on loopback.
class Client
{
public:
    explicit Client(quint16 port)
        : m_base(QStringLiteral("http://127.0.0.1:%1").arg(port))
    {}

    std::future<HttpOutcome> start(const QByteArray &method, const QString &path,
                                   const QByteArray &body = {}, HttpHeaders headers = {})
    {
        HttpRequest request;
        request.method = method;
        request.url = m_base + path;
        request.body = body;
        request.headers = std::move(headers);
        if (!body.isEmpty() && !path.endsWith(QLatin1String("/token"))) {
            request.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
        }
        request.totalTimeoutMs = 10'000;
        return m_http.send(request);
    }

    static Answer answer(const HttpOutcome &outcome)
    {
        Answer answer;
        if (!outcome.response.ok()) {
            return answer;
        }
        answer.raw = *outcome.response;
        answer.status = answer.raw.status;
        answer.body = Json::parse(answer.raw.body.toStdString(), nullptr, false);
        return answer;
    }

    Answer call(const QByteArray &method, const QString &path, const Json &body = Json(),
                HttpHeaders headers = {})
    {
        const QByteArray bytes = body.is_null() ? QByteArray()
                                                : QByteArray::fromStdString(body.dump());
        return answer(start(method, path, bytes, std::move(headers)).get());
    }

    Answer billing(const QByteArray &method, const QString &path, const Json &body = Json(),
                   const QByteArray &key = {})
    {
        HttpHeaders headers = {{"Authorization", kBilling}};
        if (!key.isEmpty()) {
            headers.append({QByteArray("Idempotency-Key"), key});
        }
        return call(method, QStringLiteral("/billing/v1") + path, body, headers);
    }

    /// "Bearer …" from an OAuth 2 client-credentials token endpoint.
    QByteArray token(const QString &path, const QByteArray &secret)
    {
        const Answer token = answer(start("POST", path,
                                          "grant_type=client_credentials&client_id=syncline-"
                                          "integration&client_secret="
                                              + secret,
                                          {{"Content-Type",
                                            "application/x-www-form-urlencoded"}})
                                        .get());
        return "Bearer " + QByteArray::fromStdString(token.body.value("access_token", ""));
    }
    QByteArray erpToken()
    {
        return token(QStringLiteral("/erp/oauth2/token"), "sandbox-erp-client-secret");
    }
    QByteArray crmToken()
    {
        return token(QStringLiteral("/crm/services/oauth2/token"), "sandbox-crm-client-secret");
    }

    Answer erp(const QByteArray &method, const QString &path, const Json &body = Json())
    {
        if (m_erpToken.isEmpty()) {
            m_erpToken = erpToken();
        }
        return call(method, QStringLiteral("/erp/api/v1") + path, body,
                    {{"Authorization", m_erpToken}});
    }

    Json ledger(const QString &query = {})
    {
        return call("GET", QStringLiteral("/_sandbox/ledger") + query).body;
    }

private:
    QString m_base;
    HttpClient m_http;
    QByteArray m_erpToken;
};

// Receives webhooks, remembering each request's headers and body.
class Receiver
{
public:
    Receiver()
    {
        QVERIFY(m_server
                    .listen({}, [this](ServerRequest request, Responder respond) {
                        {
                            std::lock_guard lock(m_mutex);
                            m_requests.append(request);
                        }
                        m_arrived.notify_all();
                        respond(ServerResponse::json(200, "{}"));
                    })
                    .ok());
    }
    QString url(const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.port()).arg(path);
    }
    /// The first request to `path` whose body contains `needle`, waiting up to 5 s.
    std::optional<ServerRequest> waitFor(const QByteArray &path, const QByteArray &needle)
    {
        std::unique_lock lock(m_mutex);
        std::optional<ServerRequest> found;
        m_arrived.wait_for(lock, std::chrono::seconds(5), [&] {
            for (const ServerRequest &request : m_requests) {
                if (request.path == path && request.body.contains(needle)) {
                    found = request;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

private:
    HttpServer m_server;
    std::mutex m_mutex;
    std::condition_variable m_arrived;
    QList<ServerRequest> m_requests;
};

QString today()
{
    return QDate::currentDate().toString(QStringLiteral("dd/MM/yyyy"));
}

Json erpInvoice(const QString &reference, const Json &line)
{
    return {{"CustomerNumber", "C-00001"},
            {"TranDate", today().toStdString()},
            {"Currency", "USD"},
            {"ExternalReference", reference.toStdString()},
            {"Lines", Json::array({line})}};
}

} // namespace

class tst_Sandbox : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void idempotencyReplaysTheStoredResponse();
    void idempotencyKeyWithAnotherBodyIs422();
    void idempotencyKeyInFlightIs409();
    void billingPagesWithStartingAfter();
    void pricesAreFoundByLookupKey();
    void otherVendorsPage();
    void crmPagesWithQueryLocators();
    void usageRefusesRepeatedEvents();
    void dataTablesAreAppendOnly();
    void erpRefusesBadDocuments_data();
    void erpRefusesBadDocuments();
    void erpRateLimitAnswers429WithRetryAfter();
    void erpDuplicatesShowInTheLedger();
    void webhooksAreSignedAsTheEngineVerifies();
    void faultsRepeatUnderASeed();
    void acceptThenResetKeepsTheDocument();
    void trafficSendsSignedWebhooksWithBadData();
    void resetEmptiesTheLedger();
    void stateSurvivesARestart();
    void programStartsAndExplainsItself();

private:
    void startSandbox();
    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    std::unique_ptr<Client> m_client;
};

void tst_Sandbox::startSandbox()
{
    sandbox::SandboxOptions options;
    options.port = 0;
    options.statePath = m_dir.filePath(QStringLiteral("sandbox.sqlite"));
    auto started = sandbox::Sandbox::start(options);
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
    m_sandbox = std::move(*started);
    m_client = std::make_unique<Client>(m_sandbox->port());
}

void tst_Sandbox::init()
{
    QVERIFY(m_dir.isValid());
    QFile::remove(m_dir.filePath(QStringLiteral("sandbox.sqlite")));
    startSandbox();
}

void tst_Sandbox::cleanup()
{
    m_client.reset();
    m_sandbox.reset();
    for (const char *suffix : {"", "-wal", "-shm"}) {
        QFile::remove(m_dir.filePath(QStringLiteral("sandbox.sqlite") + QLatin1String(suffix)));
    }
}

void tst_Sandbox::idempotencyReplaysTheStoredResponse()
{
    const Json customer = {{"name", "Acme"}, {"currency", "usd"},
                           {"metadata", {{"global_account_id", "ACC-000001"}}}};
    const Answer first = m_client->billing("POST", QStringLiteral("/customers"), customer, "key-1");
    const Answer second = m_client->billing("POST", QStringLiteral("/customers"), customer, "key-1");
    QCOMPARE(first.status, 200);
    QCOMPARE(second.status, 200);
    QVERIFY(first.body["id"] == second.body["id"]);
    QCOMPARE(second.raw.header("idempotent-replayed"), QByteArray("true"));
    const Json ledger = m_client->ledger(QStringLiteral("?system=billing&type=customer"));
    QCOMPARE(ledger["documents"].size(), size_t(1));
    QVERIFY(ledger["documents"][0]["idempotencyKey"] == "key-1");
    QVERIFY(ledger["systems"]["billing"]["duplicatesRefused"] == 1);
}

void tst_Sandbox::idempotencyKeyWithAnotherBodyIs422()
{
    QCOMPARE(m_client->billing("POST", QStringLiteral("/customers"), {{"name", "Acme"}}, "key-2")
                 .status,
             200);
    const Answer reused = m_client->billing("POST", QStringLiteral("/customers"),
                                            {{"name", "Globex"}}, "key-2");
    QCOMPARE(reused.status, 422);
    QVERIFY(reused.body["error"]["type"] == "idempotency_error");
    QVERIFY(reused.body["error"]["code"] == "idempotency_key_reused");
}

void tst_Sandbox::idempotencyKeyInFlightIs409()
{
    // The first request is held for 500 ms after it took the key.
    const Json faults = {{"rules", Json::array({{{"system", "billing"}, {"method", "POST"},
                                                 {"path", "/billing/v1/customers"},
                                                 {"latencyMs", 500}}})}};
    QCOMPARE(m_client->call("PUT", QStringLiteral("/_sandbox/faults"), faults).status, 200);
    const QByteArray body = R"({"name":"Acme"})";
    const HttpHeaders headers = {{"Authorization", kBilling}, {"Idempotency-Key", "key-3"}};
    // Whichever arrives first holds the key for 500 ms; the other meets it in flight.
    auto first = m_client->start("POST", QStringLiteral("/billing/v1/customers"), body, headers);
    auto second = m_client->start("POST", QStringLiteral("/billing/v1/customers"), body, headers);
    const Answer a = Client::answer(first.get());
    const Answer b = Client::answer(second.get());
    QCOMPARE(QSet<int>({a.status, b.status}), QSet<int>({200, 409}));
    const Answer &original = a.status == 200 ? a : b;
    const Answer &conflict = a.status == 409 ? a : b;
    QVERIFY(conflict.body["error"]["code"] == "idempotency_key_in_use");
    const Answer replay = Client::answer(
        m_client->start("POST", QStringLiteral("/billing/v1/customers"), body, headers).get());
    QCOMPARE(replay.status, 200);
    QVERIFY(replay.body["id"] == original.body["id"]);
}

void tst_Sandbox::billingPagesWithStartingAfter()
{
    // 5 seeded products × 3 currencies = 15 prices, newest first, 4 a page.
    QSet<QString> seen;
    QString after;
    int pages = 0;
    for (bool more = true; more; ++pages) {
        const Answer page = m_client->billing(
            "GET", QStringLiteral("/prices?limit=4")
                       + (after.isEmpty() ? QString() : QStringLiteral("&starting_after=") + after));
        QCOMPARE(page.status, 200);
        QVERIFY(page.body["object"] == "list");
        for (const Json &price : page.body["data"]) {
            const QString id = QString::fromStdString(price["id"].get<std::string>());
            QVERIFY2(!seen.contains(id), qPrintable(id));
            seen.insert(id);
            after = id;
        }
        more = page.body["has_more"].get<bool>();
        QVERIFY(pages < 10);
    }
    QCOMPARE(seen.size(), 15);
    QCOMPARE(pages, 4);
    QCOMPARE(m_client->billing("GET", QStringLiteral("/prices?starting_after=price_nope")).status,
             400);
}

void tst_Sandbox::pricesAreFoundByLookupKey()
{
    // Seeded prices carry <sku>_<currency>_month (one-off: <sku>_<currency>); several keys at
    // once, in the order asked, unknown keys left out.
    const Answer listed = m_client->billing(
        "GET", QStringLiteral("/prices?lookup_keys[]=CLOUD-PRO_usd_month&lookup_keys[]=NOPE_usd_month"
                              "&lookup_keys[]=ONBOARDING_eur&expand[]=data.product"));
    QCOMPARE(listed.status, 200);
    QVERIFY2(listed.body["data"].size() == 2, listed.body.dump().c_str());
    QVERIFY(listed.body["data"][0]["lookup_key"] == "CLOUD-PRO_usd_month");
    QVERIFY(listed.body["data"][0]["unit_amount"] == 19900);
    QVERIFY(listed.body["data"][0]["product"]["metadata"]["gl_revenue_account"] == "4000");
    QVERIFY(listed.body["data"][1]["lookup_key"] == "ONBOARDING_eur");
    QVERIFY(listed.body["data"][1]["currency"] == "eur");
    // Without expand the product stays an id.
    const Answer plain = m_client->billing("GET", QStringLiteral("/prices?lookup_keys[]=CLOUD-STD_gbp_month"));
    QVERIFY(plain.body["data"][0]["product"] == "prod_CLOUDSTD");

    // Search with OR, as the lead-to-cash flow asks in one request.
    const Answer searched = m_client->billing(
        "GET", QStringLiteral("/prices/search?query=") + QString::fromLatin1(QUrl::toPercentEncoding(
                   QStringLiteral("lookup_key:'CLOUD-ENT_usd_month' OR lookup_key:'CLOUD-STD_usd_month'"))));
    QCOMPARE(searched.status, 200);
    QVERIFY(searched.body["object"] == "search_result");
    QVERIFY2(searched.body["data"].size() == 2, searched.body.dump().c_str());
    QVERIFY(searched.body["data"][1]["unit_amount"] == 4900);
    QCOMPARE(m_client->billing("GET", QStringLiteral("/prices/search?query=currency:'usd'")).status, 400);

    // A key is settable on create and names one price only.
    const Answer created = m_client->billing(
        "POST", QStringLiteral("/prices"),
        {{"product", "prod_CLOUDPRO"}, {"currency", "usd"}, {"unit_amount", 17900},
         {"recurring", {{"interval", "month"}}}, {"lookup_key", "CLOUD-PRO_usd_month_2027"}});
    QCOMPARE(created.status, 200);
    QVERIFY(created.body["lookup_key"] == "CLOUD-PRO_usd_month_2027");
    const Answer found = m_client->billing("GET", QStringLiteral("/prices?lookup_keys[]=CLOUD-PRO_usd_month_2027"));
    QVERIFY(found.body["data"][0]["id"] == created.body["id"]);
    const Answer taken = m_client->billing(
        "POST", QStringLiteral("/prices"),
        {{"product", "prod_CLOUDPRO"}, {"currency", "usd"}, {"unit_amount", 100},
         {"lookup_key", "CLOUD-PRO_usd_month"}});
    QCOMPARE(taken.status, 400);
    QVERIFY(taken.body["error"]["code"] == "lookup_key_in_use");
}

void tst_Sandbox::otherVendorsPage()
{
    // ERP: limit/offset with totalResults.
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(m_client->erp("POST", QStringLiteral("/customers"),
                               {{"Name", "C" + std::to_string(i)}, {"Subsidiary", "US01"},
                                {"Currency", "USD"}})
                     .status,
                 201);
    }
    const Answer erpPage = m_client->erp("GET", QStringLiteral("/customers?limit=2&offset=4"));
    QVERIFY(erpPage.body["totalResults"] == 5);
    QVERIFY(erpPage.body["items"].size() == 1);
    QVERIFY(erpPage.body["hasMore"] == false);
    // Support: cursor pages.
    const QByteArray basic = "Basic "
                             + QByteArray("syncline-integration/token:sandbox-support-token")
                                   .toBase64();
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(m_client->call("POST", QStringLiteral("/support/api/v2/organizations.json"),
                                {{"organization", {{"name", "Org " + std::to_string(i)}}}},
                                {{"Authorization", basic}})
                     .status,
                 201);
    }
    const Answer first = m_client->call("GET", QStringLiteral("/support/api/v2/organizations.json"
                                                              "?page[size]=2"),
                                        Json(), {{"Authorization", basic}});
    QVERIFY(first.body["meta"]["has_more"] == true);
    const QString after = QString::fromStdString(first.body["meta"]["after_cursor"]);
    const Answer second = m_client->call("GET",
                                         QStringLiteral("/support/api/v2/organizations.json"
                                                        "?page[size]=2&page[after]=")
                                             + after,
                                         Json(), {{"Authorization", basic}});
    QVERIFY(second.body["organizations"].size() == 1);
    QVERIFY(second.body["organizations"][0]["name"] == "Org 2");
    QVERIFY(second.body["meta"]["has_more"] == false);
}

void tst_Sandbox::crmPagesWithQueryLocators()
{
    const HttpHeaders headers = {{"Authorization", m_client->crmToken()},
                                 {"Sforce-Query-Options", "batchSize=2"}};
    // The five seeded products, two a page.
    QString next = QStringLiteral("/crm/services/data/v59.0/query?q=SELECT+FIELDS(ALL)+FROM+"
                                  "Product2");
    QStringList codes;
    for (int pages = 0; !next.isEmpty(); ++pages) {
        QVERIFY(pages < 5);
        const Answer page = m_client->call("GET", next, Json(), headers);
        QCOMPARE(page.status, 200);
        QVERIFY(page.body["totalSize"] == 5);
        for (const Json &record : page.body["records"]) {
            QVERIFY(record["attributes"]["type"] == "Product2");
            codes.append(QString::fromStdString(record["ProductCode"]));
        }
        next = page.body["done"].get<bool>()
                   ? QString()
                   : QString::fromStdString(page.body["nextRecordsUrl"]);
    }
    QCOMPARE(codes.size(), 5);
    QCOMPARE(codes.first(), QStringLiteral("CLOUD-STD"));
    const Answer filtered = m_client->call(
        "GET",
        QStringLiteral("/crm/services/data/v59.0/query?q=SELECT+Id+FROM+Product2+WHERE+"
                       "ProductCode+%3D+%27API-CALLS%27"),
        Json(), headers);
    QVERIFY(filtered.body["totalSize"] == 1);
    const Answer malformed = m_client->call(
        "GET", QStringLiteral("/crm/services/data/v59.0/query?q=DELETE+Account"), Json(), headers);
    QCOMPARE(malformed.status, 400);
    QVERIFY(malformed.body[0]["errorCode"] == "MALFORMED_QUERY");
    QCOMPARE(m_client->call("GET", QStringLiteral("/crm/services/data/v59.0/query?q=x")).status,
             401);
}

void tst_Sandbox::usageRefusesRepeatedEvents()
{
    const HttpHeaders key = {{"X-Api-Key", "sandbox-usage-key"}};
    const Json event = {{"id", "0b7c9a52-6f3e-4f0e-9d1e-2f9c8e4b1a01"}, {"account_id", "ACC-000001"},
                        {"metric", "apiCalls"}, {"quantity", "125"},
                        {"timestamp", "2026-11-22T21:00:00Z"}};
    const Answer first = m_client->call("POST", QStringLiteral("/usage/v1/events"),
                                        {{"events", Json::array({event, event})}}, key);
    QCOMPARE(first.status, 202);
    QVERIFY(first.body["accepted"] == 1);
    QVERIFY(first.body["duplicates"] == 1);
    const Answer events = m_client->call("GET", QStringLiteral("/usage/v1/events?limit=10"),
                                         Json(), key);
    QVERIFY(events.body["data"].size() == 1);
    QVERIFY(m_client->ledger()["systems"]["usage"]["duplicatesRefused"] == 1);
    QCOMPARE(m_client->call("GET", QStringLiteral("/usage/v1/events")).status, 401);
}

void tst_Sandbox::dataTablesAreAppendOnly()
{
    const HttpHeaders token = {{"Authorization", "Bearer sandbox-data-token"}};
    const Answer inserted = m_client->call("POST", QStringLiteral("/data/v1/tables/invoices/rows"),
                                           {{"rows", Json::array({{{"event_id", "e1"}},
                                                                  {{"event_id", "e2"}},
                                                                  {{"event_id", "e3"}}})}},
                                           token);
    QCOMPARE(inserted.status, 201);
    QVERIFY(inserted.body["lastSequence"] == 3);
    const Answer page = m_client->call("GET",
                                       QStringLiteral("/data/v1/tables/invoices/rows?after=1&"
                                                      "limit=1"),
                                       Json(), token);
    QVERIFY(page.body["rows"][0]["event_id"] == "e2");
    QVERIFY(page.body["hasMore"] == true);
    QCOMPARE(m_client->call("DELETE", QStringLiteral("/data/v1/tables/invoices/rows"), Json(),
                            token)
                 .status,
             405);
    QCOMPARE(m_client->call("POST", QStringLiteral("/data/v1/tables/Bad-Name/rows"),
                            {{"rows", Json::array({Json::object()})}}, token)
                 .status,
             400);
}

void tst_Sandbox::erpRefusesBadDocuments_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("code");
    QTest::newRow("unknown GL account") << "AccountCode" << "9999" << "INVALID_KEY_OR_REF";
    QTest::newRow("closed period") << "TranDate" << "15/01/2020" << "PERIOD_CLOSED";
    QTest::newRow("missing tax code") << "TaxCode" << "" << "MISSING_TAX_CODE";
    QTest::newRow("unknown tax code") << "TaxCode" << "XX-1" << "INVALID_TAX_CODE";
    QTest::newRow("currency mismatch") << "Currency" << "EUR" << "CURRENCY_MISMATCH";
    QTest::newRow("date not dd/MM/yyyy") << "TranDate" << "2026-01-15" << "INVALID_DATE_FORMAT";
    QTest::newRow("unknown customer") << "CustomerNumber" << "C-99999" << "INVALID_KEY_OR_REF";
    QTest::newRow("three decimals") << "Amount" << "10.005" << "INVALID_AMOUNT";
}

void tst_Sandbox::erpRefusesBadDocuments()
{
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, code);
    QCOMPARE(m_client->erp("PUT", QStringLiteral("/customers/eid:ACC-000001"),
                           {{"Name", "Acme"}, {"Subsidiary", "US01"}, {"Currency", "USD"}})
                 .status,
             201);
    Json line = {{"Amount", "100.00"}, {"AccountCode", "4000"}, {"TaxCode", "US-STD"}};
    Json invoice = erpInvoice(QStringLiteral("in_bad"), line);
    const std::string member = field.toStdString();
    if (line.contains(member)) {
        if (value.isEmpty()) {
            invoice["Lines"][0].erase(member);
        } else {
            invoice["Lines"][0][member] = value.toStdString();
        }
    } else {
        invoice[member] = value.toStdString();
    }
    const Answer refused = m_client->erp("POST", QStringLiteral("/invoices"), invoice);
    QCOMPARE(refused.status, 400);
    QCOMPARE(QString::fromStdString(refused.body["o:errorDetails"][0]["o:errorCode"]), code);
    QVERIFY(m_client->ledger(QStringLiteral("?system=erp&type=invoice"))["documents"].empty());
}

void tst_Sandbox::erpRateLimitAnswers429WithRetryAfter()
{
    const QByteArray token = m_client->erpToken();
    // Burst 10, 5 a second: 20 requests at once cannot all pass.
    std::vector<std::future<HttpOutcome>> calls;
    for (int i = 0; i < 20; ++i) {
        calls.push_back(m_client->start("GET", QStringLiteral("/erp/api/v1/accounts"), {},
                                        {{"Authorization", token}}));
    }
    int limited = 0;
    for (auto &call : calls) {
        const Answer answer = Client::answer(call.get());
        if (answer.status == 429) {
            ++limited;
            QVERIFY(answer.raw.header("retry-after").toInt() >= 1);
            QVERIFY(answer.body["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED");
        } else {
            QCOMPARE(answer.status, 200);
        }
    }
    QVERIFY(limited >= 5);
}

void tst_Sandbox::erpDuplicatesShowInTheLedger()
{
    QCOMPARE(m_client->erp("PUT", QStringLiteral("/customers/eid:ACC-000001"),
                           {{"Name", "Acme"}, {"Subsidiary", "US01"}, {"Currency", "USD"}})
                 .status,
             201);
    const Json invoice = erpInvoice(QStringLiteral("in_42"),
                                    {{"Quantity", 3}, {"Rate", "33.37"}, {"AccountCode", "4000"},
                                     {"TaxCode", "US-STD"}, {"TaxAmount", "8.01"}});
    const Answer first = m_client->erp("POST", QStringLiteral("/invoices"), invoice);
    const Answer second = m_client->erp("POST", QStringLiteral("/invoices"), invoice);
    QCOMPARE(first.status, 201);
    QCOMPARE(second.status, 201);
    QVERIFY(first.body["Total"] == "108.12");
    QVERIFY(first.body["DocumentNumber"] != second.body["DocumentNumber"]);
    const Json ledger = m_client->ledger(QStringLiteral("?system=erp&type=invoice"));
    QVERIFY(ledger["systems"]["erp"]["duplicatesCreated"] == 1);
    QVERIFY(ledger["documents"][1]["duplicateOf"] == first.body["DocumentNumber"]);
    QVERIFY(ledger["documents"][1]["businessKey"] == "in_42");
}

void tst_Sandbox::webhooksAreSignedAsTheEngineVerifies()
{
    Receiver receiver;
    const Json endpoints = {{"endpoints", {{"billing", receiver.url(QStringLiteral("/billing")).toStdString()},
                                           {"crm", receiver.url(QStringLiteral("/crm")).toStdString()}}}};
    QCOMPARE(m_client->call("PUT", QStringLiteral("/_sandbox/webhooks"), endpoints).status, 200);
    const Answer customer = m_client->billing("POST", QStringLiteral("/customers"),
                                              {{"name", "Acme"}, {"currency", "usd"}});
    const Answer invoice = m_client->billing(
        "POST", QStringLiteral("/invoices"),
        {{"customer", customer.body["id"]},
         {"lines", Json::array({{{"price", "price_CLOUDPRO_usd"}, {"quantity", 3}}})}});
    QCOMPARE(invoice.status, 200);
    QVERIFY(invoice.body["total"] == 59700);
    const auto billing = receiver.waitFor("/billing", "invoice.finalized");
    QVERIFY(billing.has_value());
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QVERIFY(verifySignature(SignatureScheme::TimestampedV1, billing->header("stripe-signature"),
                            billing->body, {"whsec_sandbox_billing"}, now)
                .ok());
    QVERIFY(!verifySignature(SignatureScheme::TimestampedV1, billing->header("stripe-signature"),
                             billing->body, {"whsec_other"}, now)
                 .ok());
    QVERIFY(Json::parse(billing->body.toStdString())["data"]["object"]["amount_due"] == 59700);

    // A CRM token, an account, then an opportunity closed won.
    const HttpHeaders crm = {{"Authorization", m_client->crmToken()}};
    const QString api = QStringLiteral("/crm/services/data/v59.0/sobjects/");
    const Answer account = m_client->call("POST", api + QStringLiteral("Account"),
                                          {{"Name", "Acme"}}, crm);
    QCOMPARE(account.status, 201);
    const Answer opportunity = m_client->call(
        "POST", api + QStringLiteral("Opportunity"),
        {{"Name", "Acme 50"}, {"StageName", "Prospecting"}, {"CloseDate", "2026-11-30"},
         {"AccountId", account.body["id"]}},
        crm);
    QCOMPARE(opportunity.status, 201);
    QCOMPARE(m_client
                 ->call("PATCH",
                        api + QStringLiteral("Opportunity/")
                            + QString::fromStdString(opportunity.body["id"]),
                        {{"StageName", "Closed Won"}}, crm)
                 .status,
             204);
    const auto won = receiver.waitFor("/crm", "opportunity.closedWon");
    QVERIFY(won.has_value());
    QVERIFY(verifySignature(SignatureScheme::Sha256Prefixed, won->header("x-syncline-signature"),
                            won->body, {"sandbox-crm-webhook-secret"}, now)
                .ok());
    QVERIFY(Json::parse(won->body.toStdString())["account"]["Global_Account_Id__c"]
            == "ACC-000001");
}

void tst_Sandbox::faultsRepeatUnderASeed()
{
    const Json faults = {{"seed", 7},
                         {"rules", Json::array({{{"system", "billing"}, {"method", "GET"},
                                                 {"path", "/billing/v1/products*"},
                                                 {"errorRate", 0.5}, {"errorStatus", 503}}})}};
    QList<int> runs[2];
    for (QList<int> &run : runs) {
        QCOMPARE(m_client->call("PUT", QStringLiteral("/_sandbox/faults"), faults).status, 200);
        for (int i = 0; i < 20; ++i) {
            const Answer answer = m_client->billing("GET", QStringLiteral("/products"));
            run.append(answer.status);
            if (answer.status == 503) {
                QVERIFY(answer.body["error"]["type"] == "api_error");
                QCOMPARE(answer.raw.header("retry-after"), QByteArray("1"));
            }
        }
    }
    QCOMPARE(runs[0], runs[1]);
    QVERIFY(runs[0].contains(200));
    QVERIFY(runs[0].contains(503));
    const Json described = m_client->call("GET", QStringLiteral("/_sandbox/faults")).body;
    QVERIFY(described["rules"][0]["counts"]["matched"] == 20);
    QCOMPARE(m_client->call("PUT", QStringLiteral("/_sandbox/faults"),
                            {{"rules", Json::array({{{"errorRate", 2}}})}})
                 .status,
             400);
}

void tst_Sandbox::acceptThenResetKeepsTheDocument()
{
    const Json faults = {{"rules", Json::array({{{"system", "erp"}, {"method", "POST"},
                                                 {"path", "/erp/api/v1/customers"},
                                                 {"resetRate", 1.0}}})}};
    QCOMPARE(m_client->call("PUT", QStringLiteral("/_sandbox/faults"), faults).status, 200);
    // A client of its own, so the POST goes out on a new connection: libcurl sends a request
    // again by itself when a reused connection closes without an answer.
    const QByteArray token = m_client->erpToken();
    Client fresh(m_sandbox->port());
    const Answer reset = fresh.call("POST", QStringLiteral("/erp/api/v1/customers"),
                                    {{"Name", "Acme"}, {"Subsidiary", "US01"},
                                     {"Currency", "USD"}, {"ExternalReference", "ACC-7"}},
                                    {{"Authorization", token}});
    QCOMPARE(reset.status, 0); // the client saw the connection close without an answer
    const Json ledger = m_client->ledger(QStringLiteral("?system=erp"));
    QCOMPARE(ledger["documents"].size(), size_t(1));
    QVERIFY(ledger["documents"][0]["businessKey"] == "ACC-7");
    QCOMPARE(m_client->erp("GET", QStringLiteral("/customers/C-00001")).status, 200);
}

void tst_Sandbox::trafficSendsSignedWebhooksWithBadData()
{
    Receiver receiver;
    // Every event bad: the nine kinds take turns, each in its own scenario (twice round).
    const Json start = {{"ratePerSecond", 200}, {"maxEvents", 18}, {"badDataShare", 1.0},
                        {"seed", 3}, {"customers", 2}, {"mix", {{"invoiceIssued", 1}}},
                        {"targets",
                         {{"billing", receiver.url(QStringLiteral("/billing")).toStdString()}}}};
    QCOMPARE(m_client->call("POST", QStringLiteral("/_sandbox/traffic/start"), start).status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_client->call("GET", QStringLiteral("/_sandbox/traffic")).body["running"] == false,
        10'000);
    const Json status = m_client->call("GET", QStringLiteral("/_sandbox/traffic")).body;
    QVERIFY2(status["sent"] == Json({{"invoiceIssued", 10}, {"opportunityClosedWon", 2}, {"paymentFailed", 2},
                                     {"opportunityAmended", 2}, {"usageEvents", 2}}),
             status["sent"].dump().c_str());
    const Json byKind = {{"invoiceIssued", {{"missingTaxCode", 2}, {"unknownCustomer", 2}, {"invalidGlAccount", 2},
                                            {"currencyMismatch", 2}, {"duplicateEvent", 2}}},
                         {"opportunityClosedWon", {{"unknownProduct", 2}}},
                         {"paymentFailed", {{"unknownCustomer", 2}}},
                         {"opportunityAmended", {{"currencyMismatch", 2}}},
                         {"usageEvents", {{"repeatedUsageEvent", 2}}}};
    QVERIFY2(status["badByKind"] == byKind, status["badByKind"].dump().c_str());
    QVERIFY(status["bad"]["unknownCustomer"] == 4 && status["bad"]["currencyMismatch"] == 4);
    QVERIFY2(status["lastError"] == "", status["lastError"].dump().c_str());
    const auto invoice = receiver.waitFor("/billing", "traffic-invoice-");
    QVERIFY(invoice.has_value());
    QVERIFY(verifySignature(SignatureScheme::TimestampedV1, invoice->header("stripe-signature"),
                            invoice->body, {"whsec_sandbox_billing"},
                            QDateTime::currentSecsSinceEpoch())
                .ok());
    const Json ledger = m_client->ledger(QStringLiteral("?system=billing&type=invoice&origin="
                                                        "traffic"));
    QVERIFY(ledger["documents"].size() >= 10);
    QCOMPARE(m_client->call("POST", QStringLiteral("/_sandbox/traffic/start"),
                            {{"ratePerSecond", -1}})
                 .status,
             400);
}

void tst_Sandbox::resetEmptiesTheLedger()
{
    QCOMPARE(m_client->billing("POST", QStringLiteral("/customers"), {{"name", "Acme"}}).status,
             200);
    QCOMPARE(m_client->call("POST", QStringLiteral("/_sandbox/reset")).status, 200);
    const Json ledger = m_client->ledger();
    QVERIFY(ledger["systems"]["billing"]["documents"] == 0);
    QCOMPARE(m_client->billing("GET", QStringLiteral("/prices/price_CLOUDPRO_usd")).status, 200);
    QCOMPARE(m_client->billing("GET", QStringLiteral("/customers")).body["data"].size(),
             size_t(0));
}

void tst_Sandbox::stateSurvivesARestart()
{
    const Answer customer = m_client->billing("POST", QStringLiteral("/customers"),
                                              {{"name", "Acme"}}, "key-restart");
    QCOMPARE(customer.status, 200);
    const Json faults = {{"rules", Json::array({{{"system", "crm"}, {"errorRate", 0.25}}})}};
    QCOMPARE(m_client->call("PUT", QStringLiteral("/_sandbox/faults"), faults).status, 200);
    m_client.reset();
    m_sandbox.reset();
    startSandbox();
    const QString id = QString::fromStdString(customer.body["id"]);
    QCOMPARE(m_client->billing("GET", QStringLiteral("/customers/") + id).status, 200);
    const Answer replay = m_client->billing("POST", QStringLiteral("/customers"),
                                            {{"name", "Acme"}}, "key-restart");
    QVERIFY(replay.body["id"] == customer.body["id"]);
    const Json described = m_client->call("GET", QStringLiteral("/_sandbox/faults")).body;
    QVERIFY(described["rules"][0]["errorRate"] == 0.25);
    QCOMPARE(m_client->billing("GET", QStringLiteral("/prices?limit=100")).body["data"].size(),
             size_t(15)); // reference data was not seeded twice
}

void tst_Sandbox::programStartsAndExplainsItself()
{
    QProcess help;
    help.start(kProgram, {QStringLiteral("--help")});
    QVERIFY(help.waitForFinished(10'000));
    QCOMPARE(help.exitCode(), 0);
    QVERIFY(help.readAllStandardOutput().contains("--state"));

    QProcess missing;
    missing.start(kProgram, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    QVERIFY(missing.waitForFinished(10'000));
    QCOMPARE(missing.exitCode(), 2);
    QVERIFY(missing.readAllStandardError().contains("--state FILE is required"));

    QProcess program;
    program.start(kProgram, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                             QStringLiteral("--state"),
                             m_dir.filePath(QStringLiteral("program.sqlite"))});
    QVERIFY(program.waitForReadyRead(10'000));
    const QByteArray line = program.readLine();
    QVERIFY2(line.startsWith("syncline-sandbox listening on http://127.0.0.1:"), line.constData());
    QVERIFY(line.contains("program.sqlite"));
    const quint16 port = quint16(line.mid(line.lastIndexOf(':') + 1).split(' ').first().toUInt());
    Client client(port);
    QCOMPARE(client.call("GET", QStringLiteral("/_sandbox/health")).status, 200);
    const Answer unknown = client.call("GET", QStringLiteral("/nowhere"));
    QCOMPARE(unknown.status, 404);
    QVERIFY(unknown.raw.header("content-type").contains("problem+json"));
    program.terminate();
    QVERIFY(program.waitForFinished(10'000));
    QCOMPARE(program.exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_Sandbox)
#include "tst_sandbox.moc"
