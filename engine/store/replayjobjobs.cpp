#include "engine/store/replayjobjobs.h"

#include "engine/store/auditjobs.h"
#include "engine/store/exceptionjobs.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::store {

namespace {

constexpr int kSnapshotPage = 500;

constexpr auto kJobColumns =
    "SELECT id, flow_id, filter, state, rate, reason, created_by, created_role, created_at,"
    " coalesce(started_at, 0), coalesce(finished_at, 0), updated_at, total, replayed, skipped,"
    " failed, detail FROM replay_jobs";

Result<ReplayJob> jobFrom(Statement &s)
{
    ReplayJob job;
    job.id = s.int64(0);
    job.flowId = s.qtext(1);
    const std::string filter = s.text(2);
    Result<ExceptionFilter> parsed = filterFromJson(QByteArray::fromStdString(filter));
    if (!parsed) {
        return parsed.error();
    }
    job.filter = *parsed;
    job.state = replayJobStateFromName(s.qtext(3)).value_or(ReplayJobState::Failed);
    job.ratePerSecond = s.real(4);
    job.reason = s.qtext(5);
    job.createdBy = s.qtext(6);
    job.createdRole = s.qtext(7);
    job.createdAtMs = s.int64(8);
    job.startedAtMs = s.int64(9);
    job.finishedAtMs = s.int64(10);
    job.updatedAtMs = s.int64(11);
    job.total = s.int64(12);
    job.replayed = s.int64(13);
    job.skipped = s.int64(14);
    job.failed = s.int64(15);
    job.detail = s.qtext(16);
    return job;
}

Result<ReplayJob> existing(Connection &c, qint64 id)
{
    Result<std::optional<ReplayJob>> found = readReplayJob(c, id);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return Error::make(QString::fromLatin1(kReplayJobNotFound),
                           QStringLiteral("there is no replay job %1").arg(id));
    }
    return **found;
}

Result<void> audit(Connection &c,
                   const Actor &actor,
                   const QString &action,
                   qint64 jobId,
                   const QString &reason,
                   const nlohmann::json &detail,
                   qint64 atMs)
{
    return auditAction(c, actor, action, QStringLiteral("replay-job"), jobId, reason, detail, atMs);
}

Result<void> setState(Connection &c,
                      qint64 id,
                      ReplayJobState state,
                      qint64 atMs,
                      const QString &detail = QString())
{
    const bool ends = state == ReplayJobState::Cancelled || state == ReplayJobState::Finished
                      || state == ReplayJobState::Failed;
    Result<Statement *> update = c.cached(
        "UPDATE replay_jobs SET state = ?2, updated_at = ?3,"
        " started_at = CASE WHEN ?2 = 'running' THEN coalesce(started_at, ?3) ELSE started_at END,"
        " finished_at = CASE WHEN ?4 THEN ?3 ELSE finished_at END,"
        " detail = CASE WHEN ?5 <> '' THEN ?5 ELSE detail END WHERE id = ?1");
    if (!update) {
        return update.error();
    }
    (*update)->bind(1, id).bind(2, replayJobStateName(state)).bind(3, atMs);
    (*update)->bind(4, ends ? 1 : 0).bind(5, detail);
    return (*update)->run();
}

// The ids of the unresolved exceptions the filter matches now (keyset pages, newest first).
Result<QList<qint64>> snapshot(Connection &c, const ExceptionFilter &filter)
{
    QList<qint64> ids;
    std::optional<ExceptionCursor> after;
    do {
        Result<ExceptionPage> page = readExceptionPage(c, filter, after, kSnapshotPage);
        if (!page) {
            return page.error();
        }
        for (const ExceptionRecord &record : page->items) {
            ids.append(record.id);
        }
        after = page->next;
    } while (after);
    return ids;
}

Result<qint64> pendingCount(Connection &c, qint64 id)
{
    Result<Statement *> select = c.cached(
        "SELECT count(*) FROM replay_job_items WHERE job_id = ? AND state = 'pending'");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, id);
    if (Result<bool> row = (*select)->step(); !row) {
        return row.error();
    }
    const qint64 pending = (*select)->int64(0);
    (*select)->reset(true);
    return pending;
}

} // namespace

Result<ReplayJob> createReplayJob(Connection &c, const NewReplayJob &job, qint64 atMs)
{
    Result<Statement *> active = c.cached(
        "SELECT id FROM replay_jobs WHERE flow_id = ? AND state IN ('queued', 'running', 'paused')");
    if (!active) {
        return active.error();
    }
    (*active)->bind(1, job.filter.flowId);
    Result<bool> busy = (*active)->step();
    if (!busy) {
        return busy.error();
    }
    const qint64 busyId = *busy ? (*active)->int64(0) : 0;
    (*active)->reset(true);
    if (busyId != 0) {
        return Error::make(QString::fromLatin1(kReplayJobActive),
                           QStringLiteral("flow %1 already has replay job %2 queued, running or "
                                          "paused: cancel it or wait until it is finished")
                               .arg(job.filter.flowId)
                               .arg(busyId));
    }
    Result<QList<qint64>> ids = snapshot(c, job.filter);
    if (!ids) {
        return ids.error();
    }
    const bool empty = ids->isEmpty();
    Result<Statement *> insert = c.cached(
        "INSERT INTO replay_jobs(flow_id, filter, state, rate, reason, created_by, created_role,"
        " created_at, started_at, finished_at, updated_at, total)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?8, ?10)");
    if (!insert) {
        return insert.error();
    }
    Statement &s = **insert;
    s.bind(1, job.filter.flowId).bindBlob(2, bytesOf(filterToJson(job.filter)));
    s.bind(3, std::string_view(empty ? "finished" : "queued")).bind(4, job.ratePerSecond);
    s.bind(5, job.reason).bind(6, job.actor.userId).bind(7, job.actor.role).bind(8, atMs);
    if (empty) {
        s.bind(9, atMs);
    } else {
        s.bindNull(9);
    }
    s.bind(10, qint64(ids->size()));
    if (Result<void> r = s.run(); !r) {
        return r.error();
    }
    const qint64 id = c.lastInsertRowId();
    for (qint64 exceptionId : std::as_const(*ids)) {
        // cached() resets the statement for each row.
        Result<Statement *> item = c.cached(
            "INSERT INTO replay_job_items(job_id, exception_id, state) VALUES (?, ?, 'pending')");
        if (!item) {
            return item.error();
        }
        (*item)->bind(1, id).bind(2, exceptionId);
        if (Result<void> r = (*item)->run(); !r) {
            return r.error();
        }
    }
    const nlohmann::json filter = nlohmann::json::parse(filterToJson(job.filter).toStdString());
    if (Result<void> r = audit(c,
                               job.actor,
                               QStringLiteral("bulk-replay"),
                               id,
                               job.reason,
                               {{"flow", job.filter.flowId.toStdString()},
                                {"filter", filter},
                                {"rate", job.ratePerSecond},
                                {"total", ids->size()}},
                               atMs);
        !r) {
        return r.error();
    }
    return existing(c, id);
}

Result<ReplayJob> controlReplayJob(Connection &c,
                                   qint64 id,
                                   ReplayJobControl action,
                                   const Actor &actor,
                                   const QString &reason,
                                   qint64 atMs)
{
    Result<ReplayJob> job = existing(c, id);
    if (!job) {
        return job;
    }
    const ReplayJobState from = job->state;
    std::optional<ReplayJobState> to;
    const char *verb = "";
    switch (action) {
    case ReplayJobControl::Pause:
        verb = "pause";
        if (from == ReplayJobState::Queued || from == ReplayJobState::Running) {
            to = ReplayJobState::Paused;
        }
        break;
    case ReplayJobControl::Resume:
        verb = "resume";
        if (from == ReplayJobState::Paused) {
            to = job->startedAtMs > 0 ? ReplayJobState::Running : ReplayJobState::Queued;
        }
        break;
    case ReplayJobControl::Cancel:
        verb = "cancel";
        if (job->active()) {
            to = ReplayJobState::Cancelled;
        }
        break;
    }
    if (!to) {
        return Error::make(QString::fromLatin1(kReplayJobState),
                           QStringLiteral("replay job %1 is %2: it cannot be %3d")
                               .arg(id)
                               .arg(replayJobStateName(from), QLatin1String(verb)));
    }
    if (Result<void> r = setState(c, id, *to, atMs); !r) {
        return r.error();
    }
    if (Result<void> r = audit(c,
                               actor,
                               QStringLiteral("bulk-replay-%1").arg(QLatin1String(verb)),
                               id,
                               reason,
                               {{"flow", job->flowId.toStdString()},
                                {"from", replayJobStateName(from).toStdString()},
                                {"to", replayJobStateName(*to).toStdString()},
                                {"done", job->done()},
                                {"total", job->total}},
                               atMs);
        !r) {
        return r.error();
    }
    return existing(c, id);
}

Result<ReplayJob> markReplayJobRunning(Connection &c, qint64 id, qint64 atMs)
{
    Result<ReplayJob> job = existing(c, id);
    if (!job || !job->active()) {
        return job;
    }
    Result<qint64> pending = pendingCount(c, id);
    if (!pending) {
        return pending.error();
    }
    // Every item recorded (the last one just before a crash): nothing is left to run.
    if (*pending == 0) {
        if (Result<void> r = setState(c, id, ReplayJobState::Finished, atMs); !r) {
            return r.error();
        }
        return existing(c, id);
    }
    if (job->state != ReplayJobState::Queued) {
        return job;
    }
    if (Result<void> r = setState(c, id, ReplayJobState::Running, atMs); !r) {
        return r.error();
    }
    return existing(c, id);
}

Result<ReplayJob> recordReplayItem(Connection &c, qint64 id, const ReplayJobItem &item, qint64 atMs)
{
    Result<Statement *> update =
        c.cached("UPDATE replay_job_items SET state = ?3, detail = ?4, at = ?5"
                 " WHERE job_id = ?1 AND exception_id = ?2 AND state = 'pending'");
    if (!update) {
        return update.error();
    }
    (*update)->bind(1, id).bind(2, item.exceptionId).bind(3, replayItemStateName(item.state));
    (*update)->bind(4, item.detail).bind(5, atMs);
    if (Result<void> r = (*update)->run(); !r) {
        return r.error();
    }
    if (c.changes() == 1) {
        const char *sql = item.state == ReplayItemState::Replayed
                              ? "UPDATE replay_jobs SET replayed = replayed + 1, updated_at = ?2"
                                " WHERE id = ?1"
                          : item.state == ReplayItemState::Skipped
                              ? "UPDATE replay_jobs SET skipped = skipped + 1, updated_at = ?2"
                                " WHERE id = ?1"
                              : "UPDATE replay_jobs SET failed = failed + 1, updated_at = ?2,"
                                " detail = ?3 WHERE id = ?1";
        Result<Statement *> count = c.cached(sql);
        if (!count) {
            return count.error();
        }
        (*count)->bind(1, id).bind(2, atMs);
        if (item.state == ReplayItemState::Failed) {
            (*count)->bind(3, QStringLiteral("exception %1: %2").arg(item.exceptionId).arg(item.detail));
        }
        if (Result<void> r = (*count)->run(); !r) {
            return r.error();
        }
    }
    Result<qint64> pending = pendingCount(c, id);
    if (!pending) {
        return pending.error();
    }
    Result<ReplayJob> job = existing(c, id);
    if (job && *pending == 0 && job->active()) {
        if (Result<void> r = setState(c, id, ReplayJobState::Finished, atMs); !r) {
            return r.error();
        }
        return existing(c, id);
    }
    return job;
}

Result<ReplayJob> failReplayJob(Connection &c, qint64 id, const QString &detail, qint64 atMs)
{
    if (Result<void> r = setState(c, id, ReplayJobState::Failed, atMs, detail); !r) {
        return r.error();
    }
    return existing(c, id);
}

Result<std::optional<ReplayJob>> readReplayJob(Connection &c, qint64 id)
{
    Result<Statement *> select = c.cached(std::string(kJobColumns) + " WHERE id = ?");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, id);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    std::optional<ReplayJob> found;
    if (*row) {
        Result<ReplayJob> job = jobFrom(**select);
        if (!job) {
            (*select)->reset(true);
            return job.error();
        }
        found = std::move(*job);
    }
    (*select)->reset(true);
    return found;
}

Result<QList<ReplayJob>> readReplayJobs(Connection &c, bool activeOnly, int limit)
{
    const std::string sql =
        std::string(kJobColumns)
        + (activeOnly ? " WHERE state IN ('queued', 'running', 'paused') ORDER BY id LIMIT ?"
                      : " ORDER BY id DESC LIMIT ?");
    Result<Statement> select = c.prepare(sql);
    if (!select) {
        return select.error();
    }
    select->bind(1, limit);
    QList<ReplayJob> jobs;
    for (;;) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        Result<ReplayJob> job = jobFrom(*select);
        if (!job) {
            return job.error();
        }
        jobs.append(std::move(*job));
    }
    return jobs;
}

Result<QList<ReplayJobItem>> readReplayItems(Connection &c,
                                             qint64 id,
                                             std::optional<ReplayItemState> state,
                                             qint64 afterExceptionId,
                                             int limit)
{
    Result<Statement> select = c.prepare(
        "SELECT exception_id, state, detail, coalesce(at, 0) FROM replay_job_items"
        " WHERE job_id = ?1 AND exception_id > ?2 AND (?3 = '' OR state = ?3)"
        " ORDER BY exception_id LIMIT ?4");
    if (!select) {
        return select.error();
    }
    select->bind(1, id).bind(2, afterExceptionId);
    select->bind(3, state ? replayItemStateName(*state) : QString()).bind(4, limit);
    QList<ReplayJobItem> items;
    for (;;) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        ReplayJobItem item;
        item.exceptionId = select->int64(0);
        const QString name = select->qtext(1);
        for (ReplayItemState s : {ReplayItemState::Pending,
                                  ReplayItemState::Replayed,
                                  ReplayItemState::Skipped,
                                  ReplayItemState::Failed}) {
            if (replayItemStateName(s) == name) {
                item.state = s;
            }
        }
        item.detail = select->qtext(2);
        item.atMs = select->int64(3);
        items.append(item);
    }
    return items;
}

Result<QList<LedgerEffect>>
readLedger(Connection &c, const QString &correlationId, const QString &flowId)
{
    Result<Statement *> select =
        c.cached("SELECT node_id, target, state, idempotency_key, coalesce(business_key, '')"
                 " FROM effects WHERE correlation_id = ? AND flow_id = ?");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, correlationId).bind(2, flowId);
    QList<LedgerEffect> effects;
    for (;;) {
        Result<bool> row = (*select)->step();
        if (!row) {
            (*select)->reset(true);
            return row.error();
        }
        if (!*row) {
            break;
        }
        effects.append({(*select)->qtext(0),
                        (*select)->qtext(1),
                        (*select)->qtext(2),
                        (*select)->qtext(3),
                        (*select)->qtext(4)});
    }
    (*select)->reset(true);
    return effects;
}

} // namespace syncline::engine::store
