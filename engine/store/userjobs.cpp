#include "engine/store/userjobs.h"

namespace syncline::engine::store {

namespace {

constexpr auto kColumns = "user_id, display_name, role, token_hash, created_at, updated_at,"
                          " disabled_at";

UserRecord userFrom(const Statement &s)
{
    UserRecord user;
    user.userId = s.qtext(0);
    user.displayName = s.qtext(1);
    user.role = s.qtext(2);
    user.tokenHash = QByteArray::fromStdString(s.text(3));
    user.createdAtMs = s.int64(4);
    user.updatedAtMs = s.int64(5);
    if (!s.isNull(6)) {
        user.disabledAtMs = s.int64(6);
    }
    return user;
}

} // namespace

Result<QList<UserRecord>> readUsers(Connection &c)
{
    Result<Statement> select =
        c.prepare(std::string("SELECT ") + kColumns + " FROM users ORDER BY user_id");
    if (!select) {
        return select.error();
    }
    QList<UserRecord> users;
    while (true) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return users;
        }
        users.append(userFrom(*select));
    }
}

Result<std::optional<UserRecord>> readUser(Connection &c, const QString &userId)
{
    Result<Statement> select =
        c.prepare(std::string("SELECT ") + kColumns + " FROM users WHERE user_id = ?");
    if (!select) {
        return select.error();
    }
    select->bind(1, userId);
    Result<bool> row = select->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<UserRecord>();
    }
    return std::optional<UserRecord>(userFrom(*select));
}

Result<void> insertUser(Connection &c, const UserRecord &user)
{
    Result<std::optional<UserRecord>> existing = readUser(c, user.userId);
    if (!existing) {
        return existing.error();
    }
    if (existing->has_value()) {
        return Error::make(QStringLiteral("USER_EXISTS"),
                           QStringLiteral("there is a user \"%1\" already").arg(user.userId));
    }
    Result<Statement> insert = c.prepare(
        "INSERT INTO users(user_id, display_name, role, token_hash, created_at, updated_at,"
        " disabled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert) {
        return insert.error();
    }
    insert->bind(1, user.userId).bind(2, user.displayName).bind(3, user.role);
    insert->bind(4, bytesOf(user.tokenHash)).bind(5, user.createdAtMs).bind(6, user.updatedAtMs);
    if (user.disabledAtMs) {
        insert->bind(7, *user.disabledAtMs);
    } else {
        insert->bindNull(7);
    }
    return insert->run();
}

Result<UserRecord>
updateUser(Connection &c, const QString &userId, const UserChange &change, qint64 atMs)
{
    Result<std::optional<UserRecord>> existing = readUser(c, userId);
    if (!existing) {
        return existing.error();
    }
    if (!existing->has_value()) {
        return Error::make(QStringLiteral("USER_NOT_FOUND"),
                           QStringLiteral("there is no user \"%1\"").arg(userId));
    }
    UserRecord user = **existing;
    user.displayName = change.displayName.value_or(user.displayName);
    user.role = change.role.value_or(user.role);
    user.tokenHash = change.tokenHash.value_or(user.tokenHash);
    if (change.disabled) {
        user.disabledAtMs = *change.disabled
                                ? std::optional<qint64>(user.disabledAtMs.value_or(atMs))
                                : std::nullopt;
    }
    user.updatedAtMs = atMs;
    Result<Statement> update =
        c.prepare("UPDATE users SET display_name = ?2, role = ?3, token_hash = ?4, updated_at = ?5,"
                  " disabled_at = ?6 WHERE user_id = ?1");
    if (!update) {
        return update.error();
    }
    update->bind(1, userId).bind(2, user.displayName).bind(3, user.role);
    update->bind(4, bytesOf(user.tokenHash)).bind(5, atMs);
    if (user.disabledAtMs) {
        update->bind(6, *user.disabledAtMs);
    } else {
        update->bindNull(6);
    }
    if (Result<void> done = update->run(); !done) {
        return done.error();
    }
    return user;
}

} // namespace syncline::engine::store
