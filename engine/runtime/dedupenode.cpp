#include "engine/runtime/dedupenode.h"

#include <QDateTime>

namespace syncline::engine::runtime {

namespace {

// How long a key stays in memory after it was seen: far longer than a step commit takes.
constexpr qint64 kCacheMs = 5 * 60'000;
constexpr qint64 kSweepEveryMs = 60'000;

QByteArray encode(const QString &messageId, qint64 firstSeenAtMs)
{
    nlohmann::json value = {{"messageId", messageId.toStdString()}, {"firstSeenAt", firstSeenAtMs}};
    return QByteArray::fromStdString(value.dump());
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

QString DedupeNode::scopeOf(const QString &flowId, const QString &nodeId)
{
    return QStringLiteral("dedupe/%1/%2").arg(flowId, nodeId);
}

Result<std::shared_ptr<DedupeNode>> DedupeNode::create(const PlannedNode &node,
                                                      store::MessageStore &store,
                                                      std::function<qint64()> clockMs)
{
    auto dedupe = std::shared_ptr<DedupeNode>(new DedupeNode(store, std::move(clockMs)));
    Result<KeySetting> key = KeySetting::parse(QStringLiteral("settings/key"),
                                               settingText(node.settings, "key"));
    if (!key) {
        return key.error();
    }
    dedupe->m_key = std::move(*key);
    dedupe->m_windowMs = settingInteger(node.settings, "windowMs").value_or(0);
    if (dedupe->m_windowMs < 1) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/windowMs: a dedupe node needs a window of at "
                                          "least 1 ms"));
    }
    dedupe->m_duplicateOutput = !node.successors(QStringLiteral("duplicate")).isEmpty();
    dedupe->m_scope = scopeOf(node.flowId, node.id);
    return dedupe;
}

void DedupeNode::sweep(qint64 now)
{
    for (auto it = m_recent.begin(); it != m_recent.end();) {
        if (it->cachedUntilMs <= now || it->firstSeenAtMs + m_windowMs <= now) {
            it = m_recent.erase(it);
        } else {
            ++it;
        }
    }
    m_nextSweepMs = now + kSweepEveryMs;
}

Result<std::optional<DedupeNode::First>> DedupeNode::lookUp(const QString &key, qint64 now)
{
    if (const auto found = m_recent.constFind(key); found != m_recent.cend()) {
        if (found->firstSeenAtMs + m_windowMs > now) {
            return std::optional<First>(*found);
        }
        m_recent.erase(found);
        return std::optional<First>();
    }
    Result<std::optional<QByteArray>> stored = m_store.state(m_scope, key);
    if (!stored) {
        return stored.error();
    }
    if (!stored->has_value()) {
        return std::optional<First>();
    }
    const nlohmann::json value = nlohmann::json::parse(stored->value().toStdString(), nullptr,
                                                       false);
    if (!value.is_object() || !value.contains("messageId")) {
        return std::optional<First>(); // unreadable: treat the key as new rather than stop
    }
    First first{QString::fromStdString(value.value("messageId", "")),
                value.value("firstSeenAt", qint64(0)), now + kCacheMs};
    if (first.firstSeenAtMs + m_windowMs <= now) {
        return std::optional<First>(); // a longer window of an earlier version kept it
    }
    m_recent.insert(key, first);
    return std::optional<First>(first);
}

NodeOutcome DedupeNode::run(const store::WorkItem &item)
{
    Result<json::Value> payload = readPayload(item);
    if (!payload) {
        return NodeOutcome::fail(payload.error().code, payload.error().message);
    }
    Result<QString> key = m_key.evaluate(*payload, item.message);
    if (!key) {
        return NodeOutcome::fail(key.error().code, key.error().message);
    }
    if (key->isEmpty()) {
        return NodeOutcome::fail(QStringLiteral("DEDUPE_KEY_MISSING"),
                                 QStringLiteral("the message has no business key to "
                                                "deduplicate by"));
    }
    const qint64 now = m_clockMs();
    purgeExpiredStateNowAndThen(m_store, now);
    std::unique_lock lock(m_mutex);
    if (now >= m_nextSweepMs) {
        sweep(now);
    }
    Result<std::optional<First>> first = lookUp(*key, now);
    if (!first) {
        return NodeOutcome::retry(first.error().code, first.error().message);
    }
    if (!first->has_value() || (*first)->messageId == item.message.messageId) {
        // The first with this key (or the first running again after a crash): record it.
        const qint64 seenAt = first->has_value() ? (*first)->firstSeenAtMs : now;
        m_recent.insert(*key, {item.message.messageId, seenAt, now + kCacheMs});
        lock.unlock();
        NodeOutcome outcome = NodeOutcome::next();
        outcome.stateWrites.append({m_scope, *key, encode(item.message.messageId, seenAt),
                                    seenAt + m_windowMs});
        return outcome;
    }
    const First original = **first;
    lock.unlock();
    NodeOutcome outcome = m_duplicateOutput ? NodeOutcome::next(QStringLiteral("duplicate"))
                                            : NodeOutcome::produce({});
    outcome.errorCode = QStringLiteral("DUPLICATE_EVENT");
    outcome.errorDetail = QStringLiteral("key \"%1\" was first seen in message %2 at %3; repeats "
                                         "until %4 are duplicates")
                              .arg(*key, original.messageId, timeText(original.firstSeenAtMs),
                                   timeText(original.firstSeenAtMs + m_windowMs));
    return outcome;
}

} // namespace syncline::engine::runtime
