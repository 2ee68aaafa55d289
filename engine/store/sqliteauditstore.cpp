#include "engine/store/sqliteauditstore.h"

namespace syncline::engine::store {

SqliteAuditStore::SqliteAuditStore(SqliteMessageStore &store)
    : m_store(store)
{
}

Result<AuditEntry> SqliteAuditStore::append(const AuditRecord &record,
                                            const std::function<Result<void>()> &alongside)
{
    const qint64 at = m_store.now();
    std::optional<AuditEntry> entry;
    Result<void> done = m_store.writer()
                            .submit([&](Connection &c) -> Result<void> {
                                Result<AuditEntry> appended = appendAudit(c, record, at);
                                if (!appended) {
                                    return appended.error();
                                }
                                if (alongside) {
                                    if (Result<void> done = alongside(); !done) {
                                        return done;
                                    }
                                }
                                entry = std::move(*appended);
                                return {};
                            })
                            .get();
    if (!done) {
        return done.error();
    }
    return *entry;
}

Result<QList<AuditEntry>> SqliteAuditStore::query(const AuditQuery &query)
{
    Result<Connection> c = m_store.reader();
    if (!c) {
        return c.error();
    }
    return queryAudit(*c, query);
}

Result<AuditVerification> SqliteAuditStore::verify()
{
    Result<Connection> c = m_store.reader();
    if (!c) {
        return c.error();
    }
    return verifyAudit(*c);
}

} // namespace syncline::engine::store
