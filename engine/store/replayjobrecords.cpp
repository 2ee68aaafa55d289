#include "engine/store/replayjobrecords.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::store {

namespace {

struct StateName
{
    ReplayJobState state;
    const char *name;
};

constexpr StateName kStateNames[] = {
    {ReplayJobState::Queued, "queued"},
    {ReplayJobState::Running, "running"},
    {ReplayJobState::Paused, "paused"},
    {ReplayJobState::Cancelled, "cancelled"},
    {ReplayJobState::Finished, "finished"},
    {ReplayJobState::Failed, "failed"},
};

struct StatesName
{
    ExceptionFilter::States states;
    const char *name;
};

constexpr StatesName kStatesNames[] = {
    {ExceptionFilter::States::Any, "any"},
    {ExceptionFilter::States::Open, "open"},
    {ExceptionFilter::States::Assigned, "assigned"},
    {ExceptionFilter::States::Resolved, "resolved"},
    {ExceptionFilter::States::Unresolved, "unresolved"},
};

} // namespace

bool ReplayJob::active() const
{
    return state == ReplayJobState::Queued || state == ReplayJobState::Running
           || state == ReplayJobState::Paused;
}

QString replayJobStateName(ReplayJobState state)
{
    for (const StateName &s : kStateNames) {
        if (s.state == state) {
            return QString::fromLatin1(s.name);
        }
    }
    return {};
}

std::optional<ReplayJobState> replayJobStateFromName(const QString &name)
{
    for (const StateName &s : kStateNames) {
        if (name == QLatin1String(s.name)) {
            return s.state;
        }
    }
    return std::nullopt;
}

QString replayItemStateName(ReplayItemState state)
{
    switch (state) {
    case ReplayItemState::Pending:
        return QStringLiteral("pending");
    case ReplayItemState::Replayed:
        return QStringLiteral("replayed");
    case ReplayItemState::Skipped:
        return QStringLiteral("skipped");
    case ReplayItemState::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

QByteArray filterToJson(const ExceptionFilter &filter)
{
    nlohmann::json out = nlohmann::json::object();
    const auto text = [&out](const char *key, const QString &value) {
        if (!value.isEmpty()) {
            out[key] = value.toStdString();
        }
    };
    text("flow", filter.flowId);
    text("node", filter.nodeId);
    text("reason", filter.reasonCode);
    text("owner", filter.ownerRole);
    text("businessKey", filter.businessKey);
    text("correlationId", filter.correlationId);
    if (filter.category) {
        out["category"] = exceptionCategoryName(*filter.category).toStdString();
    }
    for (const StatesName &s : kStatesNames) {
        if (s.states == filter.states) {
            out["state"] = s.name;
        }
    }
    if (filter.createdBeforeMs) {
        out["createdBefore"] = *filter.createdBeforeMs;
    }
    if (filter.createdAfterMs) {
        out["createdAfter"] = *filter.createdAfterMs;
    }
    if (filter.overdueAtMs) {
        out["overdueAt"] = *filter.overdueAtMs;
    }
    return QByteArray::fromStdString(out.dump());
}

Result<ExceptionFilter> filterFromJson(const QByteArray &json)
{
    const nlohmann::json in =
        nlohmann::json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (!in.is_object()) {
        return Error::make(QStringLiteral("STORE_SQL"),
                           QStringLiteral("a replay job's stored filter is not a JSON object"));
    }
    ExceptionFilter filter;
    const auto text = [&in](const char *key) {
        const auto found = in.find(key);
        return found != in.end() && found->is_string()
                   ? QString::fromStdString(found->get<std::string>())
                   : QString();
    };
    const auto number = [&in](const char *key) -> std::optional<qint64> {
        const auto found = in.find(key);
        if (found == in.end() || !found->is_number_integer()) {
            return std::nullopt;
        }
        return found->get<qint64>();
    };
    filter.flowId = text("flow");
    filter.nodeId = text("node");
    filter.reasonCode = text("reason");
    filter.ownerRole = text("owner");
    filter.businessKey = text("businessKey");
    filter.correlationId = text("correlationId");
    if (const QString category = text("category"); !category.isEmpty()) {
        filter.category = exceptionCategoryFromName(category);
    }
    const QString states = text("state");
    for (const StatesName &s : kStatesNames) {
        if (states == QLatin1String(s.name)) {
            filter.states = s.states;
        }
    }
    filter.createdBeforeMs = number("createdBefore");
    filter.createdAfterMs = number("createdAfter");
    filter.overdueAtMs = number("overdueAt");
    return filter;
}

} // namespace syncline::engine::store
