#pragma once

#include "engine/store/replayjobstore.h"
#include "engine/store/sqlitemessagestore.h"

namespace syncline::engine::store {

/// Bulk replay jobs in the engine's SQLite file: changes through the message store's writer
/// (each with its audit record in one job), reads on a read-only connection of their own.
class SqliteReplayJobStore final : public ReplayJobStore
{
public:
    /// `messages` must outlive this store.
    explicit SqliteReplayJobStore(SqliteMessageStore &messages);

    Result<ReplayJob> create(const NewReplayJob &job) override;
    Result<QList<ReplayJob>> jobs(int limit) override;
    Result<std::optional<ReplayJob>> job(qint64 id) override;
    Result<QList<ReplayJob>> activeJobs() override;
    Result<QList<ReplayJobItem>> items(qint64 id,
                                       std::optional<ReplayItemState> state,
                                       qint64 afterExceptionId,
                                       int limit) override;
    Result<QList<LedgerEffect>> ledger(const QString &correlationId,
                                       const QString &flowId) override;
    Result<ReplayJob> control(qint64 id,
                              ReplayJobControl action,
                              const Actor &actor,
                              const QString &reason) override;
    Result<ReplayJob> markRunning(qint64 id) override;
    Result<ReplayJob> recordItem(qint64 id, const ReplayJobItem &item) override;
    Result<ReplayJob> fail(qint64 id, const QString &detail) override;

private:
    SqliteMessageStore &m_messages;
};

} // namespace syncline::engine::store
