#pragma once

// For each scenario of the demo, the source events the sandbox sent and the target documents each
// one must lead to — found in the sandbox (its ledger and its systems' APIs), never in the engine,
// so that the engine's lineage can be checked against them.

#include "tests/app/demo/democlient.h"

#include <QList>
#include <QMap>
#include <QSet>
#include <QString>

#include <algorithm>

namespace syncline::tests::demo {

// A document a source event must reach through the lineage: an effect that succeeded created or
// changed it (a write: its id came back, it was created under its idempotency key, or the call
// addressed it by id), or — with `urlPart` — a call whose URL names it (a read, the usage record
// of one subscription item) made from a message with business key `messageKey` when one is set.
struct Target
{
    QString what;
    QString id;
    QString idempotencyKey;
    QString urlPart;
    QString messageKey;
};

struct SourceEvent
{
    QString key; // the source message's business key: the lineage query
    QList<Target> targets;
};

inline bool reaches(const Json &graph, const Target &target)
{
    for (const Json &message : graph.value("messages", Json::array())) {
        if (!target.messageKey.isEmpty() && text(message["businessKey"]) != target.messageKey) {
            continue;
        }
        for (const Json &effect : message.value("effects", Json::array())) {
            if (effect.value("state", std::string()) != "succeeded") {
                continue;
            }
            const QString url = text(effect["url"]);
            if (!target.urlPart.isEmpty()) {
                if (url.contains(target.urlPart)) {
                    return true;
                }
                continue;
            }
            if (effect.value("method", std::string()) == "GET") {
                continue;
            }
            if (!target.idempotencyKey.isEmpty()) {
                if (text(effect["idempotencyKey"]) == target.idempotencyKey) {
                    return true;
                }
                continue;
            }
            if (url.endsWith(u'/' + target.id)) {
                return true;
            }
            const Json ids = effect.value("externalIds", Json::object());
            for (auto it = ids.begin(); it != ids.end(); ++it) {
                if (text(it.value()) == target.id) {
                    return true;
                }
            }
        }
    }
    return false;
}

// Per billing subscription, the amendment that last changed it, in the order the CRM closed them.
struct LastAmendments
{
    QMap<QString, Json> effective; // subscription → its last amendment that got past the rules
    QSet<QString> waiting;         // subscriptions whose last such amendment is parked half way
    qsizetype amendedAgain = 0;    // subscriptions amended more than once
};

// `amendments` oldest first (as closedWon() lists them); `parked` the amendment flow's exceptions.
// An amendment stopped by one of the flow's rules, all of which come before its first write,
// changed nothing and does not count.
inline LastAmendments lastAmendments(const QList<Json> &amendments, const QMultiHash<QString, QString> &parked)
{
    static const QStringList stoppedBeforeAnyWrite = {
        QStringLiteral("NO_LINE_ITEMS"),   QStringLiteral("UNKNOWN_SUBSCRIPTION"), QStringLiteral("UNKNOWN_CUSTOMER"),
        QStringLiteral("UNKNOWN_PRODUCT"), QStringLiteral("INVALID_GL_ACCOUNT"),   QStringLiteral("CURRENCY_MISMATCH")};
    LastAmendments last;
    QHash<QString, int> count;
    for (const Json &amendment : amendments) {
        QStringList reasons = parked.values(text(amendment["Id"]));
        for (const Json &item : amendment["lineItems"]) {
            reasons += parked.values(text(amendment["External_Id__c"]) + u':' + text(item["ProductCode"]));
        }
        const bool refused = !reasons.isEmpty() && std::all_of(reasons.cbegin(), reasons.cend(), [](const QString &r) {
            return stoppedBeforeAnyWrite.contains(r);
        });
        if (refused) {
            continue;
        }
        const QString subscription = text(amendment["Billing_Subscription_Id__c"]);
        if (++count[subscription] == 2) {
            ++last.amendedAgain;
        }
        last.effective.insert(subscription, amendment);
        if (reasons.isEmpty()) {
            last.waiting.remove(subscription);
        } else {
            last.waiting.insert(subscription);
        }
    }
    return last;
}

// A subscription's licensed items (lookup key → monthly amount), and what an amendment asked for.
inline QMap<QString, QString> licensedItems(const Json &subscription)
{
    QMap<QString, QString> licensed;
    for (const Json &si : subscription["items"]["data"]) {
        if (text(si["price"]["recurring"]["usage_type"]) == QLatin1String("licensed")) {
            licensed.insert(text(si["price"]["lookup_key"]), major(si["price"]["unit_amount"].get<qint64>() * si["quantity"].get<qint64>()));
        }
    }
    return licensed;
}
inline QMap<QString, QString> askedFor(const Json &amendment)
{
    QMap<QString, QString> expected;
    for (const Json &item : amendment["lineItems"]) {
        expected.insert(text(item["ProductCode"]) + QStringLiteral("_usd_month"), decimal2(item["TotalPrice"]));
    }
    return expected;
}

class DemoSources : public DemoClient
{
protected:
    static Target document(const Json &ledgerEntry)
    {
        const QString key = ledgerEntry["idempotencyKey"].is_string() ? text(ledgerEntry["idempotencyKey"]) : QString();
        return {text(ledgerEntry["system"]) + u' ' + text(ledgerEntry["type"]), text(ledgerEntry["id"]), key, {}, {}};
    }
    QList<Target> documentsWithKey(const QString &businessKey)
    {
        QList<Target> found;
        for (const Json &d : ledger(QStringLiteral("origin=api&businessKey=") + QString::fromLatin1(QUrl::toPercentEncoding(businessKey)))) {
            found.append(document(d));
        }
        return found;
    }
    Target entitlementOf(const QString &globalAccountId)
    {
        return {QStringLiteral("support entitlement"), text(entitlement(globalAccountId)["id"]), {}, {}, {}};
    }
    QString globalAccountOf(const Json &opportunity)
    {
        return text(crmGet(QStringLiteral("/sobjects/Account/") + text(opportunity["AccountId"]))["Global_Account_Id__c"]);
    }

    // Invoice issued: each posted invoice's ERP receivable.
    QList<SourceEvent> invoicesIssued()
    {
        QList<SourceEvent> events;
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("invoice-to-erp"));
        for (const Json &d : ledger(QStringLiteral("system=erp&type=invoice&origin=api"))) {
            if (!parked.contains(text(d["businessKey"]))) {
                events.append({text(d["businessKey"]), {document(d)}});
            }
        }
        return events;
    }
    // Data feed: each posted invoice's row in the data platform.
    QList<SourceEvent> dataFeed()
    {
        QList<SourceEvent> events;
        for (const Json &d : ledger(QStringLiteral("system=data&type=row:invoices&origin=api"))) {
            events.append({text(d["businessKey"]), {document(d)}});
        }
        return events;
    }
    // Closed won: the deal's subscription and sales order, a new logo's ERP and billing customer
    // and support organization, and the account's entitlement.
    QList<SourceEvent> closedWonDeals()
    {
        QList<SourceEvent> events;
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("lead-to-cash"));
        for (const Json &deal : closedWon(QStringLiteral("OPP-"))) {
            if (parked.contains(text(deal["Id"]))) {
                continue;
            }
            const QString gid = globalAccountOf(deal);
            events.append({text(deal["Id"]), documentsWithKey(text(deal["External_Id__c"])) + documentsWithKey(gid)
                                                 + QList<Target>{entitlementOf(gid)}});
        }
        return events;
    }
    // Amendment: billing's subscription, one ERP revenue schedule per line item, the entitlement.
    QList<SourceEvent> amendments()
    {
        QList<SourceEvent> events;
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("subscription-amendment"));
        for (const Json &amendment : closedWon(QStringLiteral("AMD-"))) {
            const QString ref = text(amendment["External_Id__c"]);
            SourceEvent event{text(amendment["Id"]), {}};
            bool stopped = parked.contains(event.key);
            for (const Json &item : amendment["lineItems"]) {
                const QString key = ref + u':' + text(item["ProductCode"]);
                stopped = stopped || parked.contains(key);
                event.targets += documentsWithKey(key);
            }
            if (stopped) {
                continue;
            }
            event.targets.append({QStringLiteral("billing subscription"), text(amendment["Billing_Subscription_Id__c"]), {}, {}, {}});
            event.targets.append(entitlementOf(globalAccountOf(amendment)));
            events.append(event);
        }
        return events;
    }
    // Payment failed: the customer's CRM account (its health) and support entitlement.
    QList<SourceEvent> failedPayments()
    {
        QList<SourceEvent> events;
        const QMultiHash<QString, QString> parked = exceptionsOf(QStringLiteral("payment-delinquency"));
        for (const Json &d : ledger(QStringLiteral("system=billing&type=invoice&origin=traffic"))) {
            const Json invoice = billingGet(QStringLiteral("/invoices/") + text(d["id"]));
            if (invoice.value("attempt_count", 0) == 0 || invoice.value("paid", false) || parked.contains(text(invoice["id"]))) {
                continue;
            }
            const QString gid = text(billingGet(QStringLiteral("/customers/") + text(invoice["customer"]))["metadata"]["global_account_id"]);
            events.append({text(invoice["id"]),
                           {{QStringLiteral("crm Account"), text(crmAccount(gid)["Id"]), {}, {}, {}}, entitlementOf(gid)}});
        }
        return events;
    }
    // Usage: each distinct event reaches a billing usage record of its subscription item, made for
    // its item, metric and hour.
    QList<SourceEvent> usageEvents()
    {
        QList<SourceEvent> events;
        QSet<QString> seen;
        QString cursor;
        bool more = true;
        while (more) {
            const Json page = parse(call("GET", m_sandboxUrl + QStringLiteral("/usage/v1/events?limit=1000")
                                                    + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor),
                                         {}, {{"X-Api-Key", "sandbox-usage-key"}})
                                        .body);
            for (const Json &e : page.value("data", Json::array())) {
                const QString id = text(e["id"]);
                if (seen.contains(id)) {
                    continue;
                }
                seen.insert(id);
                const QString item = text(e["subscription_item"]);
                const QString group = item + u'|' + text(e["metric"]) + u'|' + text(e["timestamp"]).left(13);
                events.append({id, {{QStringLiteral("billing usage record"), {}, {},
                                     QStringLiteral("/subscription_items/") + item + QStringLiteral("/usage_records"), group}}});
            }
            more = page.value("has_more", false);
            cursor = QString::fromStdString(page.value("next_cursor", std::string()));
        }
        return events;
    }
    // Ticket: the answer reads the entitlement of the ticket's organization.
    QList<SourceEvent> tickets()
    {
        QList<SourceEvent> events;
        for (const Json &d : ledger(QStringLiteral("system=support&type=ticket&origin=traffic"))) {
            const Json ticket = supportGet(QStringLiteral("/tickets/") + text(d["id"]) + QStringLiteral(".json"))["ticket"];
            events.append({text(d["id"]), {{QStringLiteral("support entitlement (read)"), {}, {},
                                            QStringLiteral("entitlements.json?organization_id=") + text(ticket["organization_id"]), {}}}});
        }
        return events;
    }
    // Account changed: an account whose identity changed reaches its ERP and billing customer.
    // (Which accounts the traffic changed the sandbox does not record: those whose lineage shows
    // a change of CRM-owned fields are checked.)
    QList<SourceEvent> accountChanges()
    {
        QList<SourceEvent> events;
        for (const Json &d : ledger(QStringLiteral("system=crm&type=Account&origin=traffic"))) {
            const QString gid = text(d["businessKey"]);
            const QList<Json> erp = toList(ledger(QStringLiteral("system=erp&type=customer&businessKey=") + gid));
            const QList<Json> billing = toList(ledger(QStringLiteral("system=billing&type=customer&businessKey=") + gid));
            if (erp.size() != 1 || billing.size() != 1 || !syncedIdentity(lineage(text(d["id"])))) {
                continue;
            }
            events.append({text(d["id"]), {{QStringLiteral("erp customer"), text(erp[0]["id"]), {}, {}, {}},
                                           {QStringLiteral("billing customer"), text(billing[0]["id"]), {}, {}, {}}}});
        }
        return events;
    }

public:
    static QStringList scenarios()
    {
        return {QStringLiteral("invoice issued"), QStringLiteral("closed won"), QStringLiteral("amendment"),
                QStringLiteral("payment failed"), QStringLiteral("usage"), QStringLiteral("ticket"),
                QStringLiteral("account changed"), QStringLiteral("data feed")};
    }
    QList<SourceEvent> sourcesOf(const QString &scenario)
    {
        const QList<QList<SourceEvent> (DemoSources::*)()> find = {
            &DemoSources::invoicesIssued, &DemoSources::closedWonDeals, &DemoSources::amendments,
            &DemoSources::failedPayments, &DemoSources::usageEvents,    &DemoSources::tickets,
            &DemoSources::accountChanges, &DemoSources::dataFeed};
        return (this->*find[scenarios().indexOf(scenario)])();
    }

private:
    static QList<Json> toList(const Json &array)
    {
        return QList<Json>(array.begin(), array.end());
    }
    // Whether a customer-sync message of the graph went on past the ownership check.
    static bool syncedIdentity(const Json &graph)
    {
        for (const Json &message : graph.value("messages", Json::array())) {
            for (const Json &step : message.value("steps", Json::array())) {
                if (text(message["flow"]) == QLatin1String("customer-sync") && text(step["node"]) == QLatin1String("erpCustomer")) {
                    return true;
                }
            }
        }
        return false;
    }
};

} // namespace syncline::tests::demo
