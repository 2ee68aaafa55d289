#include "engine/runtime/auditroutes.h"

#include "engine/runtime/adminbody.h"

#include <QDateTime>

namespace syncline::engine::runtime {

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

// A time bound: milliseconds since the epoch or an ISO 8601 date-time; nothing when absent.
// `bad` is set when it is given but unreadable.
std::optional<qint64> timeParam(const net::ServerRequest &request, const char *name, bool &bad)
{
    const QByteArray text = request.queryValue(name);
    if (text.isEmpty()) {
        return std::nullopt;
    }
    bool number = false;
    const qint64 ms = text.toLongLong(&number);
    if (number) {
        return ms;
    }
    const QDateTime at = QDateTime::fromString(QString::fromUtf8(text), Qt::ISODateWithMs);
    if (!at.isValid()) {
        bad = true;
        return std::nullopt;
    }
    return at.toMSecsSinceEpoch();
}

std::optional<qint64> sequenceParam(const net::ServerRequest &request, const char *name, bool &bad)
{
    const QByteArray text = request.queryValue(name);
    if (text.isEmpty()) {
        return std::nullopt;
    }
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < 0) {
        bad = true;
        return std::nullopt;
    }
    return value;
}

void listAudit(store::AuditStore &audit, const AdminCall &call, const net::Responder &respond)
{
    const net::ServerRequest &request = call.request;
    store::AuditQuery query;
    query.actor = QString::fromUtf8(request.queryValue("actor"));
    query.action = QString::fromUtf8(request.queryValue("action"));
    query.objectType = QString::fromUtf8(request.queryValue("objectType"));
    query.objectId = QString::fromUtf8(request.queryValue("objectId"));
    bool bad = false;
    query.fromMs = timeParam(request, "from", bad);
    query.toMs = timeParam(request, "to", bad);
    const std::optional<qint64> after = sequenceParam(request, "after", bad);
    const std::optional<qint64> before = sequenceParam(request, "before", bad);
    const std::optional<qint64> limit = sequenceParam(request, "limit", bad);
    if (bad || (after && before) || (limit && (*limit < 1 || *limit > kMaxLimit))) {
        respond(AdminApi::problem(400,
                                  "BAD_REQUEST",
                                  QStringLiteral("from and to are milliseconds since the epoch "
                                                 "or ISO 8601 times; after or before (not both) "
                                                 "a sequence number; limit 1 to %1")
                                      .arg(kMaxLimit)));
        return;
    }
    query.newestFirst = !after;
    query.afterSequence = after.value_or(0);
    query.beforeSequence = before.value_or(0);
    query.limit = int(limit.value_or(kDefaultLimit));
    Result<QList<store::AuditEntry>> entries = audit.query(query);
    if (!entries) {
        respond(problemFor(entries.error()));
        return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const store::AuditEntry &entry : *entries) {
        list.push_back(auditEntryJson(entry));
    }
    nlohmann::json next = nullptr;
    if (entries->size() == query.limit) {
        next = {{query.newestFirst ? "before" : "after", entries->constLast().sequence}};
    }
    respond(net::ServerResponse::json(
        200,
        QByteArray::fromStdString(nlohmann::json({{"entries", list}, {"next", next}}).dump())));
}

void verifyChain(store::AuditStore &audit, const net::Responder &respond)
{
    Result<store::AuditVerification> verified = audit.verify();
    if (!verified) {
        respond(problemFor(verified.error()));
        return;
    }
    nlohmann::json answer = {{"checked", verified->checked},
                             {"intact", !verified->firstBrokenSequence.has_value()}};
    if (verified->firstBrokenSequence) {
        answer["firstBroken"] = {{"sequence", *verified->firstBrokenSequence},
                                 {"reason", verified->reason.toStdString()}};
    }
    respond(net::ServerResponse::json(200, QByteArray::fromStdString(answer.dump())));
}

} // namespace

nlohmann::json auditEntryJson(const store::AuditEntry &entry)
{
    nlohmann::json detail = nlohmann::json::object();
    if (!entry.record.detail.isEmpty()) {
        detail = nlohmann::json::parse(entry.record.detail.toStdString(), nullptr, false);
        if (detail.is_discarded()) {
            detail = entry.record.detail.toStdString();
        }
    }
    const store::AuditRecord &r = entry.record;
    return {{"sequence", entry.sequence},
            {"at", entry.atMs},
            {"actor", r.actor.toStdString()},
            {"role", r.role.toStdString()},
            {"action", r.action.toStdString()},
            {"objectType", r.objectType.toStdString()},
            {"objectId", r.objectId.toStdString()},
            {"reason", r.reason.toStdString()},
            {"detail", detail},
            {"hash", entry.hash.toStdString()},
            {"previousHash", entry.previousHash.toStdString()}};
}

QList<AdminRoute> auditRoutes(store::AuditStore &audit)
{
    return {
        {"GET",
         "/api/v1/audit",
         security::Permission::ViewAudit,
         [&audit](const AdminCall &call, const net::Responder &respond) {
             listAudit(audit, call, respond);
         }},
        {"GET",
         "/api/v1/audit/verify",
         security::Permission::ViewAudit,
         [&audit](const AdminCall &, const net::Responder &respond) {
             verifyChain(audit, respond);
         }},
    };
}

} // namespace syncline::engine::runtime
