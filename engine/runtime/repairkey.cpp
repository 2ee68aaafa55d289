#include "engine/runtime/repairkey.h"

#include "engine/runtime/outcome.h"
#include "engine/store/exceptionrecords.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

int repairsOf(const QByteArray &headers)
{
    if (!headers.contains(store::kRepairHeader)) {
        return 0;
    }
    const nlohmann::json parsed = nlohmann::json::parse(
        headers.constData(), headers.constData() + headers.size(), nullptr, false);
    if (!parsed.is_object()) {
        return 0;
    }
    const auto it = parsed.find(store::kRepairHeader);
    return it != parsed.end() && it->is_number_integer() ? it->get<int>() : 0;
}

Result<QString> effectKeyFor(store::MessageStore &store, const QString &key,
                             const store::StoredMessage &message)
{
    const int repairs = repairsOf(message.headers);
    if (repairs <= 0) {
        return key;
    }
    const auto keyOf = [&key](int v) {
        return v == 0 ? key : QStringLiteral("%1-r%2").arg(key).arg(v);
    };
    for (int v = repairs; v >= 0; --v) {
        Result<std::optional<store::EffectRecord>> found = store.effect(keyOf(v));
        if (!found) {
            return found.error();
        }
        if (!*found) {
            continue;
        }
        const store::EffectRecord &effect = **found;
        const bool refused = effect.state == store::EffectState::Failed && effect.httpStatus > 0
                             && classifyHttpStatus(effect.httpStatus) == CallVerdict::Fail;
        return refused && v < repairs ? keyOf(repairs) : keyOf(v);
    }
    return key;
}

} // namespace syncline::engine::runtime
