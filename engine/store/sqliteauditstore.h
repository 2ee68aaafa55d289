#pragma once

#include "engine/store/auditstore.h"
#include "engine/store/sqlitemessagestore.h"

namespace syncline::engine::store {

/// The audit trail in the engine's SQLite file, written through the message store's writer.
class SqliteAuditStore final : public AuditStore
{
public:
    explicit SqliteAuditStore(SqliteMessageStore &store);

    Result<AuditEntry> append(const AuditRecord &record,
                              const std::function<Result<void>()> &alongside = {}) override;
    Result<QList<AuditEntry>> query(const AuditQuery &query) override;
    Result<AuditVerification> verify() override;

private:
    SqliteMessageStore &m_store;
};

} // namespace syncline::engine::store
