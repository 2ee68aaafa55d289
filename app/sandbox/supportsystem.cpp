#include "app/sandbox/supportsystem.h"

#include "engine/net/signature.h"

#include <QDate>
#include <QUuid>

namespace syncline::sandbox {

using engine::net::ServerResponse;

struct SupportSystem::Kind
{
    const char *plural;
    const char *singular;
    qint64 firstId;
};

namespace {

const QStringList kPriorities = {QStringLiteral("low"), QStringLiteral("normal"),
                                 QStringLiteral("high"), QStringLiteral("urgent")};
const QStringList kLevels = {QStringLiteral("standard"), QStringLiteral("premium"),
                             QStringLiteral("enterprise")};
const QStringList kEntitlementStates = {QStringLiteral("active"), QStringLiteral("restricted"),
                                        QStringLiteral("expired")};

QByteArray cursorOf(qint64 seq)
{
    return QByteArray::number(seq).toBase64(QByteArray::Base64UrlEncoding
                                            | QByteArray::OmitTrailingEquals);
}

qint64 seqOf(const QByteArray &cursor)
{
    return QByteArray::fromBase64(cursor, QByteArray::Base64UrlEncoding
                                              | QByteArray::OmitTrailingEquals)
        .toLongLong();
}

} // namespace

static const SupportSystem::Kind kKinds[] = {
    {"organizations", "organization", 360'000'000'001},
    {"tickets", "ticket", 1},
    {"entitlements", "entitlement", 9'000'001},
};

namespace {
const SupportSystem::Kind *kindOf(const QByteArray &plural)
{
    for (const SupportSystem::Kind &kind : kKinds) {
        if (plural == kind.plural) {
            return &kind;
        }
    }
    return nullptr;
}
} // namespace

Json SupportSystem::slaPolicy(const QString &level)
{
    if (level == QLatin1String("standard")) {
        return {{"id", 1}, {"title", "Standard"}, {"first_reply_time_minutes", 480},
                {"next_reply_time_minutes", 1440}, {"business_hours", true}};
    }
    if (level == QLatin1String("premium")) {
        return {{"id", 2}, {"title", "Premium"}, {"first_reply_time_minutes", 60},
                {"next_reply_time_minutes", 240}, {"business_hours", true}};
    }
    if (level == QLatin1String("enterprise")) {
        return {{"id", 3}, {"title", "Enterprise"}, {"first_reply_time_minutes", 30},
                {"next_reply_time_minutes", 60}, {"business_hours", false}};
    }
    return nullptr;
}

ServerResponse SupportSystem::refuse(Refusal refusal, int status, const QString &detail) const
{
    const char *error = "";
    switch (refusal) {
    case Refusal::Unauthorized:
        return jsonResponse(status, {{"error", "Couldn't authenticate you"}});
    case Refusal::NotFound:
        return jsonResponse(status, {{"error", "RecordNotFound"}, {"description", "Not found"}});
    case Refusal::BadRequest:
        error = "InvalidJSON";
        break;
    case Refusal::RateLimited:
        error = "TooManyRequests";
        break;
    default:
        error = status == 429 ? "TooManyRequests" : "ServiceUnavailable";
        break;
    }
    return jsonResponse(status, {{"error", error}, {"description", detail.toStdString()}});
}

ServerResponse SupportSystem::invalid(const QString &field, const QString &error,
                                      const QString &description) const
{
    return jsonResponse(422, {{"error", "RecordInvalid"},
                              {"description", "Record validation errors"},
                              {"details",
                               {{field.toStdString(),
                                 Json::array({{{"description", description.toStdString()},
                                               {"error", error.toStdString()}}})}}}});
}

std::optional<ServerResponse> SupportSystem::authenticate(const Call &call)
{
    const QByteArray header = call.request.header("authorization");
    if (header.startsWith("Basic ")) {
        const QByteArray pair = QByteArray::fromBase64(header.mid(6).trimmed());
        const qsizetype colon = pair.indexOf(':');
        const QByteArray user = pair.left(colon);
        const QByteArray secret = pair.mid(colon + 1);
        if (colon > 0 && user.endsWith("/token")
            && engine::net::constantTimeEquals(secret, credentials().value(QStringLiteral(
                                                           "support/api-token")))) {
            return std::nullopt;
        }
    }
    return refuse(Refusal::Unauthorized, 401, QString());
}

ServerResponse SupportSystem::handle(Call &call)
{
    // /api/v2/{plural}.json | /api/v2/{plural}/{id}.json | /api/v2/{plural}/create_or_update.json
    QByteArray path = call.path;
    if (!path.startsWith("/api/v2/") || !path.endsWith(".json")) {
        return refuse(Refusal::NotFound, 404, QString());
    }
    path.chop(5);
    const QByteArray plural = segment(path, 2);
    const QByteArray id = segment(path, 3);
    const int parts = segmentCount(path);
    const QByteArray &method = call.request.method;
    if (plural == "slas" && id == "policies" && method == "GET") {
        Json policies = Json::array();
        for (const QString &level : kLevels) {
            policies.push_back(slaPolicy(level));
        }
        return jsonResponse(200, {{"sla_policies", policies}, {"count", policies.size()}});
    }
    const Kind *kind = kindOf(plural);
    if (!kind || parts > 4) {
        return refuse(Refusal::NotFound, 404, QString());
    }
    Json input;
    if (method == "POST" || method == "PUT") {
        const std::optional<Json> body = parseBody(call.request.body);
        if (!body || !body->is_object() || !body->value(kind->singular, Json()).is_object()) {
            return jsonResponse(400, {{"error", "InvalidJSON"},
                                      {"description",
                                       QStringLiteral("The body must be {\"%1\": {…}}")
                                           .arg(QLatin1String(kind->singular))
                                           .toStdString()}});
        }
        input = (*body)[kind->singular];
    }
    if (parts == 3 && method == "GET") {
        return list(call, *kind);
    }
    if (parts == 3 && method == "POST") {
        return create(call, *kind, input);
    }
    if (parts == 4 && id == "create_or_update" && method == "POST"
        && kind->singular != std::string_view("ticket")) {
        return createOrUpdate(call, *kind, input);
    }
    if (parts == 4) {
        auto document = store().find(name(), QLatin1String(kind->singular),
                                     QString::fromUtf8(id));
        if (!document) {
            return refuse(Refusal::NotFound, 404, QString());
        }
        if (method == "GET") {
            return jsonResponse(200, {{kind->singular, document->body}});
        }
        if (method == "PUT") {
            return update(call, *kind, *document, input, 200);
        }
    }
    return refuse(Refusal::NotFound, 404, QString());
}

std::optional<ServerResponse> SupportSystem::validate(const Kind &kind, const Json &record)
{
    const QString type = QLatin1String(kind.singular);
    if (type == QLatin1String("organization") && text(record, "name").isEmpty()) {
        return invalid(QStringLiteral("name"), QStringLiteral("BlankValue"),
                       QStringLiteral("Name: cannot be blank"));
    }
    if (type == QLatin1String("ticket") && text(record, "subject").isEmpty()
        && text(record.value("comment", Json::object()), "body").isEmpty()) {
        return invalid(QStringLiteral("subject"), QStringLiteral("BlankValue"),
                       QStringLiteral("Subject: cannot be blank"));
    }
    if (type == QLatin1String("ticket") && record.contains("priority")
        && !record["priority"].is_null() && !kPriorities.contains(text(record, "priority"))) {
        return invalid(QStringLiteral("priority"), QStringLiteral("InvalidValue"),
                       QStringLiteral("Priority: is not one of low, normal, high, urgent"));
    }
    if (type == QLatin1String("entitlement")) {
        if (!kLevels.contains(text(record, "level"))) {
            return invalid(QStringLiteral("level"), QStringLiteral("InvalidValue"),
                           QStringLiteral("Level: must be standard, premium or enterprise"));
        }
        if (!kEntitlementStates.contains(text(record, "status"))) {
            return invalid(QStringLiteral("status"), QStringLiteral("InvalidValue"),
                           QStringLiteral("Status: must be active, restricted or expired"));
        }
        for (const char *member : {"start_date", "end_date"}) {
            if (!text(record, member).isEmpty()
                && !QDate::fromString(text(record, member), Qt::ISODate).isValid()) {
                return invalid(QLatin1String(member), QStringLiteral("InvalidValue"),
                               QStringLiteral("%1: is not a date (yyyy-MM-dd)")
                                   .arg(QLatin1String(member)));
            }
        }
        if (text(record, "organization_id").isEmpty()) {
            return invalid(QStringLiteral("organization_id"), QStringLiteral("BlankValue"),
                           QStringLiteral("Organization: cannot be blank"));
        }
    }
    const QString organization = text(record, "organization_id");
    if (!organization.isEmpty()
        && !store().find(name(), QStringLiteral("organization"), organization)) {
        return invalid(QStringLiteral("organization_id"), QStringLiteral("InvalidValue"),
                       QStringLiteral("Organization: %1 does not exist").arg(organization));
    }
    return std::nullopt;
}

void SupportSystem::applyEntitlement(Json &ticket)
{
    ticket["sla_policy_id"] = nullptr;
    ticket["due_at"] = nullptr;
    ticket["entitlement_status"] = "none";
    const QString organization = text(ticket, "organization_id");
    if (organization.isEmpty()) {
        return;
    }
    ListQuery query{name(), QStringLiteral("entitlement")};
    query.filters.append({QStringLiteral("$.organization_id"), organization});
    query.descending = true;
    query.limit = 1;
    const QList<Document> entitlements = store().list(query);
    if (entitlements.isEmpty()) {
        return;
    }
    const Json &entitlement = entitlements.first().body;
    ticket["entitlement_id"] = entitlement["id"];
    ticket["entitlement_status"] = entitlement["status"];
    ticket["sla_policy_id"] = entitlement["sla_policy_id"];
    const QDateTime created = QDateTime::fromString(text(ticket, "created_at"), Qt::ISODate);
    const int minutes = entitlement["sla"].value("first_reply_time_minutes", 0);
    ticket["due_at"] = created.addSecs(qint64(minutes) * 60).toString(Qt::ISODate).toStdString();
}

ServerResponse SupportSystem::create(Call &call, const Kind &kind, const Json &input)
{
    const QString type = QLatin1String(kind.singular);
    Json record = input;
    if (type == QLatin1String("entitlement") && !record.contains("status")) {
        record["status"] = "active";
    }
    if (auto failed = validate(kind, record)) {
        return *failed;
    }
    const qint64 id = kind.firstId - 1 + store().next(QStringLiteral("support:") + type);
    const std::string now = isoTime(call.nowMs).toStdString();
    record["id"] = id;
    record["url"] = "https://sandbox.zendesk.local/api/v2/" + std::string(kind.plural) + "/"
                    + std::to_string(id) + ".json";
    record["created_at"] = now;
    record["updated_at"] = now;
    if (!record.contains("external_id")) {
        record["external_id"] = nullptr;
    }
    if (type == QLatin1String("organization")) {
        record["tags"] = record.value("tags", Json::array());
        record["organization_fields"] = record.value("organization_fields", Json::object());
        record["domain_names"] = record.value("domain_names", Json::array());
    } else if (type == QLatin1String("ticket")) {
        if (text(record, "subject").isEmpty()) {
            record["subject"] = text(record["comment"], "body").left(80).toStdString();
        }
        record["description"] = record.contains("comment") ? record["comment"].value("body", "")
                                                           : "";
        record.erase("comment");
        record["status"] = record.value("status", "new");
        record["priority"] = record.value("priority", Json("normal"));
        record["tags"] = record.value("tags", Json::array());
        applyEntitlement(record);
    } else {
        record["sla"] = slaPolicy(text(record, "level"));
        record["sla_policy_id"] = record["sla"]["id"];
    }
    Document document;
    document.system = name();
    document.type = type;
    document.id = QString::number(id);
    document.businessKey = text(record, "external_id");
    document.body = record;
    document.origin = call.origin;
    document.createdMs = call.nowMs;
    (void) store().insert(document);
    if (type == QLatin1String("ticket")) {
        call.events.append(
            {name(),
             {{"type", "zen:event-type:ticket.created"},
              {"account_id", 1},
              {"id", QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString()},
              {"time", now},
              {"zendesk_event_version", "2022-11-06"},
              {"subject", "zen:ticket:" + std::to_string(id)},
              {"detail", record}}});
    }
    return jsonResponse(201, {{kind.singular, record}});
}

ServerResponse SupportSystem::update(Call &call, const Kind &kind, Document document,
                                     const Json &input, int status)
{
    Json record = document.body;
    for (const auto &[member, value] : input.items()) {
        if (member != "id" && member != "url" && member != "created_at") {
            record[member] = value;
        }
    }
    if (auto failed = validate(kind, record)) {
        return *failed;
    }
    if (document.type == QLatin1String("entitlement")) {
        record["sla"] = slaPolicy(text(record, "level"));
        record["sla_policy_id"] = record["sla"]["id"];
    }
    if (document.type == QLatin1String("ticket") && input.contains("organization_id")) {
        applyEntitlement(record);
    }
    record["updated_at"] = isoTime(call.nowMs).toStdString();
    (void) store().replace(name(), document.type, document.id, record);
    return jsonResponse(status, {{kind.singular, record}});
}

ServerResponse SupportSystem::createOrUpdate(Call &call, const Kind &kind, const Json &input)
{
    ListQuery query{name(), QLatin1String(kind.singular)};
    const QString externalId = text(input, "external_id");
    if (!externalId.isEmpty()) {
        query.filters.append({QStringLiteral("$.external_id"), externalId});
    } else if (!text(input, "name").isEmpty()) {
        query.filters.append({QStringLiteral("$.name"), text(input, "name")});
    } else {
        return create(call, kind, input);
    }
    query.limit = 1;
    const QList<Document> found = store().list(query);
    if (found.isEmpty()) {
        return create(call, kind, input);
    }
    return update(call, kind, found.first(), input, 200);
}

ServerResponse SupportSystem::list(const Call &call, const Kind &kind)
{
    ListQuery query{name(), QLatin1String(kind.singular)};
    for (const char *filter : {"organization_id", "external_id"}) {
        const QByteArray value = call.request.queryValue(filter);
        if (!value.isEmpty()) {
            query.filters.append({QStringLiteral("$.") + QLatin1String(filter),
                                  QString::fromUtf8(value)});
        }
    }
    const int size = queryInt(call.request, "page[size]", 100, 1, 100);
    query.afterSeq = seqOf(call.request.queryValue("page[after]"));
    const Page page = readPage(store(), query, size);
    const QList<Document> &documents = page.documents;
    const bool more = page.more;
    const Json &items = page.bodies;
    const std::string after = documents.isEmpty() ? std::string()
                                                  : cursorOf(documents.last().seq).toStdString();
    const std::string before = documents.isEmpty() ? std::string()
                                                   : cursorOf(documents.first().seq).toStdString();
    const std::string base = "/support/api/v2/" + std::string(kind.plural) + ".json?page[size]="
                             + std::to_string(size);
    return jsonResponse(200, {{kind.plural, items},
                              {"meta", {{"has_more", more},
                                        {"after_cursor", after.empty() ? Json() : Json(after)},
                                        {"before_cursor", before.empty() ? Json()
                                                                         : Json(before)}}},
                              {"links", {{"next", more ? Json(base + "&page[after]=" + after)
                                                       : Json()},
                                         {"prev", Json()}}}});
}

} // namespace syncline::sandbox
