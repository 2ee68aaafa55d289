#pragma once

#include "engine/core/result.h"
#include "engine/security/access.h"
#include "engine/store/userstore.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>
#include <mutex>
#include <optional>

namespace syncline::engine::security {

/// A user together with a bearer token that was just made for them. The token is shown this
/// once: only its hash is stored.
struct IssuedToken
{
    store::UserRecord user;
    QByteArray token;
};

/// What a change to a user sets; what is not given stays.
struct UserUpdate
{
    std::optional<QString> displayName;
    std::optional<Role> role;
    std::optional<bool> disabled;
};

/// The users of the admin API and who a bearer token belongs to. Every change is written with
/// its audit record in one transaction (UserStore). Tokens are 32 random bytes (64 hex
/// characters); the store keeps their SHA-256 only.
///
/// authenticate() answers from a snapshot of all users and compares the token's hash with every
/// user's in constant time (no early exit, no lookup by hash), so timing tells nothing about
/// which hashes exist. The snapshot is reloaded after a change made here and when it is older
/// than kCacheMs (changes made by another engine sharing the store). Thread-safe.
class UserDirectory
{
public:
    static constexpr qint64 kCacheMs = 30'000;

    UserDirectory(store::UserStore &store, std::function<qint64()> clockMs);

    /// The enabled user `token` belongs to; nothing for an unknown token or a disabled user.
    std::optional<Principal> authenticate(const QByteArray &token) const;

    Result<QList<store::UserRecord>> users() const;
    Result<std::optional<store::UserRecord>> user(const QString &userId) const;
    /// Adds a user with a new token. USER_INVALID for a bad id ("engine" is the engine's own),
    /// USER_EXISTS when the id is taken.
    Result<IssuedToken>
    create(const Principal &by, const QString &userId, const QString &displayName, Role role);
    /// USER_INVALID for an empty change, USER_NOT_FOUND for an unknown user.
    Result<store::UserRecord>
    change(const Principal &by, const QString &userId, const UserUpdate &update);
    /// Replaces the user's token; the old one stops working at once.
    Result<IssuedToken> rotateToken(const Principal &by, const QString &userId);

    /// SHA-256 of a token, hex.
    static QByteArray hashToken(const QByteArray &token);

private:
    struct Known
    {
        QByteArray tokenHash;
        Principal principal;
        bool enabled = true;
    };
    Result<void> reloadLocked() const;
    void invalidate();

    store::UserStore &m_store;
    std::function<qint64()> m_clockMs;
    mutable std::mutex m_mutex;
    mutable QList<Known> m_known;
    mutable qint64 m_loadedAtMs = 0;
    mutable bool m_stale = true;
};

} // namespace syncline::engine::security
