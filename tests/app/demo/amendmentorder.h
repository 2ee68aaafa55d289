#pragma once

#include <QHash>
#include <QMap>
#include <QMultiHash>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>

namespace demo {

/// For every subscription the traffic amended more than once (two amendments back to back, about
/// half a second apart) with no amendment parked as a deal: billing's licensed items are those
/// of the amendment sent last (its AMD- number is the highest) — not an interleaving of the two
/// and not the earlier one. The amendment flow's ordering key is what makes this hold.
/// Returns what differs; `checked` counts the subscriptions compared.
inline QStringList amendmentOrderProblems(const QList<nlohmann::json> &amendments,
                                          const QMultiHash<QString, QString> &parked,
                                          const std::function<nlohmann::json(const QString &)> &billingGet,
                                          int &checked)
{
    const auto str = [](const nlohmann::json &v) {
        return QString::fromStdString(v.is_string() ? v.get<std::string>() : v.dump());
    };
    const auto number = [&str](const nlohmann::json &amendment) {
        return str(amendment["External_Id__c"]).section(u'-', 1).toLongLong();
    };
    QHash<QString, QList<nlohmann::json>> bySubscription;
    for (const nlohmann::json &amendment : amendments) {
        bySubscription[str(amendment["Billing_Subscription_Id__c"])].append(amendment);
    }
    QStringList problems;
    checked = 0;
    for (auto it = bySubscription.begin(); it != bySubscription.end(); ++it) {
        QList<nlohmann::json> &sequence = it.value();
        const bool anyParked = std::any_of(sequence.cbegin(), sequence.cend(), [&](const nlohmann::json &a) {
            return parked.contains(str(a["Id"]));
        });
        if (sequence.size() < 2 || anyParked) {
            continue;
        }
        std::sort(sequence.begin(), sequence.end(), [&](const nlohmann::json &a, const nlohmann::json &b) {
            return number(a) < number(b);
        });
        QMap<QString, qint64> expected;
        for (const nlohmann::json &item : sequence.constLast()["lineItems"]) {
            expected.insert(str(item["ProductCode"]) + QStringLiteral("_usd_month"), qint64(item["Quantity"].get<double>()));
        }
        QMap<QString, qint64> licensed;
        const nlohmann::json subscription = billingGet(QStringLiteral("/subscriptions/") + it.key());
        for (const nlohmann::json &si : subscription["items"]["data"]) {
            if (str(si["price"]["recurring"]["usage_type"]) == QLatin1String("licensed")) {
                licensed.insert(str(si["price"]["lookup_key"]), si["quantity"].get<qint64>());
            }
        }
        ++checked;
        if (licensed != expected) {
            QStringList have;
            for (auto l = licensed.cbegin(); l != licensed.cend(); ++l) {
                have.append(l.key() + u'=' + QString::number(l.value()));
            }
            problems.append(QStringLiteral("%1 amended by %2 (last) has %3").arg(it.key(), str(sequence.constLast()["External_Id__c"]), have.join(u',')));
        }
    }
    return problems;
}

} // namespace demo
