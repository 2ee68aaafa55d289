#include "engine/store/exceptionjobs.h"

#include "engine/store/auditjobs.h"
#include "engine/store/exceptionstore.h"
#include "engine/store/messagejobs.h"
#include "engine/store/orderingjobs.h"

#include "engine/core/timeorderedid.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::store {

namespace {

constexpr qint64 kHourMs = 3'600'000;

QByteArray dump(const nlohmann::json &value)
{
    return QByteArray::fromStdString(
        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<void> addEvent(Connection &c,
                      qint64 exceptionId,
                      const Actor &actor,
                      const char *kind,
                      const QString &text,
                      qint64 atMs,
                      qint64 *eventId = nullptr)
{
    Result<Statement *> insert =
        c.cached("INSERT INTO exception_events(exception_id, at, actor, role, kind, text)"
                 " VALUES (?, ?, ?, ?, ?, ?)");
    if (!insert) {
        return insert.error();
    }
    Statement &s = **insert;
    s.bind(1, exceptionId).bind(2, atMs).bind(3, actor.userId).bind(4, actor.role);
    s.bind(5, std::string_view(kind)).bind(6, text);
    if (Result<void> r = s.run(); !r) {
        return r;
    }
    if (eventId) {
        *eventId = c.lastInsertRowId();
    }
    return {};
}

Result<void> audit(Connection &c,
                   const Actor &actor,
                   const char *action,
                   qint64 exceptionId,
                   const QString &reason,
                   const nlohmann::json &detail,
                   qint64 atMs)
{
    return auditAction(c, actor, QString::fromLatin1(action), QStringLiteral("exception"),
                       exceptionId, reason, detail, atMs);
}

// The exception, if it exists.
Result<ExceptionRecord> existing(Connection &c, qint64 id)
{
    Result<std::optional<ExceptionRecord>> found = readException(c, id);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return Error::make(QString::fromLatin1(kExceptionNotFound),
                           QStringLiteral("there is no exception %1").arg(id));
    }
    return **found;
}

// The exception, if it exists and is not resolved yet.
Result<ExceptionRecord> unresolved(Connection &c, qint64 id)
{
    Result<ExceptionRecord> found = existing(c, id);
    if (found && found->state == ExceptionState::Resolved) {
        return Error::make(QString::fromLatin1(kExceptionResolved),
                           QStringLiteral("exception %1 was already resolved (%2 by %3)")
                               .arg(id)
                               .arg(resolutionName(found->resolution), found->resolvedBy));
    }
    return found;
}

// Resolves an exception and lets its parked work item go.
Result<void> resolve(Connection &c,
                     const ExceptionRecord &record,
                     Resolution resolution,
                     const Actor &actor,
                     const QString &reason,
                     qint64 atMs)
{
    if (Result<void> r = forgetParkedTurn(c, record.workItemId); !r) {
        return r;
    }
    Result<Statement *> release =
        c.cached("DELETE FROM work_items WHERE id = ? AND state = 'failed'");
    if (!release) {
        return release.error();
    }
    (*release)->bind(1, record.workItemId);
    if (Result<void> r = (*release)->run(); !r) {
        return r;
    }
    Result<Statement *> update = c.cached(
        "UPDATE exceptions SET state = 'resolved', resolution = ?2, resolution_reason = ?3,"
        " resolved_by = ?4, resolved_at = ?5, updated_at = ?5, work_item_id = NULL"
        " WHERE id = ?1");
    if (!update) {
        return update.error();
    }
    (*update)->bind(1, record.id).bind(2, resolutionName(resolution)).bind(3, reason);
    (*update)->bind(4, actor.userId).bind(5, atMs);
    return (*update)->run();
}

// The newest repaired version's message, if the input was repaired.
Result<std::optional<std::pair<int, QString>>> latestRepair(Connection &c, qint64 id)
{
    Result<Statement *> select = c.cached("SELECT version, message_id FROM exception_repairs"
                                          " WHERE exception_id = ? ORDER BY version DESC LIMIT 1");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, id);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    std::optional<std::pair<int, QString>> latest;
    if (*row) {
        latest = std::pair{int((*select)->int64(0)), (*select)->qtext(1)};
    }
    (*select)->reset(true);
    return latest;
}

// The exception whose replay led to this failure: the latest one of the same correlation id and
// flow that was resolved by a replay.
Result<qint64> previousReplayed(Connection &c, const FailedStep &failed)
{
    Result<Statement *> select = c.cached(
        "SELECT coalesce(max(id), 0) FROM exceptions WHERE correlation_id = ? AND flow_id = ?"
        " AND resolution IN ('replayed', 'repaired')");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, failed.correlationId).bind(2, failed.flowId);
    if (Result<bool> row = (*select)->step(); !row) {
        return row.error();
    }
    const qint64 previous = (*select)->int64(0);
    (*select)->reset(true);
    return previous;
}

NewException derivedFrom(const StepResult &step)
{
    NewException e = step.exception.value_or(NewException{});
    if (!step.exception) {
        e.category = defaultCategoryFor(step.errorCode);
    }
    if (e.reasonCode.isEmpty()) {
        e.reasonCode = step.errorCode.isEmpty() ? QStringLiteral("FAILED") : step.errorCode;
    }
    if (e.ownerRole.isEmpty()) {
        e.ownerRole = defaultOwnerRole(e.category);
    }
    if (e.slaMs == 0) {
        e.slaMs = kDefaultSlaHours * kHourMs;
    }
    return e;
}

} // namespace

Result<void>
insertException(Connection &c, const FailedStep &failed, const StepResult &step, qint64 atMs)
{
    const NewException e = derivedFrom(step);
    Result<qint64> previous = previousReplayed(c, failed);
    if (!previous) {
        return previous.error();
    }
    Result<Statement *> insert = c.cached(
        "INSERT INTO exceptions(created_at, updated_at, category, reason_code, pointer, facts,"
        " flow_id, flow_version, node_id, raised_at_node, message_id, work_item_id, detail,"
        " attempts, correlation_id, business_key, owner_role, sla_due_at, state, previous_id,"
        " replay_blocker) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, ?16, ?17, 'open', ?18, ?19)");
    if (!insert) {
        return insert.error();
    }
    Statement &s = **insert;
    s.bind(1, atMs).bind(2, exceptionCategoryName(e.category)).bind(3, e.reasonCode);
    s.bind(4, e.pointer).bindBlob(5, bytesOf(e.facts.isEmpty() ? QByteArray("{}") : e.facts));
    s.bind(6, failed.flowId).bind(7, failed.flowVersion);
    s.bind(8, e.resumeNodeId.isEmpty() ? failed.nodeId : e.resumeNodeId).bind(9, failed.nodeId);
    s.bind(10, e.resumeMessageId.isEmpty() ? failed.messageId : e.resumeMessageId);
    s.bind(11, failed.workItemId).bind(12, step.errorDetail).bind(13, failed.attempt);
    s.bind(14, failed.correlationId).bind(15, failed.businessKey).bind(16, e.ownerRole);
    s.bind(17, atMs + e.slaMs).bind(18, *previous).bind(19, e.replayBlocker);
    if (Result<void> r = s.run(); !r) {
        return r;
    }
    const qint64 id = c.lastInsertRowId();
    const QString text = QStringLiteral("%1 at node %2 after %3 attempt(s): %4")
                             .arg(e.reasonCode, failed.nodeId)
                             .arg(failed.attempt)
                             .arg(step.errorDetail);
    return addEvent(
        c, id, {QStringLiteral("engine"), QStringLiteral("engine")}, "created", text, atMs);
}

Result<ExceptionRecord>
assignJob(Connection &c, qint64 id, const Actor &actor, const QString &assignee, qint64 atMs)
{
    Result<ExceptionRecord> record = unresolved(c, id);
    if (!record) {
        return record;
    }
    Result<Statement *> update =
        c.cached("UPDATE exceptions SET state = ?2, assignee = ?3, updated_at = ?4 WHERE id = ?1");
    if (!update) {
        return update.error();
    }
    const QString state = assignee.isEmpty() ? QStringLiteral("open") : QStringLiteral("assigned");
    (*update)->bind(1, id).bind(2, state).bind(3, assignee).bind(4, atMs);
    if (Result<void> r = (*update)->run(); !r) {
        return r.error();
    }
    const QString text = assignee.isEmpty()
                             ? QStringLiteral("unassigned (was %1)").arg(record->assignee)
                             : QStringLiteral("assigned to %1").arg(assignee);
    if (Result<void> r = addEvent(c, id, actor, "assigned", text, atMs); !r) {
        return r.error();
    }
    if (Result<void> r = audit(c,
                               actor,
                               "assign",
                               id,
                               QString(),
                               {{"assignee", assignee.toStdString()},
                                {"previousAssignee", record->assignee.toStdString()}},
                               atMs);
        !r) {
        return r.error();
    }
    record->state = assignee.isEmpty() ? ExceptionState::Open : ExceptionState::Assigned;
    record->assignee = assignee;
    record->updatedAtMs = atMs;
    return record;
}

Result<ExceptionEvent>
commentJob(Connection &c, qint64 id, const Actor &actor, const QString &text, qint64 atMs)
{
    if (Result<ExceptionRecord> found = existing(c, id); !found) {
        return found.error();
    }
    qint64 eventId = 0;
    if (Result<void> r = addEvent(c, id, actor, "comment", text, atMs, &eventId); !r) {
        return r.error();
    }
    // The text stays in the exception's history; the audit trail records that it was written.
    if (Result<void> r = audit(c,
                               actor,
                               "comment",
                               id,
                               QString(),
                               {{"event", eventId}, {"characters", text.size()}},
                               atMs);
        !r) {
        return r.error();
    }
    return ExceptionEvent{eventId, atMs, actor.userId, actor.role, QStringLiteral("comment"), text};
}

Result<RepairVersion> repairJob(Connection &c,
                                qint64 id,
                                const Actor &actor,
                                const QByteArray &payload,
                                const QString &reason,
                                qint64 atMs)
{
    Result<ExceptionRecord> record = unresolved(c, id);
    if (!record) {
        return record.error();
    }
    Result<std::optional<std::pair<int, QString>>> latest = latestRepair(c, id);
    if (!latest) {
        return latest.error();
    }
    const int version = *latest ? (*latest)->first + 1 : 1;
    Result<Statement *> original =
        c.cached("SELECT flow_id, flow_version, correlation_id, business_key, headers FROM messages"
                 " WHERE message_id = ?");
    if (!original) {
        return original.error();
    }
    (*original)->bind(1, record->messageId);
    Result<bool> row = (*original)->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return Error::make(QString::fromLatin1(kExceptionNotFound),
                           QStringLiteral("the input of exception %1 (message %2) is gone")
                               .arg(id)
                               .arg(record->messageId));
    }
    StoredMessage repaired;
    repaired.messageId = newTimeOrderedId();
    repaired.flowId = (*original)->qtext(0);
    repaired.flowVersion = int((*original)->int64(1));
    repaired.correlationId = (*original)->qtext(2);
    repaired.businessKey = (*original)->qtext(3);
    nlohmann::json headers = nlohmann::json::parse((*original)->text(4), nullptr, false);
    if (!headers.is_object()) {
        headers = nlohmann::json::object();
    }
    // Counted along the whole chain: an input repaired, failing again and repaired again is
    // the second repair, whatever the exception's own version number.
    const auto earlier = headers.find(kRepairHeader);
    headers[kRepairHeader] = version + (earlier != headers.end() && earlier->is_number_integer()
                                            ? earlier->get<int>()
                                            : 0);
    repaired.headers = dump(headers);
    repaired.causationId = record->messageId;
    repaired.payload = payload;
    repaired.createdAtMs = atMs;
    (*original)->reset(true);
    if (Result<void> r = insertMessage(c, repaired, encodePayload(payload)); !r) {
        return r.error();
    }
    Result<Statement *> edge = c.cached("INSERT OR IGNORE INTO lineage(parent_id, child_id,"
                                        " node_id, kind) VALUES (?, ?, ?, 'repair')");
    if (!edge) {
        return edge.error();
    }
    (*edge)->bind(1, record->messageId).bind(2, repaired.messageId).bind(3, record->nodeId);
    if (Result<void> r = (*edge)->run(); !r) {
        return r.error();
    }
    Result<Statement *> insert = c.cached(
        "INSERT INTO exception_repairs(exception_id, version, message_id, actor, role, reason, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert) {
        return insert.error();
    }
    Statement &s = **insert;
    s.bind(1, id).bind(2, version).bind(3, repaired.messageId).bind(4, actor.userId);
    s.bind(5, actor.role).bind(6, reason).bind(7, atMs);
    if (Result<void> r = s.run(); !r) {
        return r.error();
    }
    Result<Statement *> touch = c.cached("UPDATE exceptions SET updated_at = ? WHERE id = ?");
    if (!touch) {
        return touch.error();
    }
    (*touch)->bind(1, atMs).bind(2, id);
    if (Result<void> r = (*touch)->run(); !r) {
        return r.error();
    }
    const QString text =
        reason.isEmpty()
            ? QStringLiteral("input repaired (version %1)").arg(version)
            : QStringLiteral("input repaired (version %1): %2").arg(version).arg(reason);
    if (Result<void> r = addEvent(c, id, actor, "repaired", text, atMs); !r) {
        return r.error();
    }
    if (Result<void> r =
            audit(c,
                  actor,
                  "repair",
                  id,
                  reason,
                  {{"version", version}, {"message", repaired.messageId.toStdString()}},
                  atMs);
        !r) {
        return r.error();
    }
    return RepairVersion{
        version, repaired.messageId, payload, actor.userId, actor.role, reason, atMs};
}

Result<ReplayTicket>
replayJob(Connection &c, qint64 id, const Actor &actor, const QString &reason, qint64 atMs)
{
    Result<ExceptionRecord> record = unresolved(c, id);
    if (!record) {
        return record.error();
    }
    if (!record->replayBlocker.isEmpty()) {
        return Error::make(QString::fromLatin1(kExceptionNotReplayable),
                           QStringLiteral("exception %1 cannot be replayed: %2")
                               .arg(id)
                               .arg(record->replayBlocker));
    }
    Result<std::optional<std::pair<int, QString>>> latest = latestRepair(c, id);
    if (!latest) {
        return latest.error();
    }
    ReplayTicket ticket{id,
                        record->flowId,
                        record->flowVersion,
                        record->nodeId,
                        *latest ? (*latest)->second : record->messageId,
                        *latest ? (*latest)->first : 0,
                        0};
    // A message of an ordered flow joins the back of its key's line (docs/engine.md, "Ordering").
    Result<OrderTurn> turn = rejoinTurn(c, record->workItemId, ticket.messageId);
    if (!turn) {
        return turn.error();
    }
    Result<qint64> bytes = payloadBytes(c, ticket.messageId);
    if (!bytes) {
        return bytes.error();
    }
    if (Result<void> r = enqueue(c, ticket.messageId, *bytes, ticket.flowId, ticket.flowVersion,
                                 ticket.nodeId, turn->held ? kHeldUntil : atMs, turn->seq);
        !r) {
        return r.error();
    }
    if (record->category == ExceptionCategory::Uncertain) {
        // A person decided the call did not take effect: send it again, with its original key.
        Result<Statement *> rearm = c.cached(
            "UPDATE effects SET state = 'failed', detail = ?4, updated_at = ?5"
            " WHERE correlation_id = ?1 AND flow_id = ?2 AND node_id = ?3 AND state = 'uncertain'");
        if (!rearm) {
            return rearm.error();
        }
        (*rearm)->bind(1, record->correlationId).bind(2, record->flowId).bind(3, record->nodeId);
        (*rearm)->bind(
            4, QStringLiteral("sent again: %1 replayed exception %2").arg(actor.userId).arg(id));
        (*rearm)->bind(5, atMs);
        if (Result<void> r = (*rearm)->run(); !r) {
            return r.error();
        }
        ticket.rearmedEffects = c.changes();
    }
    const Resolution resolution =
        ticket.repairVersion > 0 ? Resolution::Repaired : Resolution::Replayed;
    if (Result<void> r = resolve(c, *record, resolution, actor, reason, atMs); !r) {
        return r.error();
    }
    const QString input =
        ticket.repairVersion > 0
            ? QStringLiteral("repaired input version %1").arg(ticket.repairVersion)
            : QStringLiteral("the stored input");
    if (Result<void> r = addEvent(
            c,
            id,
            actor,
            "replayed",
            QStringLiteral("replayed from node %1 with %2: %3").arg(ticket.nodeId, input, reason),
            atMs);
        !r) {
        return r.error();
    }
    if (Result<void> r = audit(c,
                               actor,
                               "replay",
                               id,
                               reason,
                               {{"flow", ticket.flowId.toStdString()},
                                {"flowVersion", ticket.flowVersion},
                                {"node", ticket.nodeId.toStdString()},
                                {"message", ticket.messageId.toStdString()},
                                {"repairVersion", ticket.repairVersion},
                                {"rearmedEffects", ticket.rearmedEffects}},
                               atMs);
        !r) {
        return r.error();
    }
    return ticket;
}

Result<ExceptionRecord>
discardJob(Connection &c, qint64 id, const Actor &actor, const QString &reason, qint64 atMs)
{
    Result<ExceptionRecord> record = unresolved(c, id);
    if (!record) {
        return record;
    }
    if (Result<void> r = resolve(c, *record, Resolution::Discarded, actor, reason, atMs); !r) {
        return r.error();
    }
    if (Result<void> r = addEvent(c, id, actor, "discarded", reason, atMs); !r) {
        return r.error();
    }
    if (Result<void> r = audit(c,
                               actor,
                               "discard",
                               id,
                               reason,
                               {{"flow", record->flowId.toStdString()},
                                {"node", record->nodeId.toStdString()},
                                {"reasonCode", record->reasonCode.toStdString()}},
                               atMs);
        !r) {
        return r.error();
    }
    Result<std::optional<ExceptionRecord>> updated = readException(c, id);
    if (!updated) {
        return updated.error();
    }
    return **updated;
}

Result<void> auditAction(Connection &c,
                         const Actor &actor,
                         const QString &action,
                         const QString &objectType,
                         qint64 objectId,
                         const QString &reason,
                         const nlohmann::json &detail,
                         qint64 atMs)
{
    AuditRecord record;
    record.actor = actor.userId;
    record.role = actor.role;
    record.action = action;
    record.objectType = objectType;
    record.objectId = QString::number(objectId);
    record.reason = reason;
    record.detail = dump(detail);
    if (Result<AuditEntry> appended = appendAudit(c, record, atMs); !appended) {
        return appended.error();
    }
    return {};
}

} // namespace syncline::engine::store
