#include "app/sandbox/usagesystem.h"

#include "engine/money/decimal.h"
#include "engine/net/signature.h"

#include <QDateTime>
#include <QRegularExpression>

namespace syncline::sandbox {

using engine::net::ServerResponse;

namespace {
constexpr int kMaxBatch = 1000;
} // namespace

ServerResponse problem(int status, const QString &title, const QString &detail)
{
    return ServerResponse::problem(status,
                                   QStringLiteral("urn:syncline:sandbox:") + title.toLower()
                                                                                 .replace(
                                                                                     QLatin1Char(' '),
                                                                                     QLatin1Char('-')),
                                   title, detail);
}

std::optional<ServerResponse> UsageSystem::authenticate(const Call &call)
{
    if (engine::net::constantTimeEquals(call.request.header("x-api-key"),
                                        credentials().value(QStringLiteral("usage/api-key")))) {
        return std::nullopt;
    }
    return problem(401, QStringLiteral("Unauthorized"),
                   QStringLiteral("send the usage API key in the X-Api-Key header"));
}

namespace {

ServerResponse problemFor(Refusal refusal, int status, const QString &detail)
{
    switch (refusal) {
    case Refusal::NotFound:
        return problem(status, QStringLiteral("Not Found"), detail);
    case Refusal::Unauthorized:
        return problem(status, QStringLiteral("Unauthorized"), detail);
    case Refusal::RateLimited:
        return problem(status, QStringLiteral("Too Many Requests"), detail);
    case Refusal::IdempotencyReused:
    case Refusal::IdempotencyInUse:
        return problem(status, QStringLiteral("Idempotency Conflict"), detail);
    default:
        return problem(status, status >= 500 ? QStringLiteral("Unavailable")
                                             : QStringLiteral("Bad Request"),
                       detail);
    }
}

} // namespace

ServerResponse UsageSystem::refuse(Refusal refusal, int status, const QString &detail) const
{
    return problemFor(refusal, status, detail);
}

ServerResponse UsageSystem::handle(Call &call)
{
    if (call.path == "/v1/events" && call.request.method == "POST") {
        return ingest(call);
    }
    if (call.path == "/v1/events" && call.request.method == "GET") {
        return list(call);
    }
    return problem(404, QStringLiteral("Not Found"),
                   QStringLiteral("the usage API has POST and GET /usage/v1/events"));
}

ServerResponse UsageSystem::ingest(Call &call)
{
    const std::optional<Json> body = parseBody(call.request.body);
    if (!body || !body->is_object() || !body->value("events", Json()).is_array()) {
        return problem(400, QStringLiteral("Bad Request"),
                       QStringLiteral("the body must be {\"events\": [ … ]}"));
    }
    const Json &events = (*body)["events"];
    if (events.empty() || events.size() > kMaxBatch) {
        return problem(400, QStringLiteral("Bad Request"),
                       QStringLiteral("send 1 to %1 events per request").arg(kMaxBatch));
    }
    int accepted = 0;
    int duplicates = 0;
    for (size_t i = 0; i < events.size(); ++i) {
        const Json &event = events[i];
        for (const char *member : {"id", "account_id", "metric", "quantity", "timestamp"}) {
            if (text(event, member).isEmpty()) {
                return problem(400, QStringLiteral("Bad Request"),
                               QStringLiteral("events[%1].%2 is missing").arg(i).arg(
                                   QLatin1String(member)));
            }
        }
        if (!engine::money::Decimal::parse(text(event, "quantity")).ok()) {
            return problem(400, QStringLiteral("Bad Request"),
                           QStringLiteral("events[%1].quantity must be a decimal text").arg(i));
        }
        if (!QDateTime::fromString(text(event, "timestamp"), Qt::ISODateWithMs).isValid()) {
            return problem(400, QStringLiteral("Bad Request"),
                           QStringLiteral("events[%1].timestamp must be an ISO 8601 time").arg(i));
        }
        const QString id = text(event, "id");
        if (store().find(name(), QStringLiteral("event"), id)) {
            ++duplicates;
            continue;
        }
        Json stored = event;
        stored["type"] = event.value("type", "usage.recorded");
        stored["received_at"] = isoTime(call.nowMs).toStdString();
        Document document;
        document.system = name();
        document.type = QStringLiteral("event");
        document.id = id;
        document.businessKey = id;
        document.idempotencyKey = call.idempotencyKey;
        document.body = stored;
        document.origin = call.origin;
        document.createdMs = call.nowMs;
        (void) store().insert(document);
        ++accepted;
    }
    store().add(QStringLiteral("refused:usage"), duplicates);
    return jsonResponse(202, {{"accepted", accepted}, {"duplicates", duplicates}});
}

ServerResponse UsageSystem::list(const Call &call)
{
    ListQuery query{name(), QStringLiteral("event")};
    const QByteArray account = call.request.queryValue("account_id");
    if (!account.isEmpty()) {
        query.filters.append({QStringLiteral("$.account_id"), QString::fromUtf8(account)});
    }
    query.afterSeq = call.request.queryValue("cursor").toLongLong();
    const Page page = readPage(store(), query, queryInt(call.request, "limit", 1000, 1,
                                                        kMaxBatch));
    const qint64 next = page.documents.isEmpty() ? query.afterSeq : page.documents.last().seq;
    return jsonResponse(200, {{"data", page.bodies},
                              {"next_cursor", std::to_string(next)},
                              {"has_more", page.more}});
}

std::optional<ServerResponse> DataPlatform::authenticate(const Call &call)
{
    if (engine::net::constantTimeEquals(bearerToken(call.request),
                                        credentials().value(QStringLiteral(
                                            "dataPlatform/token")))) {
        return std::nullopt;
    }
    return problem(401, QStringLiteral("Unauthorized"),
                   QStringLiteral("send the data platform token as Authorization: Bearer"));
}

ServerResponse DataPlatform::refuse(Refusal refusal, int status, const QString &detail) const
{
    return problemFor(refusal, status, detail);
}

ServerResponse DataPlatform::handle(Call &call)
{
    static const QRegularExpression tableName(QStringLiteral("^[a-z][a-z0-9_]{0,62}$"));
    const QByteArray &method = call.request.method;
    if (call.path == "/v1/tables" && method == "GET") {
        return tables();
    }
    if (segment(call.path, 0) != "v1" || segment(call.path, 1) != "tables"
        || segment(call.path, 3) != "rows" || segmentCount(call.path) != 4) {
        return problem(404, QStringLiteral("Not Found"),
                       QStringLiteral("the data platform has /data/v1/tables and "
                                      "/data/v1/tables/{table}/rows"));
    }
    const QString table = QString::fromUtf8(segment(call.path, 2));
    if (!tableName.match(table).hasMatch()) {
        return problem(400, QStringLiteral("Bad Request"),
                       QStringLiteral("table names match ^[a-z][a-z0-9_]{0,62}$"));
    }
    if (method == "POST") {
        return append(call, table);
    }
    if (method == "GET") {
        return rows(call, table);
    }
    ServerResponse refused = problem(405, QStringLiteral("Method Not Allowed"),
                                     QStringLiteral("tables are append-only: rows are never "
                                                    "changed or deleted"));
    refused.headers.append({QByteArray("Allow"), QByteArray("GET, POST")});
    return refused;
}

ServerResponse DataPlatform::append(Call &call, const QString &table)
{
    const std::optional<Json> body = parseBody(call.request.body);
    if (!body || !body->is_object() || !body->value("rows", Json()).is_array()
        || (*body)["rows"].empty() || (*body)["rows"].size() > 1000) {
        return problem(400, QStringLiteral("Bad Request"),
                       QStringLiteral("the body must be {\"rows\": [ … ]} with 1 to 1000 "
                                      "objects"));
    }
    const QString counter = QStringLiteral("data:") + table;
    qint64 first = 0;
    qint64 last = 0;
    for (const Json &row : (*body)["rows"]) {
        if (!row.is_object()) {
            return problem(400, QStringLiteral("Bad Request"),
                           QStringLiteral("every row must be a JSON object"));
        }
        const qint64 seq = store().next(counter);
        first = first == 0 ? seq : first;
        last = seq;
        Json stored = row;
        stored["_seq"] = seq;
        stored["_insertedAt"] = isoTime(call.nowMs).toStdString();
        Document document;
        document.system = name();
        document.type = QStringLiteral("row:") + table;
        document.id = QString::number(seq);
        document.businessKey = !text(row, "event_id").isEmpty() ? text(row, "event_id")
                                                                : text(row, "id");
        document.idempotencyKey = call.idempotencyKey;
        document.body = stored;
        document.origin = call.origin;
        document.createdMs = call.nowMs;
        (void) store().insert(document);
    }
    Json known = store().setting(QStringLiteral("data:tables")).value_or(Json::array());
    if (std::find(known.begin(), known.end(), Json(table.toStdString())) == known.end()) {
        known.push_back(table.toStdString());
        store().setSetting(QStringLiteral("data:tables"), known);
    }
    return jsonResponse(201, {{"table", table.toStdString()},
                              {"inserted", last - first + 1},
                              {"firstSequence", first},
                              {"lastSequence", last}});
}

ServerResponse DataPlatform::rows(const Call &call, const QString &table)
{
    ListQuery query{name(), QStringLiteral("row:") + table};
    const qint64 after = call.request.queryValue("after").toLongLong();
    if (after > 0) {
        // A table's row numbers follow the store's global order, so its row `after` marks where
        // the next page starts.
        const auto last = store().find(name(), query.type, QString::number(after));
        if (!last) {
            return problem(400, QStringLiteral("Bad Request"),
                           QStringLiteral("table %1 has no row %2").arg(table).arg(after));
        }
        query.afterSeq = last->seq;
    }
    const Page page = readPage(store(), query, queryInt(call.request, "limit", 1000, 1, 1000));
    return jsonResponse(200, {{"rows", page.bodies},
                              {"nextAfter", page.documents.isEmpty()
                                                ? after
                                                : page.documents.last().body.value("_seq", after)},
                              {"hasMore", page.more}});
}

ServerResponse DataPlatform::tables()
{
    Json list = Json::array();
    for (const Json &table : store().setting(QStringLiteral("data:tables"))
                                 .value_or(Json::array())) {
        const QString name = QString::fromStdString(table.get<std::string>());
        list.push_back({{"name", table},
                        {"rows", store().counter(QStringLiteral("data:") + name)}});
    }
    return jsonResponse(200, {{"tables", list}});
}

} // namespace syncline::sandbox
