#pragma once

#include "engine/store/connection.h"
#include "engine/store/replayjobstore.h"

namespace syncline::engine::store {

/// The SQL of bulk replay jobs, each inside whichever transaction the caller is in (the writer's
/// job for changes, a read connection for reads).

Result<ReplayJob> createReplayJob(Connection &c, const NewReplayJob &job, qint64 atMs);
Result<ReplayJob> controlReplayJob(Connection &c,
                                   qint64 id,
                                   ReplayJobControl action,
                                   const Actor &actor,
                                   const QString &reason,
                                   qint64 atMs);
Result<ReplayJob> markReplayJobRunning(Connection &c, qint64 id, qint64 atMs);
Result<ReplayJob> recordReplayItem(Connection &c, qint64 id, const ReplayJobItem &item, qint64 atMs);
Result<ReplayJob> failReplayJob(Connection &c, qint64 id, const QString &detail, qint64 atMs);

Result<std::optional<ReplayJob>> readReplayJob(Connection &c, qint64 id);
/// Newest first; only active ones (oldest first then) when `activeOnly`.
Result<QList<ReplayJob>> readReplayJobs(Connection &c, bool activeOnly, int limit);
Result<QList<ReplayJobItem>> readReplayItems(Connection &c,
                                             qint64 id,
                                             std::optional<ReplayItemState> state,
                                             qint64 afterExceptionId,
                                             int limit);
Result<QList<LedgerEffect>>
readLedger(Connection &c, const QString &correlationId, const QString &flowId);

} // namespace syncline::engine::store
