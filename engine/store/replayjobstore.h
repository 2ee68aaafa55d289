#pragma once

#include "engine/core/result.h"
#include "engine/store/replayjobrecords.h"

#include <QList>

#include <optional>

namespace syncline::engine::store {

/// What an operator does to a job.
enum class ReplayJobControl { Pause, Resume, Cancel };

/// Bulk replay jobs and their items (docs/operations.md, "Bulk replay"). A job's items — the
/// exceptions it covers — are fixed in the transaction that creates it, with its audit record;
/// the runner then records each item's outcome with the job's counts in one transaction, so the
/// counts always add up to the items recorded. An interface so a PostgreSQL backend can follow;
/// SqliteReplayJobStore is the embedded one. Thread-safe.
class ReplayJobStore
{
public:
    virtual ~ReplayJobStore() = default;

    /// Creates a job over the unresolved exceptions `job.filter` matches now, with an audit
    /// record (action "bulk-replay"). A job with nothing to do is finished at once. Fails with
    /// REPLAY_JOB_ACTIVE when the flow already has a queued, running or paused job.
    virtual Result<ReplayJob> create(const NewReplayJob &job) = 0;
    /// Newest first, at most `limit`.
    virtual Result<QList<ReplayJob>> jobs(int limit) = 0;
    virtual Result<std::optional<ReplayJob>> job(qint64 id) = 0;
    /// Queued, running and paused jobs, oldest first: what the runner resumes after a restart.
    virtual Result<QList<ReplayJob>> activeJobs() = 0;
    /// Items of a job in exception order, after `afterExceptionId`, at most `limit`; only those
    /// in `state` when given.
    virtual Result<QList<ReplayJobItem>> items(qint64 id,
                                               std::optional<ReplayItemState> state,
                                               qint64 afterExceptionId,
                                               int limit) = 0;

    /// The effect ledger's entries of a correlation id in a flow (for a dry run).
    virtual Result<QList<LedgerEffect>> ledger(const QString &correlationId,
                                               const QString &flowId) = 0;

    /// Pauses (queued or running), resumes (paused) or cancels (queued, running or paused) a
    /// job, with an audit record ("bulk-replay-pause", "-resume", "-cancel"). Fails with
    /// REPLAY_JOB_NOT_FOUND or REPLAY_JOB_STATE.
    virtual Result<ReplayJob>
    control(qint64 id, ReplayJobControl action, const Actor &actor, const QString &reason) = 0;

    /// The runner's: a queued job starts running (started time set once); an active job with no
    /// item left pending is finished.
    virtual Result<ReplayJob> markRunning(qint64 id) = 0;
    /// Records a pending item's outcome and counts it; the job finishes when no item is left
    /// pending. An item recorded already is left as it is.
    virtual Result<ReplayJob> recordItem(qint64 id, const ReplayJobItem &item) = 0;
    /// The job cannot go on (`detail` says why).
    virtual Result<ReplayJob> fail(qint64 id, const QString &detail) = 0;
};

/// Codes of the Errors the replay job store returns.
inline constexpr auto kReplayJobNotFound = "REPLAY_JOB_NOT_FOUND";
inline constexpr auto kReplayJobActive = "REPLAY_JOB_ACTIVE";
inline constexpr auto kReplayJobState = "REPLAY_JOB_STATE";

} // namespace syncline::engine::store
