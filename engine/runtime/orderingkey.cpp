#include "engine/runtime/orderingkey.h"

#include "engine/json/intake.h"
#include "engine/runtime/jsonpointer.h"

namespace syncline::engine::runtime {

QString orderingKeyPointer(const nlohmann::json &settings)
{
    const auto pointer = settings.find("orderingKey");
    if (pointer == settings.end() || !pointer->is_string()) {
        return {};
    }
    return QString::fromStdString(pointer->get<std::string>());
}

QString orderingKeyOf(const json::Value &payload, const QString &pointer)
{
    if (pointer.isEmpty()) {
        return {};
    }
    return scalarText(resolvePointer(payload, pointer));
}

QString orderingKeyOf(const QByteArray &payload, const QString &pointer)
{
    if (pointer.isEmpty()) {
        return {};
    }
    const json::IntakeResult parsed = json::JsonIntake::parse(payload);
    return parsed.ok() ? orderingKeyOf(parsed.value(), pointer) : QString();
}

} // namespace syncline::engine::runtime
