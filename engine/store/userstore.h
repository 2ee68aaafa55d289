#pragma once

#include "engine/core/result.h"
#include "engine/store/records.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace syncline::engine::store {

/// A person (or script) who may call the admin API. The token itself is never stored: only the
/// SHA-256 of it, shown once when it is made.
struct UserRecord
{
    QString userId;
    QString displayName;
    QString role;         // "viewer", "analyst", "finance" or "admin"
    QByteArray tokenHash; // hex SHA-256 of the bearer token
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
    std::optional<qint64> disabledAtMs; // a disabled user's token is refused

    bool disabled() const { return disabledAtMs.has_value(); }
};

/// What a change sets; what is not given stays.
struct UserChange
{
    std::optional<QString> displayName;
    std::optional<QString> role;
    std::optional<bool> disabled;
    std::optional<QByteArray> tokenHash;
};

/// The users of the admin API. Every change commits together with its audit record. An
/// interface so a PostgreSQL backend can follow; SqliteUserStore is the embedded one.
/// Thread-safe.
class UserStore
{
public:
    virtual ~UserStore() = default;

    /// Every user, by id.
    virtual Result<QList<UserRecord>> users() = 0;
    /// Adds `user` and `audit` in one transaction; USER_EXISTS when the id is taken.
    virtual Result<void> createUser(const UserRecord &user, const AuditRecord &audit) = 0;
    /// Applies `change` to user `userId` and appends `audit` in one transaction; the user as it
    /// is afterwards. USER_NOT_FOUND when there is no such user.
    virtual Result<UserRecord>
    changeUser(const QString &userId, const UserChange &change, const AuditRecord &audit) = 0;
};

} // namespace syncline::engine::store
