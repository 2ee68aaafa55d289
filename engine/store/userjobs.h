#pragma once

#include "engine/store/connection.h"
#include "engine/store/userstore.h"

#include <optional>

namespace syncline::engine::store {

/// The users table, inside whichever transaction the caller is in.
Result<QList<UserRecord>> readUsers(Connection &c);
Result<std::optional<UserRecord>> readUser(Connection &c, const QString &userId);
/// USER_EXISTS when the id is taken.
Result<void> insertUser(Connection &c, const UserRecord &user);
/// USER_NOT_FOUND when there is no such user; the user as it is afterwards.
Result<UserRecord>
updateUser(Connection &c, const QString &userId, const UserChange &change, qint64 atMs);

} // namespace syncline::engine::store
