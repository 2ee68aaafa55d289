#include "app/sandbox/traffic.h"

#include "app/sandbox/router.h"
#include "app/sandbox/webhooks.h"

#include <QDateTime>
#include <QUuid>

namespace syncline::sandbox {

using engine::Error;
using engine::Result;

namespace {

const QByteArray kCrm = "/crm/services/data/v59.0/sobjects/";
// The kinds of bad data, in the turn they come, each with the scenario that carries it (none:
// the drawn scenario's webhook sent again). Every scenario whose data can be wrong in a way a
// business user must fix has its turn; the invoice carries the most.
struct BadData
{
    const char *kind;
    const char *scenario;
};
constexpr BadData kBadData[] = {
    {"missingTaxCode", "invoiceIssued"},     {"unknownCustomer", "invoiceIssued"},
    {"invalidGlAccount", "invoiceIssued"},   {"currencyMismatch", "invoiceIssued"},
    {"duplicateEvent", nullptr},             {"unknownProduct", "opportunityClosedWon"},
    {"unknownCustomer", "paymentFailed"},    {"currencyMismatch", "opportunityAmended"},
    {"repeatedUsageEvent", "usageEvents"}};
const QStringList kKinds = {QStringLiteral("opportunityClosedWon"),
                            QStringLiteral("opportunityAmended"), QStringLiteral("invoiceIssued"),
                            QStringLiteral("paymentFailed"), QStringLiteral("subscriptionUpdated"),
                            QStringLiteral("ticketCreated"), QStringLiteral("usageEvents"),
                            QStringLiteral("accountChanged")};
constexpr const char *kTaxCode = "US-STD";
constexpr const char *kUnknownProduct = "ONPREM-LICENSE";

Json defaultMix()
{
    return {{"opportunityClosedWon", 1}, {"opportunityAmended", 1}, {"invoiceIssued", 3}, {"paymentFailed", 1},
            {"subscriptionUpdated", 1}, {"ticketCreated", 2},  {"usageEvents", 10},
            {"accountChanged", 1}};
}

Error invalid(const QString &message)
{
    return Error::make(QStringLiteral("SANDBOX_TRAFFIC"), message);
}

} // namespace

Traffic::Traffic(Router &router, Webhooks &webhooks)
    : m_router(router)
    , m_webhooks(webhooks)
{}

Traffic::~Traffic()
{
    stop();
}

Result<void> Traffic::start(const Json &config, quint64 defaultSeed)
{
    const double rate = config.value("ratePerSecond", 5.0);
    const double bad = config.value("badDataShare", 0.04);
    const Json mix = config.value("mix", defaultMix());
    if (!config.value("ratePerSecond", Json(1)).is_number() || rate <= 0 || rate > 10'000) {
        return invalid(QStringLiteral("ratePerSecond must be a number above 0 and at most "
                                      "10000"));
    }
    if (bad < 0 || bad > 1) {
        return invalid(QStringLiteral("badDataShare must be from 0 to 1"));
    }
    if (!mix.is_object()) {
        return invalid(QStringLiteral("mix must be an object of kinds and weights"));
    }
    std::map<QString, double> weights;
    for (const auto &[kind, weight] : mix.items()) {
        if (!kKinds.contains(QString::fromStdString(kind)) || !weight.is_number()
            || weight.get<double>() < 0) {
            return invalid(QStringLiteral("mix.%1: kinds are %2, weights non-negative numbers")
                               .arg(QString::fromStdString(kind),
                                    kKinds.join(QStringLiteral(", "))));
        }
        weights[QString::fromStdString(kind)] = weight.get<double>();
    }
    const int customers = config.value("customers", 20);
    if (customers < 1 || customers > 1000) {
        return invalid(QStringLiteral("customers must be 1 to 1000"));
    }
    stop();
    {
        std::lock_guard lock(m_mutex);
        m_config = config;
        m_ratePerSecond = rate;
        m_badShare = bad;
        m_maxEvents = config.value("maxEvents", qint64(0));
        m_mix = weights;
        m_random.seed(config.value("seed", defaultSeed));
        m_eventCount = 0;
        m_sent.clear();
        m_bad.clear();
        m_badByKind.clear();
        m_lastUsageBatch = Json::array();
        m_badIndex = 0;
        m_lastError.clear();
        m_running = true;
        m_stopping = false;
    }
    m_customers.clear();
    makeCustomers(customers);
    m_thread = std::thread([this] { run(); });
    return {};
}

void Traffic::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    std::lock_guard lock(m_mutex);
    m_running = false;
}

Json Traffic::status() const
{
    std::lock_guard lock(m_mutex);
    Json sent = Json::object();
    for (const auto &[kind, count] : m_sent) {
        sent[kind.toStdString()] = count;
    }
    Json bad = Json::object();
    for (const auto &[kind, count] : m_bad) {
        bad[kind.toStdString()] = count;
    }
    Json badByKind = Json::object();
    for (const auto &[scenario, counts] : m_badByKind) {
        for (const auto &[kind, count] : counts) {
            badByKind[scenario.toStdString()][kind.toStdString()] = count;
        }
    }
    const Json deliveries = m_webhooks.statistics();
    qint64 delivered = 0;
    qint64 failed = 0;
    Json ticketAnswer;
    for (const auto &[system, counts] : deliveries.items()) {
        delivered += counts.value("succeeded", qint64(0));
        failed += counts.value("failed", qint64(0));
        if (system == "support") {
            ticketAnswer = counts.value("lastAnswer", Json());
        }
    }
    return {{"running", m_running},
            {"config", m_config},
            {"events", m_eventCount},
            {"sent", sent},
            {"bad", bad},
            {"badByKind", badByKind},
            {"delivered", delivered},
            {"failed", failed},
            {"lastError", m_lastError.toStdString()},
            {"lastTicketAnswer", ticketAnswer}};
}

void Traffic::run()
{
    const auto interval = std::chrono::microseconds(qint64(1'000'000 / m_ratePerSecond));
    auto due = std::chrono::steady_clock::now();
    std::unique_lock lock(m_mutex);
    while (!m_stopping && (m_maxEvents == 0 || m_eventCount < m_maxEvents)) {
        if (m_wake.wait_until(lock, due, [this] { return m_stopping; })) {
            break;
        }
        m_number = ++m_eventCount;
        lock.unlock();
        event();
        lock.lock();
        due += interval;
    }
    m_running = false;
}

double Traffic::uniform()
{
    return double(m_random() >> 11) * 0x1.0p-53;
}

Json Traffic::call(const QByteArray &method, const QByteArray &path, const Json &body)
{
    const auto response = m_router.internal(method, path, body, QStringLiteral("traffic"));
    if (response.status >= 400 && response.status != 402) { // 402: a declined card, on purpose
        std::lock_guard lock(m_mutex);
        m_lastError = QStringLiteral("%1 %2 → %3: %4")
                          .arg(QString::fromLatin1(method), QString::fromUtf8(path))
                          .arg(response.status)
                          .arg(QString::fromUtf8(response.body.left(300)));
    }
    const Json answer = Json::parse(response.body.toStdString(), nullptr, false);
    return answer.is_discarded() ? Json() : answer;
}

std::optional<Traffic::Customer> Traffic::makeCustomer(int index, const QString &currency,
                                                       bool inErp)
{
    Customer customer;
    customer.currency = currency;
    const std::string company = "Traffic Customer " + std::to_string(index);
    const Json account = call("POST", kCrm + "Account",
                              {{"Name", company}, {"BillingCountry", "US"},
                               {"Industry", "Technology"}});
    customer.crmId = text(account, "id");
    const Json stored = call("GET", kCrm + "Account/" + customer.crmId.toUtf8(), Json());
    customer.accountId = text(stored, "Global_Account_Id__c");
    if (customer.accountId.isEmpty()) {
        return std::nullopt;
    }
    if (!inErp) {
        // An account no other system knows: the CRM id is replaced by one outside its range.
        customer.accountId = QStringLiteral("ACC-9%1").arg(index, 6, 10, QLatin1Char('0'));
    }
    const std::string lower = currency.toLower().toStdString();
    const Json billing = call("POST", "/billing/v1/customers",
                              {{"name", company},
                               {"email", "billing" + std::to_string(index) + "@example.com"},
                               {"currency", lower},
                               {"metadata", {{"global_account_id",
                                              customer.accountId.toStdString()}}}});
    customer.billingId = text(billing, "id");
    const Json subscription = call(
        "POST", "/billing/v1/subscriptions",
        {{"customer", customer.billingId.toStdString()},
         {"items", Json::array({{{"price", "price_CLOUDPRO_" + lower}, {"quantity", 5}},
                                {{"price", "price_APICALLS_" + lower}}})},
         {"metadata", {{"global_account_id", customer.accountId.toStdString()}}}});
    customer.subscription = text(subscription, "id");
    if (subscription.contains("items")) {
        customer.item = text(subscription["items"]["data"][0], "id");
        customer.usageItem = text(subscription["items"]["data"][1], "id");
    }
    if (inErp) {
        const Json erp = call("PUT", "/erp/api/v1/customers/eid:" + customer.accountId.toUtf8(),
                              {{"Name", company}, {"LegalName", company + " Inc."},
                               {"Subsidiary", "US01"}, {"Currency", "USD"}});
        customer.erpNumber = text(erp, "CustomerNumber");
    }
    const Json organization = call("POST", "/support/api/v2/organizations/create_or_update.json",
                                   {{"organization", {{"name", company},
                                                      {"external_id",
                                                       customer.accountId.toStdString()}}}});
    customer.supportId = organization.contains("organization")
                             ? organization["organization"].value("id", qint64(0))
                             : 0;
    return customer;
}

void Traffic::makeCustomers(int count)
{
    for (int i = 1; i <= count; ++i) {
        if (auto customer = makeCustomer(i, QStringLiteral("USD"), true)) {
            m_customers.append(*customer);
        }
    }
}

const Traffic::Customer &Traffic::anyCustomer()
{
    return m_customers[int(m_random() % quint64(m_customers.size()))];
}

QString Traffic::pickKind()
{
    double total = 0;
    for (const auto &[kind, weight] : m_mix) {
        total += weight;
    }
    double point = uniform() * total;
    for (const auto &[kind, weight] : m_mix) {
        if (point < weight) {
            return kind;
        }
        point -= weight;
    }
    return m_mix.empty() ? QStringLiteral("invoiceIssued") : m_mix.rbegin()->first;
}

void Traffic::event()
{
    if (m_customers.isEmpty()) {
        return;
    }
    QString kind = pickKind();
    QString bad;
    if (uniform() < m_badShare) {
        const BadData &data = kBadData[m_badIndex++ % std::size(kBadData)];
        bad = QString::fromLatin1(data.kind);
        kind = data.scenario ? QString::fromLatin1(data.scenario) : kind;
    }
    if (kind == QLatin1String("opportunityClosedWon")) {
        opportunityClosedWon(bad);
    } else if (kind == QLatin1String("opportunityAmended")) {
        opportunityAmended(bad);
    } else if (kind == QLatin1String("invoiceIssued")) {
        invoiceIssued(bad);
    } else if (kind == QLatin1String("paymentFailed")) {
        paymentFailed(bad);
    } else if (kind == QLatin1String("subscriptionUpdated")) {
        subscriptionUpdated();
    } else if (kind == QLatin1String("ticketCreated")) {
        ticketCreated();
    } else if (kind == QLatin1String("usageEvents")) {
        usageEvents(bad);
    } else {
        accountChanged();
    }
    if (bad == QLatin1String("duplicateEvent")) {
        const QString system = kind == QLatin1String("ticketCreated")    ? QStringLiteral("support")
                               : kind == QLatin1String("usageEvents")    ? QStringLiteral("usage")
                               : kind == QLatin1String("accountChanged") ? QStringLiteral("crm")
                               : kind.startsWith(QLatin1String("opportunity"))
                                   ? QStringLiteral("crm")
                                   : QStringLiteral("billing");
        m_webhooks.resendLast(system);
    }
    std::lock_guard lock(m_mutex);
    ++m_sent[kind];
    if (!bad.isEmpty()) {
        ++m_bad[bad];
        ++m_badByKind[kind][bad];
    }
}

void Traffic::addLineItem(const QByteArray &opportunityId, const std::string &productCode,
                          qint64 quantity, double unitPrice)
{
    const Json product = call("GET", kCrm + "Product2/ProductCode/" + QByteArray::fromStdString(productCode),
                              Json());
    call("POST", kCrm + "OpportunityLineItem",
         {{"OpportunityId", opportunityId.toStdString()}, {"Product2Id", product.value("Id", "")},
          {"Quantity", quantity}, {"UnitPrice", unitPrice}});
}

void Traffic::opportunityClosedWon(const QString &bad)
{
    // Every third deal is a new logo: an account only the CRM knows yet, which lead-to-cash
    // creates in the ERP, billing and support. A deal with bad data is an existing customer's.
    QString accountId = anyCustomer().crmId;
    if (m_number % 3 == 0 && bad.isEmpty()) {
        const Json account = call("POST", kCrm + "Account",
                                  {{"Name", "New Logo " + std::to_string(m_number)},
                                   {"BillingCountry", "US"}, {"Industry", "Technology"}});
        accountId = text(account, "id");
    }
    const Json opportunity = call("POST", kCrm + "Opportunity",
                                  {{"Name", "Expansion " + std::to_string(m_number)},
                                   {"Type", "New Business"},
                                   {"StageName", "Negotiation/Review"},
                                   {"CloseDate", QDateTime::currentDateTimeUtc().date()
                                                     .toString(Qt::ISODate).toStdString()},
                                   {"AccountId", accountId.toStdString()},
                                   {"External_Id__c", "OPP-" + std::to_string(m_number)}});
    const QByteArray id = text(opportunity, "id").toUtf8();
    addLineItem(id, "CLOUD-PRO", 1 + qint64(m_random() % 20), 199.0);
    if (m_random() % 2 == 0) {
        addLineItem(id, "CLOUD-STD", 1 + qint64(m_random() % 5), 49.0);
    }
    if (bad == QLatin1String("unknownProduct")) {
        // A product the CRM sells that billing has no price for (looked up without call(): its
        // 404, the first time, is no error of the traffic's).
        const QByteArray path = kCrm + "Product2/ProductCode/" + kUnknownProduct;
        if (m_router.internal("GET", path, Json(), QStringLiteral("traffic")).status == 404) {
            call("POST", kCrm + "Product2", {{"Name", "On-premises licence"}, {"ProductCode", kUnknownProduct}});
        }
        addLineItem(id, kUnknownProduct, 1, 1500.0);
    }
    call("PATCH", kCrm + "Opportunity/" + id, {{"StageName", "Closed Won"}});
}

void Traffic::opportunityAmended(const QString &bad)
{
    // An amendment names the billing subscription it changes and carries the subscription's
    // licensed products as they are to be from now on. Two amendments of one subscription come
    // back to back, as a contract corrected right after signing does: the engine must apply
    // them in order (the amendment flow's ordering key), not interleave them. A currency
    // mismatch is an amendment priced in euros for a subscription billed in dollars.
    const Customer &customer = m_customers[(m_amended++ / 2) % m_customers.size()];
    Json fields = {{"Name", "Amendment " + std::to_string(m_number)},
                   {"Type", "Amendment"},
                   {"StageName", "Negotiation/Review"},
                   {"CloseDate", QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate).toStdString()},
                   {"AccountId", customer.crmId.toStdString()},
                   {"Billing_Subscription_Id__c", customer.subscription.toStdString()},
                   {"External_Id__c", "AMD-" + std::to_string(m_number)}};
    if (bad == QLatin1String("currencyMismatch")) {
        fields["CurrencyIsoCode"] = customer.currency == QLatin1String("EUR") ? "USD" : "EUR";
    }
    const Json opportunity = call("POST", kCrm + "Opportunity", fields);
    const QByteArray id = text(opportunity, "id").toUtf8();
    addLineItem(id, "CLOUD-PRO", 1 + qint64(m_random() % 50), 199.0);
    if (m_random() % 2 == 0) {
        addLineItem(id, "CLOUD-ENT", 1, 999.0);
    }
    call("PATCH", kCrm + "Opportunity/" + id, {{"StageName", "Closed Won"}});
}

void Traffic::invoiceIssued(const QString &bad)
{
    Customer customer = anyCustomer();
    const int number = int(m_number);
    if (bad == QLatin1String("unknownCustomer")) {
        if (auto stranger = makeCustomer(100'000 + number, QStringLiteral("USD"), false)) {
            customer = *stranger;
        }
    } else if (bad == QLatin1String("currencyMismatch")) {
        if (auto foreign = makeCustomer(200'000 + number, QStringLiteral("EUR"), true)) {
            customer = *foreign;
        }
    }
    const std::string currency = customer.currency.toLower().toStdString();
    std::string price = "price_CLOUDPRO_" + currency;
    if (bad == QLatin1String("invalidGlAccount")) {
        call("POST", "/billing/v1/products",
             {{"id", "prod_LEGACYADDON"}, {"name", "Legacy add-on"},
              {"metadata", {{"sku", "LEGACY-ADDON"}, {"gl_revenue_account", "9999"},
                            {"gl_deferred_account", "2400"}, {"tax_code", kTaxCode}}}});
        call("POST", "/billing/v1/prices",
             {{"id", "price_LEGACYADDON_" + currency}, {"product", "prod_LEGACYADDON"},
              {"currency", currency}, {"unit_amount", 2500}});
        price = "price_LEGACYADDON_" + currency;
    }
    Json line = {{"price", price}, {"quantity", 1 + qint64(m_random() % 10)}, {"tax_amount", 0}};
    if (bad != QLatin1String("missingTaxCode")) {
        line["tax_code"] = kTaxCode;
    }
    call("POST", "/billing/v1/invoices",
         {{"customer", customer.billingId.toStdString()},
          {"currency", currency},
          {"lines", Json::array({line})},
          {"subscription", customer.subscription.toStdString()},
          {"billing_reason", "subscription_cycle"},
          {"metadata", {{"business_key", "traffic-invoice-" + std::to_string(number)},
                        {"global_account_id", customer.accountId.toStdString()}}}});
}

void Traffic::paymentFailed(const QString &bad)
{
    Customer customer = anyCustomer();
    if (bad == QLatin1String("unknownCustomer")) {
        // A customer billing took directly, with no global account id: no other system knows it.
        const std::string n = std::to_string(m_number);
        customer.billingId = text(call("POST", "/billing/v1/customers",
                                       {{"name", "Walk-in Customer " + n},
                                        {"email", "walkin" + n + "@example.com"},
                                        {"currency", customer.currency.toLower().toStdString()}}),
                                  "id");
        customer.subscription.clear();
        customer.accountId.clear();
    }
    const std::string currency = customer.currency.toLower().toStdString();
    Json invoice = {{"customer", customer.billingId.toStdString()},
                    {"lines", Json::array({{{"price", "price_CLOUDSTD_" + currency}, {"tax_code", kTaxCode}}})}};
    if (!customer.accountId.isEmpty()) {
        invoice["subscription"] = customer.subscription.toStdString();
        invoice["metadata"] = {{"global_account_id", customer.accountId.toStdString()}};
    }
    const Json created = call("POST", "/billing/v1/invoices", invoice);
    call("POST", "/billing/v1/invoices/" + text(created, "id").toUtf8() + "/pay",
         {{"payment_method", "pm_card_chargeDeclined"}});
}

void Traffic::subscriptionUpdated()
{
    const Customer &customer = anyCustomer();
    call("POST", "/billing/v1/subscriptions/" + customer.subscription.toUtf8(),
         {{"items", Json::array({{{"id", customer.item.toStdString()},
                                  {"quantity", 1 + qint64(m_random() % 50)}}})}});
}

void Traffic::ticketCreated()
{
    const Customer &customer = anyCustomer();
    call("POST", "/support/api/v2/tickets.json",
         {{"ticket", {{"subject", "Sync stopped for workspace " + std::to_string(m_number)},
                      {"comment", {{"body", "Our nightly sync did not run."}}},
                      {"organization_id", customer.supportId},
                      {"priority", "high"},
                      {"external_id", "TCK-" + std::to_string(m_number)}}}});
}

void Traffic::usageEvents(const QString &bad)
{
    const Customer &customer = anyCustomer();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Json events = Json::array();
    static const char *const kMetrics[] = {"apiCalls", "storageGbHours", "activeSeats"};
    for (int i = 0; i < 5; ++i) {
        const double draw = uniform();
        // About one in ten is late: an hour or a day old.
        const qint64 age = draw < 0.05 ? 86'400'000 : draw < 0.10 ? 3'600'000 : 0;
        events.push_back({{"id", QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString()},
                          {"type", "usage.recorded"},
                          {"account_id", customer.accountId.toStdString()},
                          {"subscription_item", customer.usageItem.toStdString()},
                          {"metric", kMetrics[m_random() % 3]},
                          {"quantity", std::to_string(1 + m_random() % 500)},
                          {"timestamp", isoTime(now - age).toStdString()}});
    }
    if (uniform() < 0.05) {
        events.push_back(events[0]); // an emitter re-send within the batch
    }
    const Json sent = events;
    if (bad == QLatin1String("repeatedUsageEvent")) {
        // An event of the previous batch again, in a later delivery (last, so the delivery's
        // own id — its first event's — is new): only the engine's deduplication can stop it.
        const Json repeated = m_lastUsageBatch.size() > 1 ? m_lastUsageBatch[1] : events[1];
        events.push_back(repeated);
    }
    m_lastUsageBatch = sent;
    call("POST", "/usage/v1/events", {{"events", events}});
    m_webhooks.send({QStringLiteral("usage"), {{"events", events}}});
}

void Traffic::accountChanged()
{
    // An account manager edits the account's identity, the part the CRM is the system of record
    // for: its phone, contact email, billing address or name.
    const Customer &customer = anyCustomer();
    const std::string n = std::to_string(m_number);
    Json fields;
    switch (m_random() % 4) {
    case 0:
        fields = {{"Phone", "(555) 010-" + std::to_string(1000 + m_random() % 9000)}};
        break;
    case 1:
        fields = {{"Email__c", "accounts+" + n + "@example.com"}};
        break;
    case 2:
        fields = {{"BillingStreet", n + " Market Street"}, {"BillingCity", "San Francisco"},
                  {"BillingState", "CA"}, {"BillingPostalCode", "94105"}};
        break;
    default:
        fields = {{"Name", "Traffic Customer " + customer.accountId.toStdString() + " (" + n + ")"}};
        break;
    }
    call("PATCH", kCrm + "Account/" + customer.crmId.toUtf8(), fields);
}

} // namespace syncline::sandbox
