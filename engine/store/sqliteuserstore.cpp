#include "engine/store/sqliteuserstore.h"

#include "engine/store/auditjobs.h"
#include "engine/store/userjobs.h"

namespace syncline::engine::store {

SqliteUserStore::SqliteUserStore(SqliteMessageStore &store)
    : m_store(store)
{
}

Result<QList<UserRecord>> SqliteUserStore::users()
{
    Result<Connection> c = m_store.reader();
    if (!c) {
        return c.error();
    }
    return readUsers(*c);
}

Result<void> SqliteUserStore::createUser(const UserRecord &user, const AuditRecord &audit)
{
    const qint64 at = m_store.now();
    return m_store.writer()
        .submit([&](Connection &c) -> Result<void> {
            if (Result<void> inserted = insertUser(c, user); !inserted) {
                return inserted;
            }
            if (Result<AuditEntry> recorded = appendAudit(c, audit, at); !recorded) {
                return recorded.error();
            }
            return {};
        })
        .get();
}

Result<UserRecord> SqliteUserStore::changeUser(const QString &userId,
                                               const UserChange &change,
                                               const AuditRecord &audit)
{
    const qint64 at = m_store.now();
    std::optional<UserRecord> changed;
    Result<void> done = m_store.writer()
                            .submit([&](Connection &c) -> Result<void> {
                                Result<UserRecord> user = updateUser(c, userId, change, at);
                                if (!user) {
                                    return user.error();
                                }
                                if (Result<AuditEntry> r = appendAudit(c, audit, at); !r) {
                                    return r.error();
                                }
                                changed = std::move(*user);
                                return {};
                            })
                            .get();
    if (!done) {
        return done.error();
    }
    return *changed;
}

} // namespace syncline::engine::store
