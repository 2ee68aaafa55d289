#include "engine/store/statejobs.h"

namespace syncline::engine::store {

Result<void> applyStateWrites(Connection &c, const QList<StateWrite> &writes, qint64 atMs)
{
    for (const StateWrite &write : writes) {
        const bool wholeScope = write.key.isEmpty() && !write.value;
        Result<Statement *> statement = c.cached(
            write.value ? "INSERT INTO node_state(scope, key, value, expires_at, updated_at)"
                          " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(scope, key) DO UPDATE SET"
                          " value = excluded.value, expires_at = excluded.expires_at,"
                          " updated_at = excluded.updated_at"
            : wholeScope ? "DELETE FROM node_state WHERE scope = ?1"
                         : "DELETE FROM node_state WHERE scope = ?1 AND key = ?2");
        if (!statement) {
            return statement.error();
        }
        Statement &s = **statement;
        s.bind(1, write.scope);
        if (!wholeScope) {
            s.bind(2, write.key);
        }
        if (write.value) {
            s.bindBlob(3, bytesOf(*write.value)).bind(4, write.expiresAtMs).bind(5, atMs);
        }
        if (Result<void> r = s.run(); !r) {
            return r;
        }
    }
    return {};
}

Result<std::optional<QByteArray>> readState(Connection &c, const QString &scope,
                                            const QString &key, qint64 nowMs)
{
    Result<Statement *> select = c.cached(
        "SELECT value FROM node_state WHERE scope = ? AND key = ?"
        " AND (expires_at = 0 OR expires_at > ?)");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, scope).bind(2, key).bind(3, nowMs);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    std::optional<QByteArray> value;
    if (*row) {
        value = (*select)->bytes(0);
    }
    (*select)->reset();
    return value;
}

Result<QList<StateEntry>> readStateEntries(Connection &c, const QString &scope, qint64 nowMs)
{
    Result<Statement *> select = c.cached(
        "SELECT key, value, expires_at, updated_at FROM node_state WHERE scope = ?"
        " AND (expires_at = 0 OR expires_at > ?) ORDER BY key");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, scope).bind(2, nowMs);
    QList<StateEntry> entries;
    for (;;) {
        Result<bool> row = (*select)->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const Statement &s = **select;
        entries.append({s.qtext(0), s.bytes(1), s.int64(2), s.int64(3)});
    }
    return entries;
}

Result<int> deleteExpiredState(Connection &c, qint64 nowMs)
{
    Result<Statement *> purge = c.cached(
        "DELETE FROM node_state WHERE expires_at > 0 AND expires_at <= ?");
    if (!purge) {
        return purge.error();
    }
    (*purge)->bind(1, nowMs);
    if (Result<void> r = (*purge)->run(); !r) {
        return r.error();
    }
    return c.changes();
}

} // namespace syncline::engine::store
