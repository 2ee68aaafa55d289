// BillingSystem: prices found by lookup key — the stable name an integration uses for a price
// ("CLOUD-PRO_usd_month") where the price's own id is generated.
#include "app/sandbox/billingsystem.h"

#include <QRegularExpression>

namespace syncline::sandbox {

using engine::net::ServerResponse;

std::optional<Document> BillingSystem::priceByLookupKey(const QString &lookupKey)
{
    ListQuery query{name(), QStringLiteral("price")};
    query.filters.append({QStringLiteral("$.lookup_key"), lookupKey});
    query.limit = 1;
    const QList<Document> found = store().list(query);
    return found.isEmpty() ? std::nullopt : std::optional<Document>(found.first());
}

// `expand[]=data.product` puts each price's product object in place of its id, as Stripe does.
Json BillingSystem::expandedPrices(const Call &call, Json prices)
{
    bool expand = false;
    for (const auto &[key, value] : call.request.query) {
        expand = expand || ((key == "expand[]" || key.startsWith("expand[")) && value == "data.product");
    }
    if (!expand) {
        return prices;
    }
    for (Json &price : prices) {
        if (const auto product = store().find(name(), QStringLiteral("product"),
                                              text(price, "product"))) {
            price["product"] = product->body;
        }
    }
    return prices;
}

// The prices with these lookup keys, in the order asked (each once, unknown ones left out), at
// most the request's `limit`.
Json BillingSystem::pricesFor(const Call &call, QStringList keys)
{
    const int limit = queryInt(call.request, "limit", 10, 1, 100);
    keys.removeDuplicates();
    Json data = Json::array();
    for (const QString &key : keys) {
        const auto price = priceByLookupKey(key);
        if (price && int(data.size()) < limit) {
            data.push_back(price->body);
        }
    }
    return expandedPrices(call, data);
}

ServerResponse BillingSystem::listPricesByLookupKey(const Call &call, const QStringList &keys)
{
    return jsonResponse(200, {{"object", "list"},
                              {"url", "/v1/prices"},
                              {"has_more", false},
                              {"data", pricesFor(call, keys)}});
}

ServerResponse BillingSystem::searchPrices(const Call &call)
{
    // Stripe's search language, as far as integrations use it for prices:
    // lookup_key:'A' OR lookup_key:'B'.
    static const QRegularExpression term(
        QStringLiteral(R"(^\s*lookup_key\s*:\s*['"]([^'"]*)['"]\s*$)"));
    const QString query = QString::fromUtf8(call.request.queryValue("query"));
    QStringList keys;
    for (const QString &part : query.split(QStringLiteral(" OR "))) {
        const QRegularExpressionMatch match = term.match(part);
        if (!match.hasMatch()) {
            return invalid(QStringLiteral("parameter_invalid"), QStringLiteral("query"),
                           QStringLiteral("The sandbox understands price queries of the form "
                                          "lookup_key:'A' OR lookup_key:'B'."));
        }
        keys.append(match.captured(1));
    }
    return jsonResponse(200, {{"object", "search_result"},
                              {"url", "/v1/prices/search"},
                              {"has_more", false},
                              {"data", pricesFor(call, keys)}});
}

} // namespace syncline::sandbox
