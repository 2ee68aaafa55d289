// BillingSystem: subscriptions, their items and usage records, and updates of stored objects.
#include "app/sandbox/billingsystem.h"

namespace syncline::sandbox {

using engine::net::ServerResponse;

namespace {
constexpr qint64 kPeriodSeconds = 30LL * 86'400;
} // namespace

Json BillingSystem::subscriptionItems(Call &call, const QString &subscriptionId,
                                      const Json &items, QString &currency,
                                      std::optional<ServerResponse> &error)
{
    Json data = Json::array();
    if (!items.is_array() || items.empty()) {
        error = missing(QStringLiteral("items"));
        return data;
    }
    for (size_t i = 0; i < items.size(); ++i) {
        const QString priceId = text(items[i], "price");
        const auto price = store().find(name(), QStringLiteral("price"), priceId);
        if (!price) {
            error = priceId.isEmpty() ? missing(QStringLiteral("items[%1].price").arg(i))
                                      : noSuch(QStringLiteral("price"), priceId);
            return data;
        }
        const QString priceCurrency = text(price->body, "currency");
        if (currency.isEmpty()) {
            currency = priceCurrency;
        } else if (currency != priceCurrency) {
            error = invalid(QStringLiteral("currency_mismatch"),
                            QStringLiteral("items[%1].price").arg(i),
                            QStringLiteral("The price %1 is in %2, the subscription in %3.")
                                .arg(priceId, priceCurrency, currency));
            return data;
        }
        QString itemId = text(items[i], "id");
        if (itemId.isEmpty()) {
            itemId = newId(QStringLiteral("si_"));
            Document item;
            item.system = name();
            item.type = QStringLiteral("subscription_item");
            item.id = itemId;
            item.body = {{"id", itemId.toStdString()}, {"subscription",
                                                        subscriptionId.toStdString()}};
            item.origin = call.origin;
            item.createdMs = call.nowMs;
            (void) store().insert(item);
        }
        data.push_back(Json{{"id", itemId.toStdString()},
                        {"object", "subscription_item"},
                        {"created", call.nowMs / 1000},
                        {"price", price->body},
                        {"quantity", items[i].value("quantity", qint64(1))},
                        {"subscription", subscriptionId.toStdString()},
                        {"metadata", Json::object()}});
    }
    return data;
}

ServerResponse BillingSystem::createSubscription(Call &call, const Json &body)
{
    const QString customerId = text(body, "customer");
    if (customerId.isEmpty()) {
        return missing(QStringLiteral("customer"));
    }
    auto customer = store().find(name(), QStringLiteral("customer"), customerId);
    if (!customer) {
        return noSuch(QStringLiteral("customer"), customerId);
    }
    const QString id = newId(QStringLiteral("sub_"));
    QString currency = text(customer->body, "currency");
    std::optional<ServerResponse> error;
    const Json items = subscriptionItems(call, id, body.value("items", Json()), currency, error);
    if (error) {
        return *error;
    }
    if (text(customer->body, "currency").isEmpty()) {
        customer->body["currency"] = currency.toStdString();
        (void) store().replace(name(), customer->type, customer->id, customer->body);
    }
    const qint64 start = call.nowMs / 1000;
    Json subscription = {{"id", id.toStdString()},
                         {"object", "subscription"},
                         {"created", start},
                         {"livemode", false},
                         {"customer", customerId.toStdString()},
                         {"currency", currency.toStdString()},
                         {"status", "active"},
                         {"cancel_at_period_end", false},
                         {"current_period_start", start},
                         {"current_period_end", start + kPeriodSeconds},
                         {"items", {{"object", "list"}, {"data", items}, {"has_more", false}}},
                         {"latest_invoice", Json()},
                         {"metadata", body.value("metadata", Json::object())}};
    // The first period's invoice, from the licensed items.
    Json lines = Json::array();
    for (const Json &item : items) {
        if (item["price"]["recurring"].is_object()
            && item["price"]["recurring"].value("usage_type", "") == "metered") {
            continue;
        }
        Json line = {{"price", item["price"]["id"]},
                     {"quantity", item["quantity"]},
                     {"subscription_item", item["id"]}};
        const auto product = store().find(name(), QStringLiteral("product"),
                                          text(item["price"], "product"));
        if (product && product->body["metadata"].contains("tax_code")) {
            line["tax_code"] = product->body["metadata"]["tax_code"];
        }
        lines.push_back(line);
    }
    announce(call, QStringLiteral("customer.subscription.created"), subscription);
    if (!lines.empty()) {
        Json priced = Json::array();
        QString invoiceCurrency = currency;
        if (auto failed = priceLines(lines, invoiceCurrency, priced, start)) {
            return *failed;
        }
        const Json extra = {{"subscription", id.toStdString()},
                            {"billing_reason", "subscription_create"},
                            {"metadata", {{"business_key", (id + QStringLiteral(":1"))
                                                                .toStdString()}}}};
        const Document invoice = storeInvoice(call, *customer, currency, priced, extra, true);
        subscription["latest_invoice"] = invoice.id.toStdString();
    }
    const Json metadata = subscription["metadata"];
    const Document stored = keep(call, QStringLiteral("subscription"), subscription,
                                  text(metadata, "opportunity_id"));
    return jsonResponse(200, stored.body);
}

ServerResponse BillingSystem::updateSubscription(Call &call, Document subscription,
                                                 const Json &body)
{
    Json &sub = subscription.body;
    Json previous = Json::object();
    if (body.contains("items")) {
        // Items named by id are changed (or removed with "deleted": true); others are added.
        Json requested = Json::array();
        for (const Json &item : body["items"]) {
            const QString itemId = text(item, "id");
            if (item.value("deleted", false)) {
                continue;
            }
            Json merged = item;
            if (!itemId.isEmpty()) {
                for (const Json &existing : sub["items"]["data"]) {
                    if (text(existing, "id") == itemId) {
                        if (!merged.contains("price")) {
                            merged["price"] = existing["price"]["id"];
                        }
                        if (!merged.contains("quantity")) {
                            merged["quantity"] = existing["quantity"];
                        }
                    }
                }
            }
            requested.push_back(merged);
        }
        for (const Json &existing : sub["items"]["data"]) {
            bool mentioned = false;
            for (const Json &item : body["items"]) {
                mentioned = mentioned || text(item, "id") == text(existing, "id");
            }
            if (!mentioned) {
                requested.push_back({{"id", existing["id"]}, {"price", existing["price"]["id"]},
                                     {"quantity", existing["quantity"]}});
            }
        }
        QString currency = text(sub, "currency");
        std::optional<ServerResponse> error;
        const Json items = subscriptionItems(call, subscription.id, requested, currency, error);
        if (error) {
            return *error;
        }
        previous["items"] = sub["items"];
        sub["items"]["data"] = items;
    }
    if (body.contains("metadata")) {
        previous["metadata"] = sub["metadata"];
        for (const auto &[key, value] : body["metadata"].items()) {
            sub["metadata"][key] = value;
        }
    }
    if (body.contains("cancel_at_period_end")) {
        previous["cancel_at_period_end"] = sub["cancel_at_period_end"];
        sub["cancel_at_period_end"] = body["cancel_at_period_end"];
    }
    (void) store().replace(name(), subscription.type, subscription.id, sub);
    announce(call, QStringLiteral("customer.subscription.updated"), sub, previous);
    return jsonResponse(200, sub);
}

ServerResponse BillingSystem::update(Call &call, const QByteArray &resource, const QString &id,
                                     const Json &body)
{
    const QString type = resource == "customers"       ? QStringLiteral("customer")
                         : resource == "products"      ? QStringLiteral("product")
                         : resource == "subscriptions" ? QStringLiteral("subscription")
                                                       : QString();
    if (type.isEmpty()) {
        return refuse(Refusal::NotFound, 404,
                      QStringLiteral("%1 cannot be updated in the sandbox.")
                          .arg(QString::fromUtf8(resource)));
    }
    auto document = store().find(name(), type, id);
    if (!document) {
        return noSuch(type, id);
    }
    if (type == QLatin1String("subscription")) {
        return updateSubscription(call, *document, body);
    }
    for (const auto &[key, value] : body.items()) {
        if (key == "id" || key == "object" || key == "created") {
            continue;
        }
        if (key == "metadata" && value.is_object()) {
            for (const auto &[metaKey, metaValue] : value.items()) {
                document->body["metadata"][metaKey] = metaValue;
            }
            continue;
        }
        document->body[key] = value;
    }
    (void) store().replace(name(), type, id, document->body);
    if (type == QLatin1String("customer")) {
        announce(call, QStringLiteral("customer.updated"), document->body);
    }
    return jsonResponse(200, document->body);
}

ServerResponse BillingSystem::usage(Call &call, const QString &item, bool summaries,
                                    const Json &body)
{
    const auto subscriptionItem = store().find(name(), QStringLiteral("subscription_item"), item);
    if (!subscriptionItem) {
        return noSuch(QStringLiteral("subscription item"), item);
    }
    if (summaries) {
        ListQuery query{name(), QStringLiteral("usage_record")};
        query.filters.append({QStringLiteral("$.subscription_item"), item});
        query.limit = 1'000'000;
        qint64 total = 0;
        for (const Document &record : store().list(query)) {
            total += record.body["quantity"].get<qint64>();
        }
        const qint64 now = call.nowMs / 1000;
        return jsonResponse(200, {{"object", "list"},
                                  {"has_more", false},
                                  {"url", "/v1/subscription_items/" + item.toStdString()
                                              + "/usage_record_summaries"},
                                  {"data", Json::array({{{"id", "sis_" + item.mid(3).toStdString()},
                                                         {"object", "usage_record_summary"},
                                                         {"invoice", Json()},
                                                         {"livemode", false},
                                                         {"period", {{"start", Json()},
                                                                     {"end", now}}},
                                                         {"subscription_item",
                                                          item.toStdString()},
                                                         {"total_usage", total}}})}});
    }
    if (call.request.method != "POST") {
        return refuse(Refusal::NotFound, 404, QStringLiteral("Unrecognized request URL."));
    }
    if (!body.value("quantity", Json()).is_number_integer()
        || body["quantity"].get<qint64>() < 0) {
        return invalid(QStringLiteral("parameter_invalid_integer"), QStringLiteral("quantity"),
                       QStringLiteral("quantity must be a non-negative integer."));
    }
    Json record = {{"id", newId(QStringLiteral("mbur_")).toStdString()},
                   {"object", "usage_record"},
                   {"livemode", false},
                   {"quantity", body["quantity"]},
                   {"action", body.value("action", "increment")},
                   {"subscription_item", item.toStdString()},
                   {"timestamp", body.value("timestamp", Json(call.nowMs / 1000))}};
    const Document stored = keep(call, QStringLiteral("usage_record"), record,
                                  call.idempotencyKey);
    return jsonResponse(200, stored.body);
}

} // namespace syncline::sandbox
