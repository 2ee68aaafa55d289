#pragma once

#include "engine/core/result.h"
#include "engine/store/exceptionrecords.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace syncline::engine::store {

/// Where a bulk replay job is (docs/operations.md, "Bulk replay"). Queued, running and paused
/// are active: a flow has at most one active job.
enum class ReplayJobState { Queued, Running, Paused, Cancelled, Finished, Failed };

/// A bulk replay job as stored: the exceptions it covers were fixed when it was created (its
/// items), so a job resumed after a restart neither repeats nor misses one.
struct ReplayJob
{
    qint64 id = 0;
    QString flowId;
    ExceptionFilter filter;
    ReplayJobState state = ReplayJobState::Queued;
    double ratePerSecond = 1;
    QString reason;
    QString createdBy;
    QString createdRole;
    qint64 createdAtMs = 0;
    qint64 startedAtMs = 0;  // 0: not started yet
    qint64 finishedAtMs = 0; // 0: not finished (cancelled, finished or failed)
    qint64 updatedAtMs = 0;
    qint64 total = 0;
    qint64 replayed = 0;
    qint64 skipped = 0;
    qint64 failed = 0;
    QString detail; // why it failed, or the last item's failure

    qint64 done() const { return replayed + skipped + failed; }
    bool active() const;
};

/// What became of one exception of a job.
enum class ReplayItemState { Pending, Replayed, Skipped, Failed };

struct ReplayJobItem
{
    qint64 exceptionId = 0;
    ReplayItemState state = ReplayItemState::Pending;
    QString detail;
    qint64 atMs = 0;
};

/// A new job: the caller checked the permission; the store fixes the items in the same
/// transaction as the job row and its audit record.
struct NewReplayJob
{
    ExceptionFilter filter; // flowId set; states Open, Assigned or Unresolved
    double ratePerSecond = 1;
    QString reason;
    Actor actor;
};

/// An effect of the ledger as a dry run reads it.
struct LedgerEffect
{
    QString nodeId;
    QString target; // system id
    QString state;  // pending, succeeded, failed, uncertain
    QString idempotencyKey;
    QString businessKey;
};

QString replayJobStateName(ReplayJobState state);
std::optional<ReplayJobState> replayJobStateFromName(const QString &name);
QString replayItemStateName(ReplayItemState state);

/// The filter as stored with the job and shown by the API (ages as absolute times, so a job
/// means the same exceptions after a restart).
QByteArray filterToJson(const ExceptionFilter &filter);
Result<ExceptionFilter> filterFromJson(const QByteArray &json);

} // namespace syncline::engine::store
