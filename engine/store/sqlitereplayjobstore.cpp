#include "engine/store/sqlitereplayjobstore.h"

#include "engine/store/replayjobjobs.h"

namespace syncline::engine::store {

SqliteReplayJobStore::SqliteReplayJobStore(SqliteMessageStore &messages)
    : m_messages(messages)
{
}

Result<ReplayJob> SqliteReplayJobStore::create(const NewReplayJob &job)
{
    return m_messages.writeValue<ReplayJob>([&](Connection &c, qint64 at) { return createReplayJob(c, job, at); });
}

Result<QList<ReplayJob>> SqliteReplayJobStore::jobs(int limit)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return readReplayJobs(*c, false, limit);
}

Result<std::optional<ReplayJob>> SqliteReplayJobStore::job(qint64 id)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return readReplayJob(*c, id);
}

Result<QList<ReplayJob>> SqliteReplayJobStore::activeJobs()
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return readReplayJobs(*c, true, 1000);
}

Result<QList<ReplayJobItem>> SqliteReplayJobStore::items(qint64 id,
                                                         std::optional<ReplayItemState> state,
                                                         qint64 afterExceptionId,
                                                         int limit)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return readReplayItems(*c, id, state, afterExceptionId, limit);
}

Result<QList<LedgerEffect>> SqliteReplayJobStore::ledger(const QString &correlationId,
                                                        const QString &flowId)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return readLedger(*c, correlationId, flowId);
}

Result<ReplayJob> SqliteReplayJobStore::control(qint64 id,
                                                ReplayJobControl action,
                                                const Actor &actor,
                                                const QString &reason)
{
    return m_messages.writeValue<ReplayJob>([&](Connection &c, qint64 at) {
        return controlReplayJob(c, id, action, actor, reason, at);
    });
}

Result<ReplayJob> SqliteReplayJobStore::markRunning(qint64 id)
{
    return m_messages.writeValue<ReplayJob>([&](Connection &c, qint64 at) { return markReplayJobRunning(c, id, at); });
}

Result<ReplayJob> SqliteReplayJobStore::recordItem(qint64 id, const ReplayJobItem &item)
{
    return m_messages.writeValue<ReplayJob>([&](Connection &c, qint64 at) { return recordReplayItem(c, id, item, at); });
}

Result<ReplayJob> SqliteReplayJobStore::fail(qint64 id, const QString &detail)
{
    return m_messages.writeValue<ReplayJob>([&](Connection &c, qint64 at) { return failReplayJob(c, id, detail, at); });
}

} // namespace syncline::engine::store
