#include "engine/store/exceptionrecords.h"

#include <QStringList>

namespace syncline::engine::store {

QString exceptionCategoryName(ExceptionCategory category)
{
    switch (category) {
    case ExceptionCategory::Business:
        return QStringLiteral("business");
    case ExceptionCategory::Technical:
        return QStringLiteral("technical");
    case ExceptionCategory::Uncertain:
        return QStringLiteral("uncertain");
    }
    return {};
}

std::optional<ExceptionCategory> exceptionCategoryFromName(const QString &name)
{
    for (ExceptionCategory category : {ExceptionCategory::Business,
                                       ExceptionCategory::Technical,
                                       ExceptionCategory::Uncertain}) {
        if (exceptionCategoryName(category) == name) {
            return category;
        }
    }
    return std::nullopt;
}

QString exceptionStateName(ExceptionState state)
{
    switch (state) {
    case ExceptionState::Open:
        return QStringLiteral("open");
    case ExceptionState::Assigned:
        return QStringLiteral("assigned");
    case ExceptionState::Resolved:
        return QStringLiteral("resolved");
    }
    return {};
}

QString resolutionName(Resolution resolution)
{
    switch (resolution) {
    case Resolution::None:
        return {};
    case Resolution::Replayed:
        return QStringLiteral("replayed");
    case Resolution::Repaired:
        return QStringLiteral("repaired");
    case Resolution::Discarded:
        return QStringLiteral("discarded");
    }
    return {};
}

QString exceptionGroupName(ExceptionGroup group)
{
    switch (group) {
    case ExceptionGroup::Reason:
        return QStringLiteral("reason");
    case ExceptionGroup::Flow:
        return QStringLiteral("flow");
    case ExceptionGroup::Node:
        return QStringLiteral("node");
    case ExceptionGroup::State:
        return QStringLiteral("state");
    case ExceptionGroup::Category:
        return QStringLiteral("category");
    case ExceptionGroup::Owner:
        return QStringLiteral("owner");
    }
    return {};
}

std::optional<ExceptionGroup> exceptionGroupFromName(const QString &name)
{
    for (ExceptionGroup group : {ExceptionGroup::Reason,
                                 ExceptionGroup::Flow,
                                 ExceptionGroup::Node,
                                 ExceptionGroup::State,
                                 ExceptionGroup::Category,
                                 ExceptionGroup::Owner}) {
        if (exceptionGroupName(group) == name) {
            return group;
        }
    }
    return std::nullopt;
}

ExceptionCategory defaultCategoryFor(const QString &reasonCode)
{
    if (reasonCode == QLatin1String("UNCERTAIN")) {
        return ExceptionCategory::Uncertain;
    }
    // Faults no edit of the data fixes: the engine, its store, or the flow's configuration.
    static const QStringList technical = {
        QStringLiteral("RETRIES_EXHAUSTED"),
        QStringLiteral("INTERNAL"),
        QStringLiteral("WRITE_FAILED"),
        QStringLiteral("PUBLISH_LOOP"),
        QStringLiteral("PATH_TEMPLATE"),
        QStringLiteral("SETTINGS_INVALID"),
    };
    if (technical.contains(reasonCode) || reasonCode.startsWith(QLatin1String("STORE_"))) {
        return ExceptionCategory::Technical;
    }
    return ExceptionCategory::Business;
}

QString defaultOwnerRole(ExceptionCategory category)
{
    return category == ExceptionCategory::Business ? QStringLiteral("finance")
                                                   : QStringLiteral("admin");
}

} // namespace syncline::engine::store
