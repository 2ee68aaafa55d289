#include "engine/runtime/exceptionjson.h"

#include <QRegularExpression>

namespace syncline::engine::runtime::exceptionjson {

namespace {

constexpr int kMaxLimit = 500;

std::string text(const QString &value)
{
    return value.toStdString();
}

nlohmann::json parsedOrText(const QByteArray &json)
{
    nlohmann::json parsed =
        nlohmann::json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (parsed.is_discarded()) {
        return json.toStdString();
    }
    return parsed;
}

// "90s", "15m", "4h", "7d" in milliseconds; nothing when it is not one.
std::optional<qint64> durationMs(const QString &value)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})([smhd])$"));
    const QRegularExpressionMatch match = pattern.match(value);
    if (!match.hasMatch()) {
        return std::nullopt;
    }
    const qint64 amount = match.captured(1).toLongLong();
    const QChar unit = match.captured(2).at(0);
    const qint64 unitMs = unit == u's'   ? 1000
                          : unit == u'm' ? 60'000
                          : unit == u'h' ? 3'600'000
                                         : 86'400'000;
    return amount * unitMs;
}

Error badQuery(const QString &message)
{
    return Error::make(QStringLiteral("BAD_QUERY"), message);
}

Result<store::ExceptionFilter::States> statesFrom(const QString &value)
{
    using States = store::ExceptionFilter::States;
    if (value.isEmpty()) {
        return States::Any;
    }
    static const QList<QPair<QString, States>> names = {
        {QStringLiteral("open"), States::Open},
        {QStringLiteral("assigned"), States::Assigned},
        {QStringLiteral("resolved"), States::Resolved},
        {QStringLiteral("unresolved"), States::Unresolved},
    };
    for (const auto &[name, states] : names) {
        if (name == value) {
            return states;
        }
    }
    return badQuery(
        QStringLiteral("state=%1: use open, assigned, resolved or unresolved").arg(value));
}

} // namespace

Result<ListQuery> parseListQuery(const net::ServerRequest &request, qint64 nowMs)
{
    const auto value = [&request](const char *name) {
        return QString::fromUtf8(request.queryValue(name)).trimmed();
    };
    ListQuery query;
    store::ExceptionFilter &f = query.filter;
    f.flowId = value("flow");
    f.nodeId = value("node");
    f.reasonCode = value("reason");
    f.ownerRole = value("owner");
    f.businessKey = value("businessKey");
    f.correlationId = value("correlationId");
    if (const QString category = value("category"); !category.isEmpty()) {
        f.category = store::exceptionCategoryFromName(category);
        if (!f.category) {
            return badQuery(
                QStringLiteral("category=%1: use business, technical or uncertain").arg(category));
        }
    }
    Result<store::ExceptionFilter::States> states = statesFrom(value("state"));
    if (!states) {
        return states.error();
    }
    f.states = *states;
    for (const auto &[name, bound] :
         {std::pair{"olderThan", &f.createdBeforeMs}, std::pair{"newerThan", &f.createdAfterMs}}) {
        const QString given = value(name);
        if (given.isEmpty()) {
            continue;
        }
        const std::optional<qint64> age = durationMs(given);
        if (!age) {
            return badQuery(QStringLiteral("%1=%2: give a duration such as 90s, 15m, 4h or 7d")
                                .arg(QLatin1String(name), given));
        }
        *bound = nowMs - *age;
    }
    if (const QString overdue = value("overdue"); overdue == QLatin1String("true")) {
        f.overdueAtMs = nowMs;
    } else if (!overdue.isEmpty() && overdue != QLatin1String("false")) {
        return badQuery(QStringLiteral("overdue=%1: use true or false").arg(overdue));
    }
    if (const QString limit = value("limit"); !limit.isEmpty()) {
        bool ok = false;
        query.limit = limit.toInt(&ok);
        if (!ok || query.limit < 1 || query.limit > kMaxLimit) {
            return badQuery(
                QStringLiteral("limit=%1: a whole number from 1 to %2").arg(limit).arg(kMaxLimit));
        }
    }
    if (const QByteArray cursor = request.queryValue("cursor"); !cursor.isEmpty()) {
        query.after = decodeCursor(cursor);
        if (!query.after) {
            return badQuery(QStringLiteral("cursor: not a cursor this API gave out"));
        }
    }
    if (const QString counts = value("counts"); !counts.isEmpty()) {
        for (const QString &name : counts.split(u',', Qt::SkipEmptyParts)) {
            const std::optional<store::ExceptionGroup> group =
                store::exceptionGroupFromName(name.trimmed());
            if (!group) {
                return badQuery(QStringLiteral("counts=%1: group by reason, flow, node, state, "
                                               "category or owner")
                                    .arg(name));
            }
            query.counts.append(*group);
        }
    }
    return query;
}

QString encodeCursor(const store::ExceptionCursor &cursor)
{
    const QByteArray plain =
        QByteArray::number(cursor.createdAtMs) + '.' + QByteArray::number(cursor.id);
    return QString::fromLatin1(
        plain.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<store::ExceptionCursor> decodeCursor(const QByteArray &text)
{
    const QByteArray::FromBase64Result decoded = QByteArray::fromBase64Encoding(
        text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        return std::nullopt;
    }
    const QList<QByteArray> parts = decoded.decoded.split('.');
    bool atOk = false;
    bool idOk = false;
    const store::ExceptionCursor cursor{parts.value(0).toLongLong(&atOk),
                                        parts.value(1).toLongLong(&idOk)};
    if (parts.size() != 2 || !atOk || !idOk) {
        return std::nullopt;
    }
    return cursor;
}

nlohmann::json summary(const store::ExceptionRecord &r, qint64 nowMs, const Presenter &present)
{
    const bool resolved = r.state == store::ExceptionState::Resolved;
    return {{"id", r.id},
            {"createdAt", r.createdAtMs},
            {"updatedAt", r.updatedAtMs},
            {"category", text(store::exceptionCategoryName(r.category))},
            {"reasonCode", text(r.reasonCode)},
            {"pointer", text(r.pointer)},
            {"flow", text(r.flowId)},
            {"flowVersion", r.flowVersion},
            {"node", text(r.nodeId)},
            {"raisedAtNode", text(r.raisedAtNodeId)},
            {"messageId", text(r.messageId)},
            {"detail", present(r.detail.toUtf8()).toStdString()},
            {"facts", parsedOrText(present(r.facts))},
            {"attempts", r.attempts},
            {"correlationId", text(r.correlationId)},
            {"businessKey", text(r.businessKey)},
            {"ownerRole", text(r.ownerRole)},
            {"slaDueAt", r.slaDueAtMs},
            {"overdue", !resolved && r.slaDueAtMs < nowMs},
            {"state", text(store::exceptionStateName(r.state))},
            {"assignee", text(r.assignee)},
            {"resolution", text(store::resolutionName(r.resolution))},
            {"resolutionReason", text(r.resolutionReason)},
            {"resolvedBy", text(r.resolvedBy)},
            {"resolvedAt", r.resolvedAtMs},
            {"previousId", r.previousId},
            {"repairs", r.repairs},
            {"replayable", !resolved && r.replayBlocker.isEmpty()},
            {"replayBlocker", text(r.replayBlocker)}};
}

QByteArray withRawMembers(const nlohmann::json &fields,
                          const QList<QPair<QByteArray, QByteArray>> &raw)
{
    QByteArray out = QByteArray::fromStdString(
        fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    out.chop(1); // the closing brace
    for (const auto &[key, json] : raw) {
        if (out.size() > 1) {
            out += ',';
        }
        out += '"' + key + "\":" + (json.isEmpty() ? QByteArray("null") : json);
    }
    return out + '}';
}

QByteArray repairVersion(const store::RepairVersion &v, const Presenter &present)
{
    const nlohmann::json fields = {{"version", v.version},
                                   {"messageId", text(v.messageId)},
                                   {"actor", text(v.actor)},
                                   {"role", text(v.role)},
                                   {"reason", present(v.reason.toUtf8()).toStdString()},
                                   {"at", v.atMs}};
    return withRawMembers(fields, {{"payload", present(v.payload)}});
}

QByteArray detail(const store::ExceptionDetail &d,
                  const std::optional<DeclaredSchema> &schema,
                  qint64 nowMs,
                  const Presenter &present)
{
    nlohmann::json fields = summary(d.record, nowMs, present);
    nlohmann::json events = nlohmann::json::array();
    for (const store::ExceptionEvent &e : d.events) {
        events.push_back({{"id", e.id},
                          {"at", e.atMs},
                          {"actor", text(e.actor)},
                          {"role", text(e.role)},
                          {"kind", text(e.kind)},
                          {"text", present(e.text.toUtf8()).toStdString()}});
    }
    fields["history"] = events;
    fields["inputSchema"] = schema ? nlohmann::json({{"entity", text(schema->entityId)},
                                                     {"declaredBy", text(schema->declaredBy)}})
                                   : nlohmann::json();
    if (!schema) {
        fields["inputSchemaNote"] = "the failed node declares no canonical schema for its input; "
                                    "a repair must be well-formed JSON";
    }
    QByteArray repairs = "[";
    for (const store::RepairVersion &v : d.repairs) {
        if (repairs.size() > 1) {
            repairs += ',';
        }
        repairs += repairVersion(v, present);
    }
    repairs += ']';
    if (!d.inputError.isEmpty()) {
        fields["inputError"] = text(d.inputError);
    }
    return withRawMembers(fields, {{"input", d.inputError.isEmpty() ? present(d.input)
                                                                     : QByteArray("null")},
                                   {"repairedVersions", repairs}});
}

nlohmann::json replayTicket(const store::ReplayTicket &t)
{
    return {{"exception", t.exceptionId},
            {"flow", text(t.flowId)},
            {"flowVersion", t.flowVersion},
            {"node", text(t.nodeId)},
            {"messageId", text(t.messageId)},
            {"repairVersion", t.repairVersion},
            {"rearmedEffects", t.rearmedEffects}};
}

} // namespace syncline::engine::runtime::exceptionjson
