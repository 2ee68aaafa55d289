#include "engine/store/connection.h"

#include "engine/store/walvfs.h"

#include <QStringList>

#include <sqlite3.h>

#include <map>

namespace syncline::engine::store {

namespace {

Error sqliteError(sqlite3 *db, int rc, std::string_view what)
{
    const QString detail = db ? QString::fromUtf8(sqlite3_errmsg(db))
                              : QString::fromUtf8(sqlite3_errstr(rc));
    const QString message = QStringLiteral("%1: %2").arg(QString::fromUtf8(what), detail);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return Error::make(QString::fromLatin1(kStoreBusy), message, true);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
        return Error::make(QString::fromLatin1(kStoreFull), message, true);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return Error::make(QString::fromLatin1(kStoreCorrupt), message);
    default:
        return Error::make(QString::fromLatin1(kStoreSql), message);
    }
}

} // namespace

struct Statement::Impl
{
    sqlite3_stmt *stmt = nullptr;
    ~Impl() { sqlite3_finalize(stmt); }
};

Statement::Statement(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{}
Statement::Statement(Statement &&other) noexcept = default;
Statement &Statement::operator=(Statement &&other) noexcept = default;
Statement::~Statement() = default;

Statement &Statement::bindInt64(int index, std::int64_t value)
{
    sqlite3_bind_int64(d->stmt, index, value);
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    sqlite3_bind_double(d->stmt, index, value);
    return *this;
}

Statement &Statement::bind(int index, std::string_view text)
{
    sqlite3_bind_text64(d->stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

Statement &Statement::bind(int index, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    return bind(index, std::string_view(utf8.constData(), size_t(utf8.size())));
}

Statement &Statement::bindBlob(int index, std::string_view bytes)
{
    sqlite3_bind_blob64(d->stmt, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bindNull(int index)
{
    sqlite3_bind_null(d->stmt, index);
    return *this;
}

Result<bool> Statement::step()
{
    const int rc = sqlite3_step(d->stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    sqlite3 *db = sqlite3_db_handle(d->stmt);
    return sqliteError(db, rc, sqlite3_sql(d->stmt));
}

Result<void> Statement::run()
{
    for (;;) {
        Result<bool> row = step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return {};
        }
    }
}

void Statement::reset(bool clearBindings)
{
    sqlite3_reset(d->stmt);
    if (clearBindings) {
        sqlite3_clear_bindings(d->stmt);
    }
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(d->stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const
{
    return sqlite3_column_int64(d->stmt, column);
}

double Statement::real(int column) const
{
    return sqlite3_column_double(d->stmt, column);
}

std::string Statement::text(int column) const
{
    const auto *bytes = static_cast<const char *>(sqlite3_column_blob(d->stmt, column));
    return bytes ? std::string(bytes, size_t(sqlite3_column_bytes(d->stmt, column))) : std::string();
}

QByteArray Statement::bytes(int column) const
{
    const std::string_view in = view(column);
    return QByteArray(in.data(), qsizetype(in.size()));
}

std::string_view Statement::view(int column) const
{
    const auto *bytes = static_cast<const char *>(sqlite3_column_blob(d->stmt, column));
    return bytes ? std::string_view(bytes, size_t(sqlite3_column_bytes(d->stmt, column)))
                 : std::string_view();
}

QString Statement::qtext(int column) const
{
    const auto *bytes = static_cast<const char *>(sqlite3_column_blob(d->stmt, column));
    return QString::fromUtf8(bytes, sqlite3_column_bytes(d->stmt, column));
}

struct Connection::Impl
{
    sqlite3 *db = nullptr;
    QString path;
    std::map<std::string, Statement, std::less<>> statements;
    std::function<void(int)> walHook;
    ~Impl()
    {
        statements.clear(); // finalize before closing
        sqlite3_close_v2(db);
    }
};

Connection::Connection(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{}
Connection::Connection(Connection &&other) noexcept = default;
Connection &Connection::operator=(Connection &&other) noexcept = default;
Connection::~Connection() = default;

// SQLite keeps memory statistics by default, taking a process-wide mutex on every allocation
// and free; nothing here reads them, and on the writer the mutex cost as much as the allocations.
// sqlite3_config only works before SQLite initialises, hence before the first connection.
static void configureSqliteOnce()
{
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    Q_UNUSED(configured);
}

Result<Connection> Connection::open(const QString &path, OpenMode mode)
{
    configureSqliteOnce();
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    const int flags = (mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY
                                                  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                      | SQLITE_OPEN_NOMUTEX;
    // A read-write connection gathers the frames of a commit into one write (walvfs.h): on this
    // machine the two system calls per frame cost more than the frames' bytes.
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &impl->db, flags,
                                   mode == OpenMode::ReadOnly ? nullptr : walGatheringVfs());
    if (rc != SQLITE_OK) {
        const QString reason = impl->db ? QString::fromUtf8(sqlite3_errmsg(impl->db))
                                        : QString::fromUtf8(sqlite3_errstr(rc));
        return Error::make(QString::fromLatin1(kStoreOpen),
                           QStringLiteral("cannot open database %1: %2").arg(path, reason));
    }
    sqlite3_extended_result_codes(impl->db, 1);
    // Readers wait briefly instead of failing while the writer checkpoints.
    sqlite3_busy_timeout(impl->db, 5000);
    Connection connection(std::move(impl));
    // The writer: a 16 MiB page cache (SQLite's default is 2 MiB) keeps the hot index pages of
    // a group commit from spilling into the WAL before the commit (measured, see
    // docs/performance.md); the memory stays bounded. The Writer checkpoints by itself, after
    // answering a commit's callers (onWalCommit, WriterOptions::checkpointPages); the setting
    // here covers migrations and any other read-write connection.
    //
    // temp_store=MEMORY: the writer runs each job of a group commit in a savepoint, and SQLite
    // copies every page a savepoint touches to a sub-journal first so it can roll one job back
    // alone. In a temporary file that was most of the writer's I/O (a pwrite per page per job);
    // in memory it costs only the copy, and it lasts no longer than one transaction.
    const char *pragmas = mode == OpenMode::ReadOnly
                              ? "PRAGMA foreign_keys=ON;"
                              : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                " PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"
                                " PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY;";
    if (Result<void> set = connection.exec(pragmas); !set) {
        return Error::make(QString::fromLatin1(kStoreOpen),
                           QStringLiteral("cannot open database %1: %2")
                               .arg(path, set.error().message));
    }
    return connection;
}

void Connection::onWalCommit(std::function<void(int pages)> hook)
{
    d->walHook = std::move(hook);
    sqlite3_wal_hook(
        d->db,
        [](void *context, sqlite3 *, const char *, int pages) {
            static_cast<Impl *>(context)->walHook(pages);
            return SQLITE_OK;
        },
        d.get());
}

Result<void> Connection::exec(std::string_view sql)
{
    char *message = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(d->db, text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) {
        return sqliteError(d->db, rc, sql.substr(0, 80));
    }
    return {};
}

Result<Statement> Connection::prepare(std::string_view sql)
{
    auto impl = std::make_unique<Statement::Impl>();
    const int rc = sqlite3_prepare_v3(d->db, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &impl->stmt, nullptr);
    if (rc != SQLITE_OK) {
        return sqliteError(d->db, rc, sql.substr(0, 80));
    }
    return Statement(std::move(impl));
}

Result<Statement *> Connection::cached(std::string_view sql)
{
    auto found = d->statements.find(sql);
    if (found == d->statements.end()) {
        Result<Statement> statement = prepare(sql);
        if (!statement) {
            return statement.error();
        }
        found = d->statements.emplace(std::string(sql), std::move(*statement)).first;
    }
    found->second.reset(true);
    return &found->second;
}

void Connection::resetCached()
{
    for (auto &[sql, statement] : d->statements) {
        statement.reset(false);
    }
}

Result<int> Connection::userVersion()
{
    Result<Statement> statement = prepare("PRAGMA user_version");
    if (!statement) {
        return statement.error();
    }
    Result<bool> row = statement->step();
    if (!row) {
        return row.error();
    }
    return int(statement->int64(0));
}

std::int64_t Connection::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(d->db);
}

int Connection::changes() const
{
    return sqlite3_changes(d->db);
}

bool Connection::inTransaction() const
{
    return sqlite3_get_autocommit(d->db) == 0;
}

QString Connection::path() const
{
    return d->path;
}

Result<void> Connection::check(bool full)
{
    Result<Statement> statement = prepare(full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
    if (!statement) {
        return statement.error();
    }
    QStringList findings;
    for (;;) {
        Result<bool> row = statement->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const QString line = statement->qtext(0);
        if (line != QLatin1String("ok")) {
            findings.append(line);
        }
    }
    if (!findings.isEmpty()) {
        return Error::make(QString::fromLatin1(kStoreCorrupt),
                           QStringLiteral("database %1 failed its check: %2")
                               .arg(d->path, findings.join(QStringLiteral("; "))));
    }
    return {};
}

} // namespace syncline::engine::store
