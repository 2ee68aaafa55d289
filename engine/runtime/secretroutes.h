#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/security/secretcatalog.h"
#include "engine/store/auditstore.h"

#include <QList>

namespace syncline::engine::runtime {

/// The engine's secrets (ManageSecrets); values never leave the engine:
///   GET  /api/v1/secrets   every reference, where its value comes from, who uses it
///   POST /api/v1/secrets   {reference, value}: sets or rotates it in the owner-only secrets
///                          file; audited ("secret.set" / "secret.rotate") without the value.
///                          409 when the engine runs without a secrets file.
QList<AdminRoute> secretRoutes(security::SecretCatalog &secrets, store::AuditStore &audit);

} // namespace syncline::engine::runtime
