#include "engine/store/sqliteexceptionstore.h"

#include "engine/store/exceptionjobs.h"

namespace syncline::engine::store {

SqliteExceptionStore::SqliteExceptionStore(SqliteMessageStore &messages)
    : m_messages(messages)
{
}

Result<ExceptionPage> SqliteExceptionStore::list(const ExceptionFilter &filter,
                                                 std::optional<ExceptionCursor> after,
                                                 int limit)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return readExceptionPage(*c, filter, after, limit);
}

Result<qint64> SqliteExceptionStore::count(const ExceptionFilter &filter)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return countExceptions(*c, filter);
}

Result<QList<GroupCount>> SqliteExceptionStore::countBy(const ExceptionFilter &filter,
                                                        ExceptionGroup group)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    return countExceptionsBy(*c, filter, group);
}

Result<std::optional<ExceptionDetail>> SqliteExceptionStore::get(qint64 id)
{
    Result<Connection> c = m_messages.reader();
    if (!c) {
        return c.error();
    }
    Result<std::optional<ExceptionRecord>> record = readException(*c, id);
    if (!record) {
        return record.error();
    }
    if (!*record) {
        return std::optional<ExceptionDetail>();
    }
    Result<ExceptionDetail> detail = readExceptionDetail(*c, **record);
    if (!detail) {
        return detail.error();
    }
    return std::optional<ExceptionDetail>(std::move(*detail));
}

Result<ExceptionRecord>
SqliteExceptionStore::assign(qint64 id, const Actor &actor, const QString &assignee)
{
    return m_messages.writeValue<ExceptionRecord>(
        [&](Connection &c, qint64 at) { return assignJob(c, id, actor, assignee, at); });
}

Result<ExceptionEvent>
SqliteExceptionStore::comment(qint64 id, const Actor &actor, const QString &text)
{
    return m_messages.writeValue<ExceptionEvent>(
        [&](Connection &c, qint64 at) { return commentJob(c, id, actor, text, at); });
}

Result<RepairVersion> SqliteExceptionStore::repair(qint64 id,
                                                   const Actor &actor,
                                                   const QByteArray &payload,
                                                   const QString &reason)
{
    return m_messages.writeValue<RepairVersion>(
        [&](Connection &c, qint64 at) { return repairJob(c, id, actor, payload, reason, at); });
}

Result<ReplayTicket>
SqliteExceptionStore::replay(qint64 id, const Actor &actor, const QString &reason)
{
    return m_messages.writeValue<ReplayTicket>(
        [&](Connection &c, qint64 at) { return replayJob(c, id, actor, reason, at); });
}

Result<ExceptionRecord>
SqliteExceptionStore::discard(qint64 id, const Actor &actor, const QString &reason)
{
    return m_messages.writeValue<ExceptionRecord>(
        [&](Connection &c, qint64 at) { return discardJob(c, id, actor, reason, at); });
}

} // namespace syncline::engine::store
