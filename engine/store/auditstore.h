#pragma once

#include "engine/core/result.h"
#include "engine/store/auditjobs.h"
#include "engine/store/records.h"

#include <QList>

#include <functional>

namespace syncline::engine::store {

/// The audit trail for readers and for actions that are nothing but their record (a login, an
/// unmask). Actions that change something append their record inside their own transaction
/// (appendAudit). An interface so a PostgreSQL backend can follow. Thread-safe.
class AuditStore
{
public:
    virtual ~AuditStore() = default;

    /// Appends `record` in a transaction of its own; returns once it is committed. `alongside`,
    /// when given, is an action outside the database (rewriting the secrets file) run inside that
    /// transaction after the record is written: when it fails the record is rolled back, so the
    /// action never happens unrecorded and the trail never claims one that failed.
    virtual Result<AuditEntry> append(const AuditRecord &record,
                                      const std::function<Result<void>()> &alongside = {}) = 0;
    virtual Result<QList<AuditEntry>> query(const AuditQuery &query) = 0;
    /// Walks the whole chain (see verifyAudit).
    virtual Result<AuditVerification> verify() = 0;
};

} // namespace syncline::engine::store
