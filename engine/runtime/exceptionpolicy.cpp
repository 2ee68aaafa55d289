#include "engine/runtime/exceptionpolicy.h"

namespace syncline::engine::runtime {

namespace {

constexpr auto kDefaultKey = "default";
constexpr int kMaxSlaHours = 24 * 366;

QStringList policyKeys()
{
    return {QStringLiteral("business"),
            QStringLiteral("technical"),
            QStringLiteral("uncertain"),
            QLatin1String(kDefaultKey)};
}

} // namespace

QStringList ownerRoleNames()
{
    return {QStringLiteral("finance"), QStringLiteral("admin"), QStringLiteral("analyst")};
}

ExceptionPolicy ExceptionPolicy::fromJson(const nlohmann::json &policy, QStringList &problems)
{
    ExceptionPolicy read;
    if (policy.is_null()) {
        return read;
    }
    if (!policy.is_object()) {
        problems.append(QStringLiteral("/policy: must be an object"));
        return read;
    }
    const QStringList keys = policyKeys();
    for (const auto &[section, value] : policy.items()) {
        if (section != "owner" && section != "slaHours") {
            problems.append(QStringLiteral("/policy/%1: not a policy setting (owner, slaHours)")
                                .arg(QString::fromStdString(section)));
            continue;
        }
        if (!value.is_object()) {
            problems.append(QStringLiteral("/policy/%1: must be an object of category → value")
                                .arg(QString::fromStdString(section)));
            continue;
        }
        for (const auto &[name, setting] : value.items()) {
            const QString key = QString::fromStdString(name);
            const QString at =
                QStringLiteral("/policy/%1/%2").arg(QString::fromStdString(section), key);
            if (!keys.contains(key)) {
                problems.append(QStringLiteral("%1: not a category (%2)")
                                    .arg(at, keys.join(QStringLiteral(", "))));
                continue;
            }
            if (section == "owner") {
                const QString role = setting.is_string()
                                         ? QString::fromStdString(setting.get<std::string>())
                                         : QString();
                if (!ownerRoleNames().contains(role)) {
                    problems.append(QStringLiteral("%1: must be one of %2")
                                        .arg(at, ownerRoleNames().join(QStringLiteral(", "))));
                    continue;
                }
                read.owners.insert(key, role);
            } else {
                if (!setting.is_number_integer() || setting.get<qint64>() < 1 ||
                    setting.get<qint64>() > kMaxSlaHours) {
                    problems.append(QStringLiteral("%1: must be a whole number of hours, 1 … %2")
                                        .arg(at)
                                        .arg(kMaxSlaHours));
                    continue;
                }
                read.slaHours.insert(key, setting.get<int>());
            }
        }
    }
    return read;
}

QString ExceptionPolicy::ownerFor(store::ExceptionCategory category) const
{
    const QString key = store::exceptionCategoryName(category);
    return owners.value(
        key, owners.value(QLatin1String(kDefaultKey), store::defaultOwnerRole(category)));
}

qint64 ExceptionPolicy::slaMs(store::ExceptionCategory category) const
{
    const QString key = store::exceptionCategoryName(category);
    const int hours =
        slaHours.value(key, slaHours.value(QLatin1String(kDefaultKey), store::kDefaultSlaHours));
    return qint64(hours) * 3'600'000;
}

} // namespace syncline::engine::runtime
