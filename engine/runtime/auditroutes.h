#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/store/auditstore.h"

#include <QList>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

/// The audit trail (ViewAudit):
///   GET /api/v1/audit         entries; filters actor, action, objectType, objectId, from, to
///                             (milliseconds since the epoch or ISO 8601); newest first, paged
///                             with before=<sequence>, or oldest first with after=<sequence>;
///                             limit (default 100, at most 1000). "next" is the cursor of the
///                             following page, null on the last one.
///   GET /api/v1/audit/verify  walks the hash chain: records checked, the first broken one.
QList<AdminRoute> auditRoutes(store::AuditStore &audit);

/// An audit entry as the API and `syncline-engine audit list --json` show it.
nlohmann::json auditEntryJson(const store::AuditEntry &entry);

} // namespace syncline::engine::runtime
