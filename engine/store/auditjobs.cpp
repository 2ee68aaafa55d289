#include "engine/store/auditjobs.h"

#include <QCryptographicHash>

#include <nlohmann/json.hpp>

namespace syncline::engine::store {

namespace {

const QByteArray kGenesis(64, '0');

AuditEntry entryFrom(const Statement &s)
{
    AuditEntry entry;
    entry.sequence = s.int64(0);
    entry.atMs = s.int64(1);
    entry.record.actor = s.qtext(2);
    entry.record.role = s.qtext(3);
    entry.record.action = s.qtext(4);
    entry.record.objectType = s.qtext(5);
    entry.record.objectId = s.qtext(6);
    entry.record.reason = s.qtext(7);
    entry.record.detail = s.bytes(8);
    entry.previousHash = s.bytes(9);
    entry.hash = s.bytes(10);
    return entry;
}

constexpr auto kColumns = "sequence, at, actor, role, action, object_type, object_id, reason,"
                          " detail, previous_hash, hash";

} // namespace

QByteArray auditHash(const AuditEntry &entry)
{
    // A JSON array gives every field an unambiguous boundary, so no two different entries
    // serialise alike.
    const AuditRecord &r = entry.record;
    const nlohmann::json fields = nlohmann::json::array({entry.previousHash.toStdString(),
                                                         entry.sequence,
                                                         entry.atMs,
                                                         r.actor.toStdString(),
                                                         r.role.toStdString(),
                                                         r.action.toStdString(),
                                                         r.objectType.toStdString(),
                                                         r.objectId.toStdString(),
                                                         r.reason.toStdString(),
                                                         r.detail.toStdString()});
    const std::string text = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QCryptographicHash::hash(QByteArray::fromStdString(text), QCryptographicHash::Sha256)
        .toHex();
}

Result<AuditEntry> appendAudit(Connection &c, const AuditRecord &record, qint64 atMs)
{
    Result<Statement *> last = c.cached("SELECT sequence, hash FROM audit"
                                        " ORDER BY sequence DESC LIMIT 1");
    if (!last) {
        return last.error();
    }
    AuditEntry entry;
    entry.atMs = atMs;
    entry.record = record;
    entry.sequence = 1;
    entry.previousHash = kGenesis;
    Result<bool> row = (*last)->step();
    if (!row) {
        return row.error();
    }
    if (*row) {
        entry.sequence = (*last)->int64(0) + 1;
        entry.previousHash = (*last)->bytes(1);
    }
    (*last)->reset();
    entry.hash = auditHash(entry);

    Result<Statement *> insert = c.cached(
        "INSERT INTO audit(sequence, at, actor, role, action, object_type, object_id, reason,"
        " detail, previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!insert) {
        return insert.error();
    }
    (*insert)
        ->bind(1, entry.sequence)
        .bind(2, entry.atMs)
        .bind(3, record.actor)
        .bind(4, record.role)
        .bind(5, record.action)
        .bind(6, record.objectType)
        .bind(7, record.objectId)
        .bind(8, record.reason)
        .bindBlob(9, bytesOf(record.detail))
        .bind(10, bytesOf(entry.previousHash))
        .bind(11, bytesOf(entry.hash));
    if (Result<void> r = (*insert)->run(); !r) {
        return r.error();
    }
    return entry;
}

Result<QList<AuditEntry>> readAudit(Connection &c, qint64 afterSequence, int limit)
{
    AuditQuery query;
    query.afterSequence = afterSequence;
    query.limit = limit;
    return queryAudit(c, query);
}

Result<QList<AuditEntry>> queryAudit(Connection &c, const AuditQuery &query)
{
    std::string sql = std::string("SELECT ") + kColumns + " FROM audit WHERE 1";
    QList<std::pair<int, QString>> texts;
    QList<std::pair<int, qint64>> numbers;
    int next = 1;
    const auto text = [&](const char *column, const QString &value) {
        if (!value.isEmpty()) {
            sql += std::string(" AND ") + column + " = ?" + std::to_string(next);
            texts.append({next++, value});
        }
    };
    const auto number = [&](const char *condition, std::optional<qint64> value) {
        if (value) {
            sql += std::string(" AND ") + condition + std::to_string(next);
            numbers.append({next++, *value});
        }
    };
    text("actor", query.actor);
    text("action", query.action);
    text("object_type", query.objectType);
    text("object_id", query.objectId);
    number("at >= ?", query.fromMs);
    number("at < ?", query.toMs);
    if (query.newestFirst) {
        number("sequence < ?",
               query.beforeSequence > 0 ? std::optional(query.beforeSequence) : std::nullopt);
        sql += " ORDER BY sequence DESC";
    } else {
        number("sequence > ?", query.afterSequence);
        sql += " ORDER BY sequence";
    }
    sql += " LIMIT ?" + std::to_string(next);
    Result<Statement> select = c.prepare(sql);
    if (!select) {
        return select.error();
    }
    for (const auto &[index, value] : texts) {
        select->bind(index, value);
    }
    for (const auto &[index, value] : numbers) {
        select->bind(index, value);
    }
    select->bind(next, qMax(query.limit, 0));
    QList<AuditEntry> entries;
    while (true) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return entries;
        }
        entries.append(entryFrom(*select));
    }
}

Result<AuditVerification> verifyAudit(Connection &c)
{
    Result<Statement> select =
        c.prepare(std::string("SELECT ") + kColumns + " FROM audit ORDER BY sequence");
    if (!select) {
        return select.error();
    }
    AuditVerification verification;
    QByteArray previous = kGenesis;
    qint64 expectedSequence = 1;
    while (true) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return verification;
        }
        const AuditEntry entry = entryFrom(*select);
        QString broken;
        if (entry.sequence != expectedSequence) {
            broken = QStringLiteral("record %1 is missing").arg(expectedSequence);
        } else if (entry.previousHash != previous) {
            broken = QStringLiteral("its link does not match the hash of record %1")
                         .arg(entry.sequence - 1);
        } else if (auditHash(entry) != entry.hash) {
            broken = QStringLiteral("its content no longer matches its hash (changed after it"
                                    " was written)");
        }
        if (!broken.isEmpty()) {
            verification.firstBrokenSequence = entry.sequence;
            verification.reason = broken;
            return verification;
        }
        ++verification.checked;
        ++expectedSequence;
        previous = entry.hash;
    }
}

} // namespace syncline::engine::store
