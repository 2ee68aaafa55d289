#include "app/sandbox/statestore.h"

#include <QDateTime>
#include <QStringList>

namespace syncline::sandbox {

using engine::Error;
using engine::Result;
using engine::store::Connection;
using engine::store::Statement;

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    business_key TEXT,
    idempotency_key TEXT,
    duplicate_of TEXT,
    origin TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (system, type, id)
);
CREATE INDEX IF NOT EXISTS documents_key ON documents (system, type, business_key);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    system TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    done INTEGER NOT NULL,
    status INTEGER,
    headers TEXT,
    body BLOB,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (system, key)
);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, system TEXT NOT NULL,
                                   expires_ms INTEGER NOT NULL);
)sql";

QString nullable(Statement &statement, int column)
{
    return statement.isNull(column) ? QString() : statement.qtext(column);
}

void bindNullable(Statement &statement, int index, const QString &text)
{
    if (text.isEmpty()) {
        statement.bindNull(index);
    } else {
        statement.bind(index, text);
    }
}

// The WHERE clause and bindings shared by list() and count().
QString whereOf(const ListQuery &query)
{
    QString where = QStringLiteral(" WHERE system = ?1 AND type = ?2");
    for (int i = 0; i < query.filters.size(); ++i) {
        // Paths come from the systems' code, never from a request, so they are safe to inline.
        where += QStringLiteral(" AND CAST(json_extract(body, '%1') AS TEXT) = ?%2")
                     .arg(query.filters[i].first)
                     .arg(i + 3);
    }
    return where;
}

void bindWhere(Statement &statement, const ListQuery &query)
{
    statement.bind(1, query.system).bind(2, query.type);
    for (int i = 0; i < query.filters.size(); ++i) {
        statement.bind(i + 3, query.filters[i].second);
    }
}

constexpr auto kColumns = "seq, system, type, id, body, business_key, idempotency_key, "
                          "duplicate_of, origin, created_ms";

} // namespace

StateStore::StateStore(Connection connection)
    : m_connection(std::move(connection))
{}

Result<std::unique_ptr<StateStore>> StateStore::open(const QString &path)
{
    Result<Connection> connection = Connection::open(path);
    if (!connection) {
        return connection.error();
    }
    std::unique_ptr<StateStore> store(new StateStore(std::move(*connection)));
    if (const Result<void> migrated = store->migrate(); !migrated) {
        return migrated.error();
    }
    return store;
}

Result<void> StateStore::migrate()
{
    if (const Result<void> created = m_connection.exec(kSchema); !created) {
        return created;
    }
    // A request in flight when the process died committed nothing: its key may be used again.
    if (const Result<void> cleared = m_connection.exec("DELETE FROM idempotency WHERE done = 0");
        !cleared) {
        return cleared;
    }
    m_new = !setting(QStringLiteral("seeded")).has_value();
    return {};
}

Result<void> StateStore::begin()
{
    return m_connection.exec("BEGIN IMMEDIATE");
}

Result<void> StateStore::commit()
{
    m_connection.resetCached();
    return m_connection.exec("COMMIT");
}

void StateStore::rollback()
{
    m_connection.resetCached();
    if (m_connection.inTransaction()) {
        (void) m_connection.exec("ROLLBACK");
    }
}

qint64 StateStore::next(const QString &counter)
{
    add(counter, 1);
    return this->counter(counter);
}

void StateStore::add(const QString &counter, qint64 amount)
{
    Result<Statement *> statement = m_connection.cached(
        "INSERT INTO counters (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value");
    if (statement) {
        (void) (*statement)->bind(1, counter).bindInt64(2, amount).run();
        (*statement)->reset();
    }
}

qint64 StateStore::counter(const QString &counter)
{
    Result<Statement *> statement = m_connection.cached(
        "SELECT value FROM counters WHERE name = ?1");
    if (!statement) {
        return 0;
    }
    (*statement)->bind(1, counter);
    const Result<bool> row = (*statement)->step();
    const qint64 value = row.ok() && *row ? (*statement)->int64(0) : 0;
    (*statement)->reset();
    return value;
}

Result<Document> StateStore::insert(Document document)
{
    if (!document.businessKey.isEmpty()) {
        Result<Statement *> first = m_connection.cached(
            "SELECT id FROM documents WHERE system = ?1 AND type = ?2 AND business_key = ?3 "
            "ORDER BY seq LIMIT 1");
        if (!first) {
            return first.error();
        }
        (*first)->bind(1, document.system).bind(2, document.type).bind(3, document.businessKey);
        const Result<bool> row = (*first)->step();
        if (row.ok() && *row) {
            document.duplicateOf = (*first)->qtext(0);
        }
        (*first)->reset();
    }
    if (document.createdMs == 0) {
        document.createdMs = QDateTime::currentMSecsSinceEpoch();
    }
    Result<Statement *> statement = m_connection.cached(
        "INSERT INTO documents (system, type, id, body, business_key, idempotency_key, "
        "duplicate_of, origin, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!statement) {
        return statement.error();
    }
    Statement &insert = **statement;
    insert.bind(1, document.system).bind(2, document.type).bind(3, document.id);
    insert.bind(4, std::string_view(document.body.dump()));
    bindNullable(insert, 5, document.businessKey);
    bindNullable(insert, 6, document.idempotencyKey);
    bindNullable(insert, 7, document.duplicateOf);
    insert.bind(8, document.origin).bindInt64(9, document.createdMs);
    const Result<void> ran = insert.run();
    insert.reset();
    if (!ran) {
        return ran.error();
    }
    document.seq = m_connection.lastInsertRowId();
    if (!document.duplicateOf.isEmpty()) {
        add(QStringLiteral("created:") + document.system, 1);
    }
    return document;
}

Result<void> StateStore::replace(const QString &system, const QString &type, const QString &id,
                                 const Json &body)
{
    Result<Statement *> statement = m_connection.cached(
        "UPDATE documents SET body = ?4 WHERE system = ?1 AND type = ?2 AND id = ?3");
    if (!statement) {
        return statement.error();
    }
    (*statement)->bind(1, system).bind(2, type).bind(3, id).bind(4, std::string_view(body.dump()));
    const Result<void> ran = (*statement)->run();
    (*statement)->reset();
    return ran;
}

Document StateStore::read(Statement &statement)
{
    Document document;
    document.seq = statement.int64(0);
    document.system = statement.qtext(1);
    document.type = statement.qtext(2);
    document.id = statement.qtext(3);
    document.body = Json::parse(statement.text(4), nullptr, false);
    document.businessKey = nullable(statement, 5);
    document.idempotencyKey = nullable(statement, 6);
    document.duplicateOf = nullable(statement, 7);
    document.origin = statement.qtext(8);
    document.createdMs = statement.int64(9);
    return document;
}

std::optional<Document> StateStore::find(const QString &system, const QString &type,
                                         const QString &id)
{
    Result<Statement *> statement = m_connection.cached(
        std::string("SELECT ") + kColumns
        + " FROM documents WHERE system = ?1 AND type = ?2 AND id = ?3");
    if (!statement) {
        return std::nullopt;
    }
    (*statement)->bind(1, system).bind(2, type).bind(3, id);
    std::optional<Document> found;
    if (const Result<bool> row = (*statement)->step(); row.ok() && *row) {
        found = read(**statement);
    }
    (*statement)->reset();
    return found;
}

QList<Document> StateStore::list(const ListQuery &query)
{
    QString sql = QStringLiteral("SELECT %1 FROM documents").arg(QLatin1String(kColumns))
                  + whereOf(query);
    if (query.afterSeq > 0) {
        sql += QStringLiteral(" AND seq > %1").arg(query.afterSeq);
    }
    if (query.beforeSeq > 0) {
        sql += QStringLiteral(" AND seq < %1").arg(query.beforeSeq);
    }
    sql += query.descending ? QStringLiteral(" ORDER BY seq DESC") : QStringLiteral(" ORDER BY seq");
    sql += QStringLiteral(" LIMIT %1 OFFSET %2").arg(query.limit).arg(query.offset);
    QList<Document> documents;
    Result<Statement> statement = m_connection.prepare(sql.toStdString());
    if (!statement) {
        return documents;
    }
    bindWhere(*statement, query);
    for (Result<bool> row = statement->step(); row.ok() && *row; row = statement->step()) {
        documents.append(read(*statement));
    }
    return documents;
}

qint64 StateStore::count(const ListQuery &query)
{
    const QString sql = QStringLiteral("SELECT count(*) FROM documents") + whereOf(query);
    Result<Statement> statement = m_connection.prepare(sql.toStdString());
    if (!statement) {
        return 0;
    }
    bindWhere(*statement, query);
    const Result<bool> row = statement->step();
    return row.ok() && *row ? statement->int64(0) : 0;
}

QList<Document> StateStore::ledger(const QString &system, const QString &type,
                                   const QString &businessKey, const QString &origin, int limit)
{
    QString sql = QStringLiteral("SELECT %1 FROM documents WHERE (?1 = '' OR system = ?1) "
                                 "AND (?2 = '' OR type = ?2) AND (?3 = '' OR business_key = ?3) "
                                 "AND (?5 = '' OR origin = ?5) ORDER BY seq LIMIT ?4")
                      .arg(QLatin1String(kColumns));
    QList<Document> documents;
    Result<Statement> statement = m_connection.prepare(sql.toStdString());
    if (!statement) {
        return documents;
    }
    statement->bind(1, system).bind(2, type).bind(3, businessKey).bind(4, limit).bind(5, origin);
    for (Result<bool> row = statement->step(); row.ok() && *row; row = statement->step()) {
        documents.append(read(*statement));
    }
    return documents;
}

std::map<QString, qint64> StateStore::documentCounts()
{
    std::map<QString, qint64> counts;
    Result<Statement> statement = m_connection.prepare(
        "SELECT system, count(*) FROM documents WHERE origin != 'seed' GROUP BY system");
    if (!statement) {
        return counts;
    }
    for (Result<bool> row = statement->step(); row.ok() && *row; row = statement->step()) {
        counts[statement->qtext(0)] = statement->int64(1);
    }
    return counts;
}

std::optional<Json> StateStore::setting(const QString &name)
{
    Result<Statement *> statement = m_connection.cached(
        "SELECT value FROM settings WHERE name = ?1");
    if (!statement) {
        return std::nullopt;
    }
    (*statement)->bind(1, name);
    std::optional<Json> value;
    if (const Result<bool> row = (*statement)->step(); row.ok() && *row) {
        Json parsed = Json::parse((*statement)->text(0), nullptr, false);
        if (!parsed.is_discarded()) {
            value = std::move(parsed);
        }
    }
    (*statement)->reset();
    return value;
}

void StateStore::setSetting(const QString &name, const Json &value)
{
    Result<Statement *> statement = m_connection.cached(
        "INSERT INTO settings (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (statement) {
        (void) (*statement)->bind(1, name).bind(2, std::string_view(value.dump())).run();
        (*statement)->reset();
    }
}

Result<void> StateStore::wipe(const QStringList &keep)
{
    QStringList quoted;
    for (const QString &name : keep) {
        quoted.append(QLatin1Char('\'') + QString(name).replace(QLatin1Char('\''),
                                                                 QLatin1String("''"))
                      + QLatin1Char('\''));
    }
    const QString sql = QStringLiteral(
                            "DELETE FROM documents; DELETE FROM counters; DELETE FROM idempotency; "
                            "DELETE FROM tokens; DELETE FROM sqlite_sequence; "
                            "DELETE FROM settings WHERE name NOT IN (%1);")
                            .arg(quoted.join(QLatin1Char(',')));
    m_connection.resetCached();
    if (const Result<void> wiped = m_connection.exec(sql.toStdString()); !wiped) {
        return wiped;
    }
    m_new = true;
    return {};
}

} // namespace syncline::sandbox
