#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QString>

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace syncline::engine::store {

/// A prepared SQL statement. Move-only; belongs to the Connection that prepared it and must not
/// outlive it. Not thread-safe: use it on the thread that owns its connection.
class Statement
{
public:
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;
    ~Statement();

    /// Binds 1-based parameters. Text and blobs are copied by SQLite.
    template<std::integral T>
    Statement &bind(int index, T value)
    {
        return bindInt64(index, std::int64_t(value));
    }
    Statement &bindInt64(int index, std::int64_t value);
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, const QString &text);
    Statement &bindBlob(int index, std::string_view bytes);
    Statement &bindNull(int index);

    /// Runs one step: true when a row is available, false when done, an Error when SQLite failed.
    Result<bool> step();
    /// Runs the statement to completion, ignoring rows.
    Result<void> run();
    /// Makes the statement ready to run again; bindings are kept unless cleared.
    void reset(bool clearBindings = true);

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    QString qtext(int column) const;
    /// A text or blob column's bytes, copied once.
    QByteArray bytes(int column) const;
    /// A text or blob column's bytes in place: valid until the next step or reset.
    std::string_view view(int column) const;

private:
    friend class Connection;
    struct Impl;
    explicit Statement(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

/// The bytes of `data` for binding, without a copy.
inline std::string_view bytesOf(const QByteArray &data)
{
    return {data.constData(), size_t(data.size())};
}

enum class OpenMode { ReadWrite, ReadOnly };

/// One SQLite connection in WAL mode with synchronous=FULL and foreign keys on. Move-only and not
/// thread-safe: the engine keeps exactly one read-write connection (owned by the Writer's thread)
/// and gives every reader its own read-only connection, so readers never block the writer.
class Connection
{
public:
    /// Opens (creating when ReadWrite) the database at `path`. Errors carry code STORE_OPEN.
    static Result<Connection> open(const QString &path, OpenMode mode = OpenMode::ReadWrite);

    Connection(Connection &&other) noexcept;
    Connection &operator=(Connection &&other) noexcept;
    ~Connection();

    /// Runs one or more statements without results.
    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    /// A statement prepared once per connection and kept, reset and unbound, for the hot paths.
    /// The pointer stays valid for the connection's lifetime.
    Result<Statement *> cached(std::string_view sql);
    /// Whether the cached query `sql` returns a row with `value` bound at ?1.
    template<typename T>
    Result<bool> anyRow(std::string_view sql, const T &value)
    {
        Result<Statement *> select = cached(sql);
        if (!select) {
            return select.error();
        }
        (*select)->bind(1, value);
        Result<bool> row = (*select)->step();
        (*select)->reset(true);
        return row;
    }
    /// Resets every cached statement. A statement left after its first row keeps a read open on
    /// the connection; across a commit that pins an old snapshot, and the WAL can then never be
    /// checkpointed (it grows without end). The writer calls this before each commit.
    void resetCached();

    /// After each commit, `hook` hears how many pages the WAL holds. SQLite then no longer
    /// checkpoints inside the commit on this connection: the caller checkpoints when it likes.
    void onWalCommit(std::function<void(int pages)> hook);

    /// PRAGMA user_version, the schema version the migrations record.
    Result<int> userVersion();
    std::int64_t lastInsertRowId() const;
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    int changes() const;
    /// False in autocommit mode; SQLite may end a transaction by itself after a full disk.
    bool inTransaction() const;
    QString path() const;

    /// PRAGMA quick_check (or integrity_check when `full`); the error lists what SQLite found.
    Result<void> check(bool full = false);

private:
    struct Impl;
    explicit Connection(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

/// Codes of the Errors this module returns.
inline constexpr auto kStoreOpen = "STORE_OPEN";
inline constexpr auto kStoreBusy = "STORE_BUSY";        // retryable: locked or busy
inline constexpr auto kStoreFull = "STORE_FULL";        // retryable: disk or quota full, I/O error
inline constexpr auto kStoreCorrupt = "STORE_CORRUPT";  // the database failed its check
inline constexpr auto kStoreSql = "STORE_SQL";          // a statement failed (constraint, syntax)
inline constexpr auto kStoreVersion = "STORE_VERSION";  // database newer than this program
inline constexpr auto kStorePayload = "STORE_PAYLOAD";  // a stored payload does not decode

} // namespace syncline::engine::store
