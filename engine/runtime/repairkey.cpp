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

std::optional<NodeOutcome> effectKeyCollision(store::MessageStore &store,
                                              const store::EffectRecord &effect,
                                              const store::StoredMessage &message,
                                              const QString &nodeId)
{
    if (effect.intent.messageId.isEmpty() || effect.intent.messageId == message.messageId
        || repairsOf(message.headers) > 0) {
        return std::nullopt;
    }
    if (effect.state != store::EffectState::Pending) {
        // Read only on this rare path: another message's ledger entry under this key.
        const Result<std::optional<store::StoredMessage>> other = store.message(
            effect.intent.messageId);
        const bool sibling = other && *other && !message.causationId.isEmpty()
                             && (*other)->causationId == message.causationId;
        if (!sibling) {
            return std::nullopt;
        }
    }
    return NodeOutcome::fail(
        QStringLiteral("EFFECT_KEY_COLLISION"),
        QStringLiteral("node %1 derived the idempotency key %2 for this message, but message %3 "
                       "already holds it (business key \"%4\"); the call was not made. Give "
                       "each message its own business key at this node (e.g. the split's "
                       "businessKey)")
            .arg(nodeId, effect.intent.idempotencyKey, effect.intent.messageId,
                 effect.intent.businessKey));
}

} // namespace syncline::engine::runtime
