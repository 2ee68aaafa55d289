#pragma once

#include "engine/store/exceptionstore.h"
#include "engine/store/sqlitemessagestore.h"

namespace syncline::engine::store {

/// The embedded ExceptionStore, in the same SQLite file as the message store: its writes go
/// through that store's writer (each action with its event and audit record in one job), its
/// reads through a read-only connection of their own.
class SqliteExceptionStore final : public ExceptionStore
{
public:
    /// `messages` must outlive this store.
    explicit SqliteExceptionStore(SqliteMessageStore &messages);

    Result<ExceptionPage>
    list(const ExceptionFilter &filter, std::optional<ExceptionCursor> after, int limit) override;
    Result<qint64> count(const ExceptionFilter &filter) override;
    Result<QList<GroupCount>> countBy(const ExceptionFilter &filter, ExceptionGroup group) override;
    Result<std::optional<ExceptionDetail>> get(qint64 id) override;

    Result<ExceptionRecord> assign(qint64 id, const Actor &actor, const QString &assignee) override;
    Result<ExceptionEvent> comment(qint64 id, const Actor &actor, const QString &text) override;
    Result<RepairVersion> repair(qint64 id,
                                 const Actor &actor,
                                 const QByteArray &payload,
                                 const QString &reason) override;
    Result<ReplayTicket> replay(qint64 id, const Actor &actor, const QString &reason) override;
    Result<ExceptionRecord> discard(qint64 id, const Actor &actor, const QString &reason) override;

private:
    SqliteMessageStore &m_messages;
};

} // namespace syncline::engine::store
