#pragma once

#include "app/sandbox/system.h"

namespace syncline::sandbox {

/// A Stripe-like billing system under /billing/v1 (docs/sandbox.md, "Billing").
class BillingSystem : public System
{
public:
    using System::System;

    QString name() const override { return QStringLiteral("billing"); }
    QByteArray prefix() const override { return "/billing"; }
    bool honoursIdempotencyKey() const override { return true; }
    std::optional<engine::net::ServerResponse> authenticate(const Call &call) override;
    engine::net::ServerResponse handle(Call &call) override;
    engine::net::ServerResponse refuse(Refusal refusal, int status,
                                       const QString &detail) const override;
    void seed() override;

private:
    struct Resource;
    engine::net::ServerResponse create(Call &call, const QByteArray &resource, const Json &body);
    engine::net::ServerResponse update(Call &call, const QByteArray &resource, const QString &id,
                                       const Json &body);
    engine::net::ServerResponse action(Call &call, const QString &id, const QByteArray &verb,
                                       const Json &body);
    engine::net::ServerResponse list(const Call &call, const QByteArray &resource);
    engine::net::ServerResponse search(const Call &call);
    engine::net::ServerResponse get(const QByteArray &resource, const QString &id);
    engine::net::ServerResponse usage(Call &call, const QString &item, bool summaries,
                                      const Json &body);

    engine::net::ServerResponse createCustomer(Call &call, const Json &body);
    engine::net::ServerResponse createProduct(Call &call, const Json &body);
    engine::net::ServerResponse createPrice(Call &call, const Json &body);
    // Prices by lookup key (billingprices.cpp): list with lookup_keys[], search, expand.
    engine::net::ServerResponse listPricesByLookupKey(const Call &call, const QStringList &keys);
    engine::net::ServerResponse searchPrices(const Call &call);
    std::optional<Document> priceByLookupKey(const QString &lookupKey);
    Json expandedPrices(const Call &call, Json prices);
    Json pricesFor(const Call &call, QStringList keys);
    engine::net::ServerResponse createSubscription(Call &call, const Json &body);
    engine::net::ServerResponse updateSubscription(Call &call, Document subscription,
                                                   const Json &body);
    engine::net::ServerResponse createInvoice(Call &call, const Json &body);
    engine::net::ServerResponse createPayment(Call &call, const Json &body);
    engine::net::ServerResponse createCreditNote(Call &call, const Json &body);
    engine::net::ServerResponse pay(Call &call, Document invoice, const QString &paymentMethod);
    engine::net::ServerResponse declinedAnswer(Call &call, const Json &payment);
    /// Stores a payment intent; pm_card_chargeDeclined declines it.
    Json paymentIntent(Call &call, qint64 amount, const QString &currency,
                       const QString &customer, const QString &invoice,
                       const QString &paymentMethod, const Json &metadata);

    /// Builds, stores and (unless a draft) finalizes an invoice; `lines` are already priced.
    Document storeInvoice(Call &call, const Document &customer, const QString &currency,
                          Json lines, const Json &extra, bool finalize);
    void finalize(Call &call, Json &invoice);
    /// Priced invoice lines from {price, quantity} / {amount, description}; an error response
    /// when a line is invalid.
    std::optional<engine::net::ServerResponse> priceLines(const Json &input, QString &currency,
                                                          Json &lines, qint64 nowSeconds);
    Json subscriptionItems(Call &call, const QString &subscriptionId, const Json &items,
                           QString &currency, std::optional<engine::net::ServerResponse> &error);
    Document keep(Call &call, const QString &type, Json body, const QString &businessKey);
    void announce(Call &call, const QString &type, const Json &object,
              const Json &previous = Json());
    QString newId(const QString &prefix);
    engine::net::ServerResponse invalid(const QString &code, const QString &param,
                                        const QString &message, int status = 400) const;
    engine::net::ServerResponse missing(const QString &param) const;
    engine::net::ServerResponse noSuch(const QString &what, const QString &id) const;
};

} // namespace syncline::sandbox
