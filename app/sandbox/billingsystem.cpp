#include "app/sandbox/billingsystem.h"

#include "engine/net/signature.h"

#include <QDateTime>
#include <QRegularExpression>

namespace syncline::sandbox {

using engine::net::ServerResponse;

namespace {

constexpr qint64 kDaySeconds = 86'400;

// Each resource's path name, document type and id prefix.
struct ResourceInfo
{
    const char *path;
    const char *type;
    const char *prefix;
    const char *listFilter; // a query parameter list() may filter on ("" none)
};

constexpr ResourceInfo kResources[] = {
    {"customers", "customer", "cus_", ""},
    {"products", "product", "prod_", ""},
    {"prices", "price", "price_", "product"},
    {"subscriptions", "subscription", "sub_", "customer"},
    {"invoices", "invoice", "in_", "customer"},
    {"payment_intents", "payment_intent", "pi_", "customer"},
    {"credit_notes", "credit_note", "cn_", "invoice"},
};

const ResourceInfo *resourceInfo(const QByteArray &path)
{
    for (const ResourceInfo &info : kResources) {
        if (path == info.path) {
            return &info;
        }
    }
    return nullptr;
}

bool isAmount(const Json &value)
{
    return value.is_number_integer() && value.get<qint64>() >= 0;
}

Json metadataOf(const Json &body)
{
    Json metadata = Json::object();
    if (!body.contains("metadata") || !body["metadata"].is_object()) {
        return metadata;
    }
    for (const auto &[key, value] : body["metadata"].items()) {
        metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    return metadata;
}

std::string lower(const QString &currency)
{
    return currency.toLower().toStdString();
}

} // namespace

std::optional<ServerResponse> BillingSystem::authenticate(const Call &call)
{
    const QByteArray key = bearerToken(call.request);
    if (!key.isEmpty()
        && engine::net::constantTimeEquals(key, credentials().value(QStringLiteral(
                                                    "billing/api-key")))) {
        return std::nullopt;
    }
    const QString shown = key.isEmpty() ? QString()
                                        : QString::fromUtf8(key.left(4)) + QStringLiteral("****");
    return refuse(Refusal::Unauthorized, 401,
                  key.isEmpty() ? QStringLiteral("You did not provide an API key. Send it as "
                                                 "'Authorization: Bearer sk_…'.")
                                : QStringLiteral("Invalid API Key provided: %1").arg(shown));
}

ServerResponse BillingSystem::refuse(Refusal refusal, int status, const QString &detail) const
{
    Json error = {{"message", detail.toStdString()}};
    switch (refusal) {
    case Refusal::Unauthorized:
    case Refusal::BadRequest:
        error["type"] = "invalid_request_error";
        break;
    case Refusal::NotFound:
        error["type"] = "invalid_request_error";
        error["code"] = "resource_missing";
        break;
    case Refusal::RateLimited:
        error["type"] = "rate_limit_error";
        error["code"] = "rate_limit";
        break;
    case Refusal::Injected:
    case Refusal::Unavailable:
        error["type"] = status == 429 ? "rate_limit_error" : "api_error";
        break;
    case Refusal::IdempotencyReused:
        error["type"] = "idempotency_error";
        error["code"] = "idempotency_key_reused";
        break;
    case Refusal::IdempotencyInUse:
        error["type"] = "idempotency_error";
        error["code"] = "idempotency_key_in_use";
        break;
    }
    return jsonResponse(status, {{"error", error}});
}

ServerResponse BillingSystem::invalid(const QString &code, const QString &param,
                                      const QString &message, int status) const
{
    Json error = {{"type", "invalid_request_error"},
                  {"code", code.toStdString()},
                  {"message", message.toStdString()}};
    if (!param.isEmpty()) {
        error["param"] = param.toStdString();
    }
    return jsonResponse(status, {{"error", error}});
}

ServerResponse BillingSystem::missing(const QString &param) const
{
    return invalid(QStringLiteral("parameter_missing"), param,
                   QStringLiteral("Missing required param: %1.").arg(param));
}

ServerResponse BillingSystem::noSuch(const QString &what, const QString &id) const
{
    return invalid(QStringLiteral("resource_missing"), QString(),
                   QStringLiteral("No such %1: '%2'").arg(what, id), 404);
}

QString BillingSystem::newId(const QString &prefix)
{
    return vendorId(prefix, store().next(QStringLiteral("billing:") + prefix), 14);
}

Document BillingSystem::keep(Call &call, const QString &type, Json body,
                              const QString &businessKey)
{
    Document document;
    document.system = name();
    document.type = type;
    document.id = QString::fromStdString(body["id"].get<std::string>());
    document.body = std::move(body);
    document.businessKey = businessKey;
    document.idempotencyKey = call.idempotencyKey;
    document.origin = call.origin;
    document.createdMs = call.nowMs;
    auto stored = store().insert(document);
    return stored ? *stored : document;
}

void BillingSystem::announce(Call &call, const QString &type, const Json &object,
                         const Json &previous)
{
    Json data = {{"object", object}};
    if (!previous.is_null()) {
        data["previous_attributes"] = previous;
    }
    Json event = {{"id", newId(QStringLiteral("evt_")).toStdString()},
                  {"object", "event"},
                  {"api_version", "2024-06-20"},
                  {"created", call.nowMs / 1000},
                  {"type", type.toStdString()},
                  {"data", data},
                  {"livemode", false},
                  {"pending_webhooks", 1},
                  {"request",
                   {{"id", newId(QStringLiteral("req_")).toStdString()},
                    {"idempotency_key", call.idempotencyKey.isEmpty()
                                            ? Json()
                                            : Json(call.idempotencyKey.toStdString())}}}};
    call.events.append({name(), std::move(event)});
}

ServerResponse BillingSystem::handle(Call &call)
{
    // /v1/{resource}[/{id}[/{verb}]]
    if (segment(call.path, 0) != "v1") {
        return refuse(Refusal::NotFound, 404, QStringLiteral("Unrecognized request URL."));
    }
    const QByteArray resource = segment(call.path, 1);
    const QString id = QString::fromUtf8(segment(call.path, 2));
    const QByteArray verb = segment(call.path, 3);
    const int parts = segmentCount(call.path);
    const QByteArray &method = call.request.method;
    Json body = Json::object();
    if (method == "POST") {
        const std::optional<Json> parsed = call.request.body.trimmed().isEmpty()
                                               ? std::optional<Json>(Json::object())
                                               : parseBody(call.request.body);
        if (!parsed || !parsed->is_object()) {
            return invalid(QStringLiteral("parameter_invalid"), QString(),
                           QStringLiteral("The request body must be a JSON object "
                                          "(Content-Type: application/json)."));
        }
        body = *parsed;
    }
    if (resource == "subscription_items" && parts == 4
        && (verb == "usage_records" || verb == "usage_record_summaries")) {
        return usage(call, id, verb == "usage_record_summaries", body);
    }
    if (resource == "customers" && id == QLatin1String("search") && method == "GET") {
        return search(call);
    }
    if (resource == "prices" && id == QLatin1String("search") && method == "GET") {
        return searchPrices(call);
    }
    if (resource == "prices" && parts == 2 && method == "GET") {
        QStringList keys;
        for (const auto &[key, value] : call.request.query) {
            if (key == "lookup_keys[]" || key == "lookup_keys" || key.startsWith("lookup_keys[")) {
                keys.append(QString::fromUtf8(value));
            }
        }
        if (!keys.isEmpty()) {
            return listPricesByLookupKey(call, keys);
        }
    }
    if (!resourceInfo(resource)) {
        return refuse(Refusal::NotFound, 404,
                      QStringLiteral("Unrecognized request URL (%1 %2).")
                          .arg(QString::fromLatin1(method), QString::fromUtf8(call.request.path)));
    }
    if (parts == 2 && method == "GET") {
        return list(call, resource);
    }
    if (parts == 2 && method == "POST") {
        return create(call, resource, body);
    }
    if (parts == 3 && method == "GET") {
        return get(resource, id);
    }
    if (parts == 3 && method == "POST") {
        return update(call, resource, id, body);
    }
    if (parts == 4 && method == "POST" && resource == "invoices") {
        return action(call, id, verb, body);
    }
    return refuse(Refusal::NotFound, 404,
                  QStringLiteral("Unrecognized request URL (%1 %2).")
                      .arg(QString::fromLatin1(method), QString::fromUtf8(call.request.path)));
}

ServerResponse BillingSystem::get(const QByteArray &resource, const QString &id)
{
    const ResourceInfo *info = resourceInfo(resource);
    const auto document = store().find(name(), QLatin1String(info->type), id);
    if (!document) {
        return noSuch(QLatin1String(info->type), id);
    }
    return jsonResponse(200, document->body);
}

ServerResponse BillingSystem::list(const Call &call, const QByteArray &resource)
{
    const ResourceInfo *info = resourceInfo(resource);
    ListQuery query{name(), QLatin1String(info->type)};
    query.descending = true;
    for (const char *filter : {info->listFilter, "customer", "subscription"}) {
        const QByteArray value = call.request.queryValue(filter);
        if (*filter && !value.isEmpty() && (filter == info->listFilter
                                            || resource == "invoices")) {
            query.filters.append({QStringLiteral("$.") + QLatin1String(filter),
                                  QString::fromUtf8(value)});
        }
    }
    const QString after = QString::fromUtf8(call.request.queryValue("starting_after"));
    if (!after.isEmpty()) {
        const auto cursor = store().find(name(), QLatin1String(info->type), after);
        if (!cursor) {
            return invalid(QStringLiteral("resource_missing"), QStringLiteral("starting_after"),
                           QStringLiteral("No such %1: '%2'").arg(QLatin1String(info->type),
                                                                  after));
        }
        query.beforeSeq = cursor->seq;
    }
    const Page page = readPage(store(), query, queryInt(call.request, "limit", 10, 1, 100));
    return jsonResponse(200, {{"object", "list"},
                              {"url", "/v1/" + resource.toStdString()},
                              {"has_more", page.more},
                              {"data", page.bodies}});
}

ServerResponse BillingSystem::search(const Call &call)
{
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*metadata\[['"]([A-Za-z0-9_\-]+)['"]\]\s*:\s*['"]([^'"]*)['"]\s*$)"));
    const QString query = QString::fromUtf8(call.request.queryValue("query"));
    const QRegularExpressionMatch match = pattern.match(query);
    if (!match.hasMatch()) {
        return invalid(QStringLiteral("parameter_invalid"), QStringLiteral("query"),
                       QStringLiteral("The sandbox understands queries of the form "
                                      "metadata['key']:'value'."));
    }
    ListQuery select{name(), QStringLiteral("customer")};
    select.filters.append({QStringLiteral("$.metadata.") + match.captured(1), match.captured(2)});
    select.limit = queryInt(call.request, "limit", 10, 1, 100);
    Json data = Json::array();
    for (const Document &document : store().list(select)) {
        data.push_back(document.body);
    }
    return jsonResponse(200, {{"object", "search_result"},
                              {"url", "/v1/customers/search"},
                              {"has_more", false},
                              {"data", data}});
}

ServerResponse BillingSystem::create(Call &call, const QByteArray &resource, const Json &body)
{
    if (resource == "customers") {
        return createCustomer(call, body);
    }
    if (resource == "products") {
        return createProduct(call, body);
    }
    if (resource == "prices") {
        return createPrice(call, body);
    }
    if (resource == "subscriptions") {
        return createSubscription(call, body);
    }
    if (resource == "invoices") {
        return createInvoice(call, body);
    }
    if (resource == "payment_intents") {
        return createPayment(call, body);
    }
    return createCreditNote(call, body);
}

ServerResponse BillingSystem::createCustomer(Call &call, const Json &body)
{
    if (text(body, "name").isEmpty()) {
        return missing(QStringLiteral("name"));
    }
    const Json metadata = metadataOf(body);
    Json customer = {{"id", newId(QStringLiteral("cus_")).toStdString()},
                     {"object", "customer"},
                     {"created", call.nowMs / 1000},
                     {"livemode", false},
                     {"name", body["name"]},
                     {"email", body.value("email", Json())},
                     {"currency", body.contains("currency") ? Json(lower(text(body, "currency")))
                                                            : Json()},
                     {"address", body.value("address", Json())},
                     {"description", body.value("description", Json())},
                     {"balance", 0},
                     {"delinquent", false},
                     {"metadata", metadata}};
    const Document stored = keep(call, QStringLiteral("customer"), customer,
                                  text(metadata, "global_account_id"));
    announce(call, QStringLiteral("customer.created"), stored.body);
    return jsonResponse(200, stored.body);
}

ServerResponse BillingSystem::createProduct(Call &call, const Json &body)
{
    if (text(body, "name").isEmpty()) {
        return missing(QStringLiteral("name"));
    }
    const Json metadata = metadataOf(body);
    Json product = {{"id", body.contains("id") ? body["id"]
                                               : Json(newId(QStringLiteral("prod_")).toStdString())},
                    {"object", "product"},
                    {"active", true},
                    {"created", call.nowMs / 1000},
                    {"livemode", false},
                    {"name", body["name"]},
                    {"description", body.value("description", Json())},
                    {"metadata", metadata}};
    const Document stored = keep(call, QStringLiteral("product"), product,
                                  text(metadata, "sku"));
    return jsonResponse(200, stored.body);
}

ServerResponse BillingSystem::createPrice(Call &call, const Json &body)
{
    for (const char *required : {"product", "currency", "unit_amount"}) {
        if (!body.contains(required)) {
            return missing(QLatin1String(required));
        }
    }
    if (!isAmount(body["unit_amount"])) {
        return invalid(QStringLiteral("parameter_invalid_integer"), QStringLiteral("unit_amount"),
                       QStringLiteral("Invalid integer: unit_amount is in minor units (cents)."));
    }
    const QString product = text(body, "product");
    if (!store().find(name(), QStringLiteral("product"), product)) {
        return noSuch(QStringLiteral("product"), product);
    }
    const QString lookupKey = text(body, "lookup_key");
    if (!lookupKey.isEmpty()) {
        if (const auto holder = priceByLookupKey(lookupKey)) {
            return invalid(QStringLiteral("lookup_key_in_use"), QStringLiteral("lookup_key"),
                           QStringLiteral("A price (%1) already uses the lookup key %2.")
                               .arg(holder->id, lookupKey));
        }
    }
    const Json recurring = body.value("recurring", Json());
    Json price = {{"id", body.contains("id") ? body["id"]
                                             : Json(newId(QStringLiteral("price_")).toStdString())},
                  {"object", "price"},
                  {"active", true},
                  {"created", call.nowMs / 1000},
                  {"livemode", false},
                  {"currency", lower(text(body, "currency"))},
                  {"product", product.toStdString()},
                  {"unit_amount", body["unit_amount"]},
                  {"unit_amount_decimal", body["unit_amount"].dump()},
                  {"nickname", body.value("nickname", Json())},
                  {"lookup_key", lookupKey.isEmpty() ? Json() : Json(lookupKey.toStdString())},
                  {"type", recurring.is_object() ? "recurring" : "one_time"},
                  {"recurring", recurring.is_object()
                                    ? Json{{"interval", recurring.value("interval", "month")},
                                           {"interval_count", 1},
                                           {"usage_type", recurring.value("usage_type",
                                                                          "licensed")}}
                                    : Json()},
                  {"metadata", metadataOf(body)}};
    const Document stored = keep(call, QStringLiteral("price"), price, lookupKey);
    return jsonResponse(200, stored.body);
}

std::optional<ServerResponse> BillingSystem::priceLines(const Json &input, QString &currency,
                                                        Json &lines, qint64 nowSeconds)
{
    if (!input.is_array() || input.empty()) {
        return missing(QStringLiteral("lines"));
    }
    for (size_t i = 0; i < input.size(); ++i) {
        const Json &line = input[i];
        const QString param = QStringLiteral("lines[%1]").arg(i);
        const qint64 quantity = line.value("quantity", qint64(1));
        Json priced = {{"id", newId(QStringLiteral("il_")).toStdString()},
                       {"object", "line_item"},
                       {"quantity", quantity},
                       {"description", line.value("description", Json())},
                       {"period", {{"start", nowSeconds}, {"end", nowSeconds + 30 * kDaySeconds}}},
                       {"price", Json()},
                       {"tax_amount", 0},
                       {"metadata", metadataOf(line)}};
        if (line.contains("price")) {
            const QString priceId = text(line, "price");
            const auto price = store().find(name(), QStringLiteral("price"), priceId);
            if (!price) {
                return noSuch(QStringLiteral("price"), priceId);
            }
            priced["price"] = price->body;
            priced["amount"] = price->body["unit_amount"].get<qint64>() * quantity;
            const auto product = store().find(name(), QStringLiteral("product"),
                                              text(price->body, "product"));
            if (product && priced["description"].is_null()) {
                priced["description"] = product->body["name"];
            }
            // The product's GL accounts and SKU travel on the line, as the ERP posting needs.
            for (const char *key : {"sku", "gl_revenue_account", "gl_deferred_account"}) {
                if (product && product->body["metadata"].contains(key)
                    && !priced["metadata"].contains(key)) {
                    priced["metadata"][key] = product->body["metadata"][key];
                }
            }
            const QString lineCurrency = text(price->body, "currency");
            if (currency.isEmpty()) {
                currency = lineCurrency;
            } else if (lineCurrency != currency) {
                return invalid(QStringLiteral("currency_mismatch"), param + QStringLiteral(".price"),
                               QStringLiteral("The price %1 is in %2, the invoice in %3.")
                                   .arg(priceId, lineCurrency, currency));
            }
        } else if (isAmount(line.value("amount", Json()))) {
            priced["amount"] = line["amount"];
        } else {
            return invalid(QStringLiteral("parameter_missing"), param,
                           QStringLiteral("Each line needs a price or an integer amount (minor "
                                          "units)."));
        }
        if (line.contains("tax_amount")) {
            if (!isAmount(line["tax_amount"])) {
                return invalid(QStringLiteral("parameter_invalid_integer"),
                               param + QStringLiteral(".tax_amount"),
                               QStringLiteral("Invalid integer: tax_amount is in minor units."));
            }
            priced["tax_amount"] = line["tax_amount"];
        }
        if (line.contains("tax_code")) {
            priced["metadata"]["tax_code"] = text(line, "tax_code").toStdString();
        }
        if (line.contains("subscription_item")) {
            priced["subscription_item"] = line["subscription_item"];
        }
        lines.push_back(std::move(priced));
    }
    return std::nullopt;
}

Document BillingSystem::storeInvoice(Call &call, const Document &customer,
                                     const QString &currency, Json lines, const Json &extra,
                                     bool finalizeNow)
{
    qint64 subtotal = 0;
    qint64 tax = 0;
    for (Json &line : lines) {
        line["currency"] = currency.toStdString();
        subtotal += line["amount"].get<qint64>();
        tax += line["tax_amount"].get<qint64>();
    }
    const qint64 created = call.nowMs / 1000;
    Json invoice = {{"id", newId(QStringLiteral("in_")).toStdString()},
                    {"object", "invoice"},
                    {"created", created},
                    {"livemode", false},
                    {"customer", customer.id.toStdString()},
                    {"customer_name", customer.body.value("name", Json())},
                    {"customer_email", customer.body.value("email", Json())},
                    {"currency", currency.toStdString()},
                    {"status", "draft"},
                    {"number", Json()},
                    {"collection_method", "charge_automatically"},
                    {"billing_reason", extra.value("billing_reason", "manual")},
                    {"subscription", extra.value("subscription", Json())},
                    {"lines", {{"object", "list"}, {"data", lines}, {"has_more", false},
                               {"total_count", lines.size()}}},
                    {"subtotal", subtotal},
                    {"tax", tax},
                    {"total", subtotal + tax},
                    {"amount_due", subtotal + tax},
                    {"amount_paid", 0},
                    {"amount_remaining", subtotal + tax},
                    {"pre_payment_credit_notes_amount", 0},
                    {"post_payment_credit_notes_amount", 0},
                    {"attempt_count", 0},
                    {"paid", false},
                    {"period_start", created},
                    {"period_end", created + 30 * kDaySeconds},
                    {"due_date", created + 30 * kDaySeconds},
                    {"metadata", extra.value("metadata", Json::object())}};
    if (finalizeNow) {
        finalize(call, invoice);
    }
    return keep(call, QStringLiteral("invoice"), invoice,
                 text(invoice["metadata"], "business_key"));
}

void BillingSystem::finalize(Call &call, Json &invoice)
{
    const int year = QDateTime::fromMSecsSinceEpoch(call.nowMs, Qt::UTC).date().year();
    invoice["status"] = "open";
    invoice["number"] = QStringLiteral("SBX-%1-%2")
                            .arg(year)
                            .arg(store().next(QStringLiteral("billing:invoice-number")), 6, 10,
                                 QLatin1Char('0'))
                            .toStdString();
    invoice["status_transitions"] = {{"finalized_at", call.nowMs / 1000}};
    announce(call, QStringLiteral("invoice.finalized"), invoice);
}

ServerResponse BillingSystem::createInvoice(Call &call, const Json &body)
{
    const QString customerId = text(body, "customer");
    if (customerId.isEmpty()) {
        return missing(QStringLiteral("customer"));
    }
    const auto customer = store().find(name(), QStringLiteral("customer"), customerId);
    if (!customer) {
        return noSuch(QStringLiteral("customer"), customerId);
    }
    QString currency = body.contains("currency") ? QString::fromStdString(lower(text(body,
                                                                                   "currency")))
                                                 : QString();
    Json lines = Json::array();
    if (auto error = priceLines(body.value("lines", Json()), currency, lines, call.nowMs / 1000)) {
        return *error;
    }
    if (currency.isEmpty()) {
        currency = text(customer->body, "currency");
    }
    if (currency.isEmpty()) {
        return missing(QStringLiteral("currency"));
    }
    const QString customerCurrency = text(customer->body, "currency");
    if (!customerCurrency.isEmpty() && customerCurrency != currency) {
        return invalid(QStringLiteral("currency_mismatch"), QStringLiteral("currency"),
                       QStringLiteral("The customer %1 is billed in %2, not %3.")
                           .arg(customerId, customerCurrency, currency));
    }
    Json extra = {{"metadata", metadataOf(body)},
                  {"subscription", body.value("subscription", Json())},
                  {"billing_reason", body.value("billing_reason", "manual")}};
    const bool finalizeNow = body.value("auto_advance", true) != false;
    const Document invoice = storeInvoice(call, *customer, currency, lines, extra, finalizeNow);
    return jsonResponse(200, invoice.body);
}

ServerResponse BillingSystem::action(Call &call, const QString &id, const QByteArray &verb,
                                     const Json &body)
{
    auto invoice = store().find(name(), QStringLiteral("invoice"), id);
    if (!invoice) {
        return noSuch(QStringLiteral("invoice"), id);
    }
    if (verb == "finalize") {
        if (text(invoice->body, "status") != QLatin1String("draft")) {
            return invalid(QStringLiteral("invoice_not_editable"), QString(),
                           QStringLiteral("This invoice is already finalized."));
        }
        finalize(call, invoice->body);
        (void) store().replace(name(), invoice->type, invoice->id, invoice->body);
        return jsonResponse(200, invoice->body);
    }
    if (verb == "pay") {
        const QString method = text(body, "payment_method");
        return pay(call, *invoice, method.isEmpty() ? QStringLiteral("pm_card_visa") : method);
    }
    return refuse(Refusal::NotFound, 404, QStringLiteral("Unrecognized request URL."));
}

ServerResponse BillingSystem::pay(Call &call, Document invoice, const QString &paymentMethod)
{
    Json &body = invoice.body;
    if (text(body, "status") != QLatin1String("open")) {
        return invalid(QStringLiteral("invoice_not_open"), QString(),
                       QStringLiteral("Invoice %1 is %2; only open invoices can be paid.")
                           .arg(invoice.id, text(body, "status")));
    }
    body["attempt_count"] = body["attempt_count"].get<int>() + 1;
    const qint64 amount = body["amount_remaining"].get<qint64>();
    const bool declined = paymentMethod == QLatin1String("pm_card_chargeDeclined");
    const Json payment = paymentIntent(call, amount, text(body, "currency"),
                                       text(body, "customer"), invoice.id, paymentMethod,
                                       Json::object());
    body["payment_intent"] = payment["id"];
    if (declined) {
        (void) store().replace(name(), invoice.type, invoice.id, body);
        announce(call, QStringLiteral("invoice.payment_failed"), body);
        return declinedAnswer(call, payment);
    }
    body["amount_paid"] = body["amount_paid"].get<qint64>() + amount;
    body["amount_remaining"] = 0;
    body["status"] = "paid";
    body["paid"] = true;
    (void) store().replace(name(), invoice.type, invoice.id, body);
    announce(call, QStringLiteral("invoice.paid"), body);
    return jsonResponse(200, body);
}

ServerResponse BillingSystem::declinedAnswer(Call &call, const Json &payment)
{
    // The declined attempt and its webhook are kept although the answer is an error.
    call.keepChanges = true;
    Json error = payment["last_payment_error"];
    error["payment_intent"] = payment;
    return jsonResponse(402, {{"error", error}});
}

Json BillingSystem::paymentIntent(Call &call, qint64 amount, const QString &currency,
                                  const QString &customer, const QString &invoice,
                                  const QString &paymentMethod, const Json &metadata)
{
    const bool declined = paymentMethod == QLatin1String("pm_card_chargeDeclined");
    Json payment = {{"id", newId(QStringLiteral("pi_")).toStdString()},
                    {"object", "payment_intent"},
                    {"created", call.nowMs / 1000},
                    {"livemode", false},
                    {"amount", amount},
                    {"amount_received", declined ? 0 : amount},
                    {"currency", currency.toStdString()},
                    {"customer", customer.toStdString()},
                    {"invoice", invoice.isEmpty() ? Json() : Json(invoice.toStdString())},
                    {"payment_method", paymentMethod.toStdString()},
                    {"status", declined ? "requires_payment_method" : "succeeded"},
                    {"metadata", metadata}};
    if (declined) {
        payment["last_payment_error"] = {{"type", "card_error"}, {"code", "card_declined"},
                                         {"decline_code", "generic_decline"},
                                         {"message", "Your card was declined."}};
    }
    keep(call, QStringLiteral("payment_intent"), payment, QString());
    return payment;
}

ServerResponse BillingSystem::createPayment(Call &call, const Json &body)
{
    for (const char *required : {"amount", "currency", "customer"}) {
        if (!body.contains(required)) {
            return missing(QLatin1String(required));
        }
    }
    if (!isAmount(body["amount"])) {
        return invalid(QStringLiteral("parameter_invalid_integer"), QStringLiteral("amount"),
                       QStringLiteral("Invalid integer: amount is in minor units (cents)."));
    }
    const QString customer = text(body, "customer");
    if (!store().find(name(), QStringLiteral("customer"), customer)) {
        return noSuch(QStringLiteral("customer"), customer);
    }
    const QString method = body.contains("payment_method") ? text(body, "payment_method")
                                                           : QStringLiteral("pm_card_visa");
    if (body.contains("invoice")) {
        const auto invoice = store().find(name(), QStringLiteral("invoice"), text(body, "invoice"));
        if (!invoice) {
            return noSuch(QStringLiteral("invoice"), text(body, "invoice"));
        }
        return pay(call, *invoice, method);
    }
    const Json payment = paymentIntent(call, body["amount"].get<qint64>(),
                                       QString::fromStdString(lower(text(body, "currency"))),
                                       customer, QString(), method, metadataOf(body));
    if (payment["status"] != "succeeded") {
        return declinedAnswer(call, payment);
    }
    return jsonResponse(200, payment);
}

ServerResponse BillingSystem::createCreditNote(Call &call, const Json &body)
{
    const QString invoiceId = text(body, "invoice");
    if (invoiceId.isEmpty()) {
        return missing(QStringLiteral("invoice"));
    }
    if (!isAmount(body.value("amount", Json())) || body["amount"].get<qint64>() == 0) {
        return invalid(QStringLiteral("parameter_invalid_integer"), QStringLiteral("amount"),
                       QStringLiteral("amount must be a positive integer in minor units."));
    }
    auto invoice = store().find(name(), QStringLiteral("invoice"), invoiceId);
    if (!invoice) {
        return noSuch(QStringLiteral("invoice"), invoiceId);
    }
    Json &inv = invoice->body;
    const qint64 amount = body["amount"].get<qint64>();
    const qint64 credited = inv["pre_payment_credit_notes_amount"].get<qint64>()
                            + inv["post_payment_credit_notes_amount"].get<qint64>();
    if (text(inv, "status") == QLatin1String("draft") || credited + amount > inv["total"].get<qint64>()) {
        return invalid(QStringLiteral("amount_too_large"), QStringLiteral("amount"),
                       QStringLiteral("The credit note amount (%1) exceeds what invoice %2 can "
                                      "still be credited (%3).")
                           .arg(amount)
                           .arg(invoiceId)
                           .arg(inv["total"].get<qint64>() - credited));
    }
    if (inv.value("paid", false)) {
        inv["post_payment_credit_notes_amount"] = inv["post_payment_credit_notes_amount"]
                                                      .get<qint64>() + amount;
    } else {
        inv["pre_payment_credit_notes_amount"] = inv["pre_payment_credit_notes_amount"]
                                                     .get<qint64>() + amount;
        inv["amount_due"] = inv["amount_due"].get<qint64>() - amount;
        inv["amount_remaining"] = std::max<qint64>(0, inv["amount_remaining"].get<qint64>()
                                                          - amount);
    }
    (void) store().replace(name(), invoice->type, invoice->id, inv);
    Json note = {{"id", newId(QStringLiteral("cn_")).toStdString()},
                 {"object", "credit_note"},
                 {"created", call.nowMs / 1000},
                 {"livemode", false},
                 {"invoice", invoiceId.toStdString()},
                 {"customer", inv["customer"]},
                 {"amount", amount},
                 {"currency", inv["currency"]},
                 {"number", (text(inv, "number") + QStringLiteral("-CN")).toStdString()},
                 {"reason", body.value("reason", Json())},
                 {"status", "issued"},
                 {"metadata", metadataOf(body)}};
    const Document stored = keep(call, QStringLiteral("credit_note"), note, QString());
    announce(call, QStringLiteral("credit_note.created"), stored.body);
    return jsonResponse(200, stored.body);
}

void BillingSystem::seed()
{
    struct Product
    {
        const char *sku;
        const char *name;
        qint64 monthly; // minor units; 0 for metered
        const char *revenue;
        bool metered;
        bool oneOff;
    };
    static constexpr Product kProducts[] = {
        {"CLOUD-STD", "Syncline Cloud Standard", 4900, "4000", false, false},
        {"CLOUD-PRO", "Syncline Cloud Professional", 19900, "4000", false, false},
        {"CLOUD-ENT", "Syncline Cloud Enterprise", 99900, "4000", false, false},
        {"API-CALLS", "API calls", 1, "4100", true, false},
        {"ONBOARDING", "Onboarding package", 150000, "4200", false, true},
    };
    const engine::net::ServerRequest request;
    Call call{request, QByteArray()};
    call.origin = QStringLiteral("seed");
    call.nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const Product &p : kProducts) {
        const QString sku = QLatin1String(p.sku);
        const std::string productId = "prod_" + QString(sku).remove(QLatin1Char('-')).toStdString();
        (void) createProduct(call, {{"id", productId},
                                    {"name", p.name},
                                    {"metadata", {{"sku", p.sku},
                                                  {"gl_revenue_account", p.revenue},
                                                  {"gl_deferred_account", "2400"},
                                                  {"tax_code", "US-STD"}}}});
        for (const char *currency : {"usd", "eur", "gbp"}) {
            // Lookup keys name a price by what it is, not by its generated id (as Stripe's do).
            const std::string lookupKey = std::string(p.sku) + "_" + currency
                                          + (p.oneOff ? "" : "_month");
            Json price = {{"id", "price_" + QString(sku).remove(QLatin1Char('-')).toStdString()
                                     + "_" + currency},
                          {"lookup_key", lookupKey},
                          {"product", productId},
                          {"currency", currency},
                          {"unit_amount", p.monthly},
                          {"nickname", std::string(p.name) + " (" + currency + ")"}};
            if (!p.oneOff) {
                price["recurring"] = {{"interval", "month"},
                                      {"usage_type", p.metered ? "metered" : "licensed"}};
            }
            (void) createPrice(call, price);
        }
    }
}

} // namespace syncline::sandbox
