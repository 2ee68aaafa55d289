#pragma once

#include "engine/store/sqlitemessagestore.h"
#include "engine/store/userstore.h"

namespace syncline::engine::store {

/// The users in the engine's SQLite file, written through the message store's writer.
class SqliteUserStore final : public UserStore
{
public:
    explicit SqliteUserStore(SqliteMessageStore &store);

    Result<QList<UserRecord>> users() override;
    Result<void> createUser(const UserRecord &user, const AuditRecord &audit) override;
    Result<UserRecord>
    changeUser(const QString &userId, const UserChange &change, const AuditRecord &audit) override;

private:
    SqliteMessageStore &m_store;
};

} // namespace syncline::engine::store
