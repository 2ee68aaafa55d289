#include "engine/runtime/aggregatenode.h"

#include "engine/runtime/jsonpointer.h"
#include "engine/runtime/nodesupport.h"

#include <QDateTime>

#include <algorithm>

namespace syncline::engine::runtime {

namespace {

constexpr auto kTimerHeader = "syncline:timer";
constexpr qint64 kClosedMarkerMs = 24 * 3'600'000;
constexpr std::size_t kClosedInMemory = 100'000;
constexpr QChar kSeparator = QChar(0x1f);

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

bool isTimer(const store::StoredMessage &message)
{
    const nlohmann::json headers = nlohmann::json::parse(message.headers.toStdString(), nullptr,
                                                         false);
    return headers.is_object() && headers.contains(kTimerHeader);
}

json::Value text(const QString &value)
{
    return json::Value::string(value);
}

// The member's value as exact decimal text: a JSON number keeps the text it arrived with.
Result<QString> decimalText(const json::Value &value)
{
    QString text;
    if (value.isNumber()) {
        text = QString::fromStdString(value.numberToText());
    } else if (value.isString()) {
        text = value.toQString().trimmed();
    } else {
        return Error::make(QStringLiteral("AGGREGATE_VALUE"),
                           QStringLiteral("the value to aggregate is missing or not a number"));
    }
    Result<money::Decimal> parsed = money::Decimal::parse(QStringView(text));
    if (!parsed) {
        return Error::make(QStringLiteral("AGGREGATE_VALUE"),
                           QStringLiteral("the value to aggregate (\"%1\") is not a decimal "
                                          "number: %2")
                               .arg(text, parsed.error().message));
    }
    return parsed->toString();
}

} // namespace

QString AggregateNode::scopeOf(const QString &flowId, const QString &nodeId)
{
    return QStringLiteral("aggregate/%1/%2").arg(flowId, nodeId);
}

QString AggregateNode::closedScopeOf(const QString &flowId, const QString &nodeId)
{
    return QStringLiteral("aggregate-closed/%1/%2").arg(flowId, nodeId);
}

Result<std::shared_ptr<AggregateNode>> AggregateNode::create(const PlannedNode &node,
                                                            store::MessageStore &store,
                                                            std::function<qint64()> clockMs)
{
    auto aggregate = std::shared_ptr<AggregateNode>(new AggregateNode(store, std::move(clockMs)));
    const nlohmann::json &settings = node.settings;
    aggregate->m_scope = scopeOf(node.flowId, node.id);
    aggregate->m_closedScope = closedScopeOf(node.flowId, node.id);
    aggregate->m_nodeId = node.id;
    aggregate->m_count = settingInteger(settings, "count").value_or(0);
    aggregate->m_windowMs = settingInteger(settings, "windowMs").value_or(0);
    if (aggregate->m_count < 1 && aggregate->m_windowMs < 1) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings: an aggregate closes its groups by count, by "
                                          "windowMs or both; neither is set"));
    }
    for (auto [key, field] : {std::pair{"groupBy", &aggregate->m_groupBy},
                              std::pair{"value", &aggregate->m_value}}) {
        const QString source = settingText(settings, key);
        if (source.isEmpty()) {
            continue;
        }
        Result<expr::Expression> compiled = compileSetting(
            QStringLiteral("settings/%1").arg(QLatin1String(key)), source);
        if (!compiled) {
            return compiled.error();
        }
        *field = std::move(*compiled);
    }
    QStringList functions;
    if (const auto list = settings.find("functions"); list != settings.end() && list->is_array()) {
        for (const auto &name : *list) {
            functions.append(name.is_string() ? QString::fromStdString(name.get<std::string>())
                                              : QString());
        }
    } else if (aggregate->m_value) {
        functions = {QStringLiteral("sum"), QStringLiteral("min"), QStringLiteral("max")};
    }
    for (const QString &function : functions) {
        bool *flag = function == QLatin1String("sum")   ? &aggregate->m_sum
                     : function == QLatin1String("min") ? &aggregate->m_min
                     : function == QLatin1String("max") ? &aggregate->m_max
                                                        : nullptr;
        if (function == QLatin1String("count")) {
            continue; // always there
        }
        if (!flag) {
            return Error::make(QStringLiteral("SETTINGS_INVALID"),
                               QStringLiteral("settings/functions: \"%1\" is not one of count, "
                                              "sum, min, max")
                                   .arg(function));
        }
        if (!aggregate->m_value) {
            return Error::make(QStringLiteral("SETTINGS_INVALID"),
                               QStringLiteral("settings/functions: %1 needs settings/value, the "
                                              "expression of the number to aggregate")
                                   .arg(function));
        }
        *flag = true;
    }
    return aggregate;
}

QByteArray AggregateNode::encode(const Group &group, const Member &member) const
{
    const nlohmann::json value = {{"opener", group.openerId.toStdString()},
                                  {"openedAt", group.openedAtMs},
                                  {"messageId", member.messageId.toStdString()},
                                  {"correlationId", member.correlationId.toStdString()},
                                  {"value", member.value.toStdString()},
                                  {"at", member.atMs}};
    return QByteArray::fromStdString(value.dump());
}

Result<void> AggregateNode::loadOnce()
{
    if (m_loaded) {
        return {};
    }
    Result<QList<store::StateEntry>> entries = m_store.stateEntries(m_scope);
    if (!entries) {
        return entries.error();
    }
    // Groups by opener; a key may have an open group and older ones past their window.
    QHash<QString, Group> byOpener;
    QList<store::StateWrite> stale;
    for (const store::StateEntry &entry : *entries) {
        const nlohmann::json value = nlohmann::json::parse(entry.value.toStdString(), nullptr,
                                                           false);
        if (!value.is_object()) {
            continue;
        }
        // A member's own step can commit after the step that closed its group (both ran at
        // once): its row came back after the close deleted it, and the marker says so.
        const QString messageId = QString::fromStdString(value.value("messageId", ""));
        Result<std::optional<QByteArray>> closed = m_store.state(m_closedScope, messageId);
        if (!closed) {
            return closed.error();
        }
        if (closed->has_value()) {
            stale.append({m_scope, entry.key, std::nullopt, 0});
            continue;
        }
        const QString opener = QString::fromStdString(value.value("opener", ""));
        Group &group = byOpener[opener];
        group.key = entry.key.section(kSeparator, 0, -2);
        group.openerId = opener;
        group.openedAtMs = value.value("openedAt", qint64(0));
        group.members.append({messageId,
                              QString::fromStdString(value.value("correlationId", "")),
                              QString::fromStdString(value.value("value", "")),
                              value.value("at", qint64(0))});
    }
    for (Group &group : byOpener) {
        std::sort(group.members.begin(), group.members.end(),
                  [](const Member &a, const Member &b) {
                      return a.atMs != b.atMs ? a.atMs < b.atMs : a.messageId < b.messageId;
                  });
        const auto current = m_open.find(group.key);
        if (current == m_open.end()) {
            m_open.insert(group.key, group);
        } else if (current->openedAtMs < group.openedAtMs) {
            m_expired.insert(current->openerId, *current);
            *current = group;
        } else {
            m_expired.insert(group.openerId, group);
        }
    }
    if (!stale.isEmpty()) {
        (void) m_store.writeState(stale); // left behind, they are skipped again next time
    }
    m_loaded = true;
    return {};
}

NodeOutcome AggregateNode::run(const store::WorkItem &item)
{
    Result<json::Value> payload = readPayload(item);
    if (!payload) {
        return NodeOutcome::fail(payload.error().code, payload.error().message);
    }
    const qint64 now = m_clockMs();
    purgeExpiredStateNowAndThen(m_store, now);
    if (isTimer(item.message)) {
        return timer(item, scalarText(resolvePointer(*payload, QStringLiteral("/group"))),
                     scalarText(resolvePointer(*payload, QStringLiteral("/opener"))), now);
    }
    QString key;
    if (m_groupBy) {
        expr::ExprResult<json::Value> group = m_groupBy->evaluate(*payload);
        if (!group) {
            return NodeOutcome::fail(QStringLiteral("AGGREGATE_GROUP"),
                                     group.error().toError().message);
        }
        key = keyText(group.value());
    }
    QString value;
    if (m_value) {
        expr::ExprResult<json::Value> evaluated = m_value->evaluate(*payload);
        if (!evaluated) {
            return NodeOutcome::fail(QStringLiteral("AGGREGATE_VALUE"),
                                     evaluated.error().toError().message);
        }
        Result<QString> decimal = decimalText(evaluated.value());
        if (!decimal) {
            return NodeOutcome::fail(decimal.error().code, decimal.error().message);
        }
        value = *decimal;
    }
    // A member whose group closed (its own step's commit was lost): it counts once only.
    Result<std::optional<QByteArray>> closed = m_store.state(m_closedScope,
                                                             item.message.messageId);
    if (!closed) {
        return NodeOutcome::retry(closed.error().code, closed.error().message);
    }
    if (closed->has_value()) {
        NodeOutcome done = NodeOutcome::produce({});
        done.errorDetail = QStringLiteral("already aggregated (%1)")
                               .arg(QString::fromUtf8(**closed));
        return done;
    }
    return member(item, key, value, now);
}

NodeOutcome AggregateNode::member(const store::WorkItem &item, const QString &key,
                                  const QString &value, qint64 now)
{
    Changes changes;
    std::unique_lock lock(m_mutex);
    if (Result<void> loaded = loadOnce(); !loaded) {
        return NodeOutcome::retry(loaded.error().code, loaded.error().message);
    }
    const QString &messageId = item.message.messageId;
    if (m_closedMembers.contains(messageId)) {
        NodeOutcome done = NodeOutcome::produce({});
        done.errorDetail = QStringLiteral("already aggregated");
        return done;
    }
    auto open = m_open.find(key);
    if (open != m_open.end() && m_windowMs > 0 && open->openedAtMs + m_windowMs <= now
        && std::none_of(open->members.cbegin(), open->members.cend(),
                        [&](const Member &m) { return m.messageId == messageId; })) {
        // Past its window, its timer not yet run: the timer closes it; this one starts anew.
        m_expired.insert(open->openerId, *open);
        m_open.erase(open);
        open = m_open.end();
    }
    if (open == m_open.end()) {
        Group group;
        group.key = key;
        group.openerId = messageId;
        group.openedAtMs = now;
        open = m_open.insert(key, group);
        if (m_windowMs > 0) {
            json::ObjectBuilder timerPayload;
            timerPayload.set("group", text(key));
            timerPayload.set("opener", text(messageId));
            store::NewMessage timerMessage = childOf(item.message, timerPayload.build());
            timerMessage.headers = QByteArrayLiteral("{\"syncline:timer\":\"aggregate\"}");
            changes.outputs.append(
                {m_nodeId, timerMessage, QStringLiteral("timer"), now + m_windowMs, {}});
        }
    }
    const auto known = std::find_if(open->members.cbegin(), open->members.cend(),
                                    [&](const Member &m) { return m.messageId == messageId; });
    const Member self = known != open->members.cend()
                            ? *known
                            : Member{messageId, item.message.correlationId, value, now};
    if (known == open->members.cend()) {
        open->members.append(self);
    }
    // Written again when running again: the first commit may be the one that was lost.
    changes.writes.append({m_scope, key + kSeparator + messageId, encode(*open, self), 0});
    if (m_count > 0 && open->members.size() >= m_count) {
        Group full = *open;
        m_open.erase(open);
        close(item, std::move(full), QStringLiteral("count"), now, changes);
    }
    lock.unlock();
    NodeOutcome outcome = NodeOutcome::produce(changes.outputs);
    outcome.stateWrites = changes.writes;
    return outcome;
}

NodeOutcome AggregateNode::timer(const store::WorkItem &item, const QString &key,
                                 const QString &opener, qint64 now)
{
    Changes changes;
    std::unique_lock lock(m_mutex);
    if (Result<void> loaded = loadOnce(); !loaded) {
        return NodeOutcome::retry(loaded.error().code, loaded.error().message);
    }
    std::optional<Group> due;
    if (const auto expired = m_expired.find(opener); expired != m_expired.end()) {
        due = *expired;
        m_expired.erase(expired);
    } else if (const auto open = m_open.find(key);
               open != m_open.end() && open->openerId == opener) {
        due = *open;
        m_open.erase(open);
    }
    NodeOutcome outcome = NodeOutcome::produce({});
    if (!due) {
        outcome.errorDetail = QStringLiteral("the group \"%1\" had closed by count already").arg(key);
        return outcome;
    }
    close(item, std::move(*due), QStringLiteral("window"), now, changes);
    lock.unlock();
    outcome.outputs = changes.outputs;
    outcome.stateWrites = changes.writes;
    return outcome;
}

void AggregateNode::close(const store::WorkItem &item, Group group, const QString &closedBy,
                          qint64 now, Changes &changes)
{
    money::Decimal sum;
    std::optional<money::Decimal> min;
    std::optional<money::Decimal> max;
    QStringList others;
    const QByteArray marker = QStringLiteral("closed by %1 at %2 in the group opened by %3")
                                  .arg(closedBy, timeText(now), group.openerId)
                                  .toUtf8();
    for (const Member &member : std::as_const(group.members)) {
        if (!member.value.isEmpty()) {
            const money::Decimal value = *money::Decimal::parse(QStringView(member.value));
            sum = sum + value;
            min = !min || value < *min ? value : *min;
            max = !max || value > *max ? value : *max;
        }
        if (member.messageId != item.message.messageId) {
            others.append(member.messageId);
        }
        changes.writes.append({m_scope, group.key + kSeparator + member.messageId, std::nullopt, 0});
        changes.writes.append({m_closedScope, member.messageId, marker, now + kClosedMarkerMs});
        if (!m_closedMembers.contains(member.messageId)) {
            m_closedMembers.insert(member.messageId);
            m_closedOrder.push_back(member.messageId);
        }
    }
    while (m_closedOrder.size() > kClosedInMemory) {
        m_closedMembers.remove(m_closedOrder.front());
        m_closedOrder.pop_front();
    }
    json::ObjectBuilder payload;
    payload.set("group", text(group.key));
    payload.set("count", json::Value::number(double(group.members.size())));
    if (m_sum) {
        payload.set("sum", text(sum.toString()));
    }
    if (m_min && min) {
        payload.set("min", text(min->toString()));
    }
    if (m_max && max) {
        payload.set("max", text(max->toString()));
    }
    payload.set("firstAt", text(timeText(group.members.first().atMs)));
    payload.set("lastAt", text(timeText(group.members.last().atMs)));
    payload.set("closedBy", text(closedBy));
    store::NewMessage child = childOf(item.message, payload.build());
    child.headers = QByteArrayLiteral("{}");
    child.correlationId = group.members.first().correlationId;
    if (!group.key.isEmpty()) {
        child.businessKey = group.key;
    }
    changes.outputs.append({QString(), child, QStringLiteral("aggregate"), 0, others});
}

} // namespace syncline::engine::runtime
