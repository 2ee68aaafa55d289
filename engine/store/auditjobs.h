#pragma once

#include "engine/store/connection.h"
#include "engine/store/records.h"

#include <optional>

namespace syncline::engine::store {

/// Appends `record` to the audit chain inside whichever transaction the caller is in, so the
/// record commits (or rolls back) together with the action it describes. Returns the entry.
Result<AuditEntry> appendAudit(Connection &c, const AuditRecord &record, qint64 atMs);

/// Audit entries after `afterSequence`, oldest first, at most `limit` (paging for the API).
Result<QList<AuditEntry>> readAudit(Connection &c, qint64 afterSequence, int limit);

/// Which audit entries to read. Empty strings and unset bounds do not filter.
struct AuditQuery
{
    QString actor;
    QString action;
    QString objectType;
    QString objectId;
    std::optional<qint64> fromMs; // at or after
    std::optional<qint64> toMs;   // before
    /// Paging by sequence: oldest first after `afterSequence`, or, with `newestFirst`, newest
    /// first before `beforeSequence` (0: from the newest).
    bool newestFirst = false;
    qint64 afterSequence = 0;
    qint64 beforeSequence = 0;
    int limit = 100;
};
Result<QList<AuditEntry>> queryAudit(Connection &c, const AuditQuery &query);

/// The result of walking the chain from the first record.
struct AuditVerification
{
    qint64 checked = 0;                        // records whose links held
    std::optional<qint64> firstBrokenSequence; // the first record whose link or hash is wrong
    QString reason;                            // what is wrong with it, for a person
};
Result<AuditVerification> verifyAudit(Connection &c);

/// The hash of an entry: SHA-256 (hex) over its previous hash and every field.
QByteArray auditHash(const AuditEntry &entry);

} // namespace syncline::engine::store
