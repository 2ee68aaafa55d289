#include "engine/store/lineagegraph.h"

#include "engine/json/intake.h"
#include "engine/json/value.h"

#include <QDateTime>
#include <QHash>
#include <QSet>

#include <algorithm>

namespace syncline::engine::store {

namespace {

using json::ObjectBuilder;
using json::Value;

Value text(const QString &value)
{
    return Value::string(value);
}

Value integer(qint64 value)
{
    return Value::number(double(value));
}

Value time(qint64 ms)
{
    return Value::string(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs));
}

// Stored JSON text as a value, numbers exactly as written; text that is not JSON (never expected:
// everything stored went through strict intake) is kept as a string rather than lost.
Value embedded(const QByteArray &jsonText)
{
    if (jsonText.isEmpty()) {
        return Value::null();
    }
    json::IntakeLimits limits;
    limits.maxBytes = jsonText.size() + 1;
    limits.maxDepth = json::IntakeLimits::kDepthCeiling;
    const json::IntakeResult parsed = json::JsonIntake::parse(jsonText, limits);
    return parsed.ok() ? parsed.value() : Value::string(QString::fromUtf8(jsonText));
}

Value strings(const QStringList &list)
{
    std::vector<Value> items;
    items.reserve(size_t(list.size()));
    for (const QString &item : list) {
        items.push_back(text(item));
    }
    return Value::array(std::move(items));
}

Value stepJson(const LineageStep &step)
{
    ObjectBuilder o;
    o.set("node", text(step.nodeId));
    o.set("attempt", integer(step.attempt));
    o.set("status", text(step.status));
    o.set("startedAt", time(step.startedAtMs));
    o.set("finishedAt", time(step.finishedAtMs));
    o.set("durationMs", integer(step.finishedAtMs - step.startedAtMs));
    o.set("errorCode", text(step.errorCode));
    o.set("errorDetail", text(step.errorDetail));
    return o.build();
}

Value effectJson(const LineageEffect &effect)
{
    ObjectBuilder ids;
    for (const ExternalId &id : effect.externalIds) {
        const QByteArray name = id.name.toUtf8();
        ids.set(std::string_view(name.constData(), size_t(name.size())), text(id.value));
    }
    ObjectBuilder o;
    o.set("idempotencyKey", text(effect.idempotencyKey));
    o.set("node", text(effect.nodeId));
    o.set("businessKey", text(effect.businessKey));
    o.set("target", text(effect.target));
    o.set("method", text(effect.method));
    o.set("url", text(effect.url));
    o.set("state", text(effect.state));
    o.set("attempts", integer(effect.attempts));
    o.set("httpStatus", effect.httpStatus > 0 ? integer(effect.httpStatus) : Value::null());
    o.set("externalIds", ids.build());
    o.set("detail", text(effect.detail));
    o.set("createdAt", time(effect.createdAtMs));
    o.set("updatedAt", time(effect.updatedAtMs));
    return o.build();
}

Value exceptionJson(const LineageException &exception)
{
    std::vector<Value> events;
    for (const LineageExceptionEvent &event : exception.events) {
        ObjectBuilder e;
        e.set("at", time(event.atMs));
        e.set("actor", text(event.actor));
        e.set("role", text(event.role));
        e.set("kind", text(event.kind));
        e.set("text", text(event.text));
        events.push_back(e.build());
    }
    ObjectBuilder o;
    o.set("id", integer(exception.id));
    o.set("node", text(exception.nodeId));
    o.set("category", text(exception.category));
    o.set("reasonCode", text(exception.reasonCode));
    o.set("state", text(exception.state));
    o.set("resolution", text(exception.resolution));
    o.set("resolutionReason", text(exception.resolutionReason));
    o.set("resolvedBy", text(exception.resolvedBy));
    o.set("resolvedAt", exception.resolvedAtMs > 0 ? time(exception.resolvedAtMs) : Value::null());
    o.set("createdAt", time(exception.createdAtMs));
    o.set("detail", text(exception.detail));
    o.set("events", Value::array(std::move(events)));
    return o.build();
}

Value messageJson(const LineageMessage &m, bool root)
{
    std::vector<Value> steps;
    for (const LineageStep &step : m.steps) {
        steps.push_back(stepJson(step));
    }
    std::vector<Value> effects;
    for (const LineageEffect &effect : m.effects) {
        effects.push_back(effectJson(effect));
    }
    std::vector<Value> exceptions;
    for (const LineageException &exception : m.exceptions) {
        exceptions.push_back(exceptionJson(exception));
    }
    ObjectBuilder o;
    o.set("id", text(m.messageId));
    o.set("flow", text(m.flowId));
    o.set("flowVersion", integer(m.flowVersion));
    o.set("correlationId", text(m.correlationId));
    o.set("causationId", text(m.causationId));
    o.set("businessKey", text(m.businessKey));
    o.set("createdAt", time(m.createdAtMs));
    o.set("source", Value::boolean(root && m.causationId.isEmpty()));
    o.set("matched", Value::boolean(m.matched));
    o.set("status", text(m.status()));
    o.set("attempts", integer(m.attempts()));
    o.set("nodePath", strings(m.nodePath()));
    o.set("steps", Value::array(std::move(steps)));
    o.set("effects", Value::array(std::move(effects)));
    o.set("exceptions", Value::array(std::move(exceptions)));
    o.set("headers", embedded(m.headers));
    o.set("payload", embedded(m.payload));
    return o.build();
}

// --- reading the JSON form back ---------------------------------------------------------------

QString textAt(const Value &object, std::string_view key)
{
    const Value *v = object.find(key);
    return v && v->isString() ? v->toQString() : QString();
}

qint64 integerAt(const Value &object, std::string_view key)
{
    const Value *v = object.find(key);
    return v && v->isNumber() ? qint64(v->toNumber()) : 0;
}

qint64 timeAt(const Value &object, std::string_view key)
{
    const QString value = textAt(object, key);
    return value.isEmpty() ? 0
                           : QDateTime::fromString(value, Qt::ISODateWithMs).toMSecsSinceEpoch();
}

QByteArray jsonTextAt(const Value &object, std::string_view key)
{
    const Value *v = object.find(key);
    if (!v || v->isNull()) {
        return {};
    }
    return QByteArray::fromStdString(json::toJsonText(*v));
}

LineageStep stepFrom(const Value &o)
{
    return {textAt(o, "node"),
            int(integerAt(o, "attempt")),
            textAt(o, "status"),
            textAt(o, "errorCode"),
            textAt(o, "errorDetail"),
            timeAt(o, "startedAt"),
            timeAt(o, "finishedAt")};
}

LineageEffect effectFrom(const Value &o)
{
    LineageEffect e;
    e.idempotencyKey = textAt(o, "idempotencyKey");
    e.nodeId = textAt(o, "node");
    e.businessKey = textAt(o, "businessKey");
    e.target = textAt(o, "target");
    e.method = textAt(o, "method");
    e.url = textAt(o, "url");
    e.state = textAt(o, "state");
    e.attempts = int(integerAt(o, "attempts"));
    e.httpStatus = int(integerAt(o, "httpStatus"));
    if (const Value *ids = o.find("externalIds"); ids && ids->isObject()) {
        for (const json::Member &member : ids->members()) {
            const std::string_view name = member.key.view();
            e.externalIds.append(
                {QString::fromUtf8(name.data(), qsizetype(name.size())), member.value.toQString()});
        }
    }
    e.detail = textAt(o, "detail");
    e.createdAtMs = timeAt(o, "createdAt");
    e.updatedAtMs = timeAt(o, "updatedAt");
    return e;
}

LineageException exceptionFrom(const Value &o)
{
    LineageException x;
    x.id = integerAt(o, "id");
    x.nodeId = textAt(o, "node");
    x.category = textAt(o, "category");
    x.reasonCode = textAt(o, "reasonCode");
    x.state = textAt(o, "state");
    x.resolution = textAt(o, "resolution");
    x.resolutionReason = textAt(o, "resolutionReason");
    x.resolvedBy = textAt(o, "resolvedBy");
    x.resolvedAtMs = timeAt(o, "resolvedAt");
    x.createdAtMs = timeAt(o, "createdAt");
    x.detail = textAt(o, "detail");
    if (const Value *events = o.find("events"); events && events->isArray()) {
        for (const Value &e : events->items()) {
            x.events.append({timeAt(e, "at"),
                             textAt(e, "actor"),
                             textAt(e, "role"),
                             textAt(e, "kind"),
                             textAt(e, "text")});
        }
    }
    return x;
}

LineageMessage messageFrom(const Value &o)
{
    LineageMessage m;
    m.messageId = textAt(o, "id");
    m.flowId = textAt(o, "flow");
    m.flowVersion = int(integerAt(o, "flowVersion"));
    m.correlationId = textAt(o, "correlationId");
    m.causationId = textAt(o, "causationId");
    m.businessKey = textAt(o, "businessKey");
    m.createdAtMs = timeAt(o, "createdAt");
    const Value *matched = o.find("matched");
    m.matched = matched && matched->toBool();
    m.headers = jsonTextAt(o, "headers");
    m.payload = jsonTextAt(o, "payload");
    if (const Value *steps = o.find("steps"); steps && steps->isArray()) {
        for (const Value &step : steps->items()) {
            m.steps.append(stepFrom(step));
        }
    }
    if (const Value *effects = o.find("effects"); effects && effects->isArray()) {
        for (const Value &effect : effects->items()) {
            m.effects.append(effectFrom(effect));
        }
    }
    if (const Value *exceptions = o.find("exceptions"); exceptions && exceptions->isArray()) {
        for (const Value &exception : exceptions->items()) {
            m.exceptions.append(exceptionFrom(exception));
        }
    }
    return m;
}

} // namespace

QString lineageKeyName(LineageKey key)
{
    switch (key) {
    case LineageKey::CorrelationId:
        return QStringLiteral("correlationId");
    case LineageKey::BusinessKey:
        return QStringLiteral("businessKey");
    case LineageKey::ExternalId:
        return QStringLiteral("externalId");
    }
    return {};
}

std::optional<LineageKey> lineageKeyFromName(const QString &name)
{
    for (LineageKey key :
         {LineageKey::CorrelationId, LineageKey::BusinessKey, LineageKey::ExternalId}) {
        if (lineageKeyName(key) == name) {
            return key;
        }
    }
    return std::nullopt;
}

QStringList LineageMessage::nodePath() const
{
    QStringList path;
    for (const LineageStep &step : steps) {
        if (!path.contains(step.nodeId)) {
            path.append(step.nodeId);
        }
    }
    return path;
}

QString LineageMessage::status() const
{
    if (steps.isEmpty()) {
        return QStringLiteral("waiting");
    }
    // Steps are by start time, so the last one seen per node is its latest.
    QHash<QString, QString> latest;
    for (const LineageStep &step : steps) {
        latest.insert(step.nodeId, step.status);
    }
    if (std::find(latest.cbegin(), latest.cend(), QLatin1String("failed")) != latest.cend()) {
        // Dealt with: every exception it became was resolved (repaired, replayed, discarded).
        const bool open =
            exceptions.isEmpty() ||
            std::any_of(exceptions.cbegin(), exceptions.cend(), [](const LineageException &e) {
                return e.state != QLatin1String("resolved");
            });
        return open ? QStringLiteral("failed") : QStringLiteral("resolved");
    }
    for (const char *status : {"retrying", "deferred"}) {
        if (std::find(latest.cbegin(), latest.cend(), QLatin1String(status)) != latest.cend()) {
            return QLatin1String(status);
        }
    }
    return QStringLiteral("succeeded");
}

int LineageMessage::attempts() const
{
    int most = 0;
    for (const LineageStep &step : steps) {
        most = std::max(most, step.attempt);
    }
    return most;
}

const LineageMessage *LineageGraph::message(const QString &messageId) const
{
    for (const LineageMessage &m : messages) {
        if (m.messageId == messageId) {
            return &m;
        }
    }
    return nullptr;
}

QStringList LineageGraph::roots() const
{
    QSet<QString> children;
    for (const LineageEdge &edge : edges) {
        children.insert(edge.childId);
    }
    QStringList out;
    for (const LineageMessage &m : messages) {
        if (!children.contains(m.messageId)) {
            out.append(m.messageId);
        }
    }
    return out;
}

qint64 LineageGraph::startedAtMs() const
{
    qint64 first = 0;
    for (const LineageMessage &m : messages) {
        first = first == 0 ? m.createdAtMs : std::min(first, m.createdAtMs);
    }
    return first;
}

qint64 LineageGraph::finishedAtMs() const
{
    qint64 last = startedAtMs();
    for (const LineageMessage &m : messages) {
        for (const LineageStep &step : m.steps) {
            last = std::max(last, step.finishedAtMs);
        }
        for (const LineageEffect &effect : m.effects) {
            last = std::max(last, effect.updatedAtMs);
        }
    }
    return last;
}

int LineageGraph::effectCount() const
{
    int n = 0;
    for (const LineageMessage &m : messages) {
        n += int(m.effects.size());
    }
    return n;
}

QByteArray LineageGraph::toJson(int indent) const
{
    const QStringList rootIds = roots();
    const QSet<QString> rootSet(rootIds.cbegin(), rootIds.cend());
    std::vector<Value> messageValues;
    messageValues.reserve(size_t(messages.size()));
    QStringList flows;
    int failed = 0;
    int exceptions = 0;
    for (const LineageMessage &m : messages) {
        exceptions += int(m.exceptions.size());
        messageValues.push_back(messageJson(m, rootSet.contains(m.messageId)));
        if (!flows.contains(m.flowId)) {
            flows.append(m.flowId);
        }
        failed += m.status() == QLatin1String("failed");
    }
    std::vector<Value> edgeValues;
    edgeValues.reserve(size_t(edges.size()));
    for (const LineageEdge &edge : edges) {
        ObjectBuilder o;
        o.set("from", text(edge.parentId));
        o.set("to", text(edge.childId));
        o.set("node", text(edge.nodeId));
        o.set("kind", text(edge.kind));
        edgeValues.push_back(o.build());
    }
    flows.sort();

    ObjectBuilder query;
    query.set("by", text(lineageKeyName(key)));
    query.set("value", text(value));
    ObjectBuilder summary;
    summary.set("messages", integer(messages.size()));
    summary.set("edges", integer(edges.size()));
    summary.set("effects", integer(effectCount()));
    summary.set("failed", integer(failed));
    summary.set("exceptions", integer(exceptions));
    summary.set("flows", strings(flows));
    summary.set("startedAt", messages.isEmpty() ? Value::null() : time(startedAtMs()));
    summary.set("finishedAt", messages.isEmpty() ? Value::null() : time(finishedAtMs()));
    summary.set("durationMs", integer(finishedAtMs() - startedAtMs()));

    ObjectBuilder document;
    document.set("format", Value::string(kFormat));
    document.set("query", query.build());
    document.set("maxMessages", integer(maxMessages));
    document.set("truncated", Value::boolean(truncated));
    document.set("payloads", Value::string(masked ? "masked" : "clear"));
    document.set("summary", summary.build());
    document.set("messages", Value::array(std::move(messageValues)));
    document.set("edges", Value::array(std::move(edgeValues)));
    json::TextOptions options;
    options.indent = indent;
    return QByteArray::fromStdString(json::toJsonText(document.build(), options));
}

Result<LineageGraph> LineageGraph::fromJson(const QByteArray &text)
{
    json::IntakeLimits limits;
    limits.maxBytes = text.size() + 1;
    limits.maxDepth = json::IntakeLimits::kDepthCeiling;
    const json::IntakeResult parsed = json::JsonIntake::parse(text, limits);
    if (!parsed.ok()) {
        return Error::make(
            QStringLiteral("LINEAGE_JSON"),
            QStringLiteral("not a lineage document: %1").arg(parsed.refusal().describe()));
    }
    const Value &root = parsed.value();
    if (textAt(root, "format") != QLatin1String(kFormat)) {
        return Error::make(QStringLiteral("LINEAGE_JSON"),
                           QStringLiteral("not a lineage document (format is not %1)")
                               .arg(QLatin1String(kFormat)));
    }
    LineageGraph graph;
    if (const Value *query = root.find("query"); query && query->isObject()) {
        graph.key = lineageKeyFromName(textAt(*query, "by")).value_or(LineageKey::CorrelationId);
        graph.value = textAt(*query, "value");
    }
    graph.maxMessages = int(integerAt(root, "maxMessages"));
    const Value *truncated = root.find("truncated");
    graph.truncated = truncated && truncated->toBool();
    graph.masked = textAt(root, "payloads") == QLatin1String("masked");
    if (const Value *list = root.find("messages"); list && list->isArray()) {
        for (const Value &m : list->items()) {
            graph.messages.append(messageFrom(m));
        }
    }
    if (const Value *list = root.find("edges"); list && list->isArray()) {
        for (const Value &e : list->items()) {
            graph.edges.append(
                {textAt(e, "from"), textAt(e, "to"), textAt(e, "node"), textAt(e, "kind")});
        }
    }
    return graph;
}

} // namespace syncline::engine::store
