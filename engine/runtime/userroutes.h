#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/security/userdirectory.h"
#include "engine/store/auditstore.h"

#include <QList>

namespace syncline::engine::runtime {

/// The users, roles and sessions of the admin API:
///   GET  /api/v1/users                 every user (never tokens)          ManageUsers
///   POST /api/v1/users                 {id, displayName, role} → token     ManageUsers
///   PATCH /api/v1/users/{id}           {displayName?, role?, disabled?}    ManageUsers
///   POST /api/v1/users/{id}/token      a new token; the old one stops      ManageUsers
///   GET  /api/v1/roles                 the permission matrix               ReadOperations
///   GET  /api/v1/me                    the caller and what it may do       ReadOperations
///   POST /api/v1/sessions              log in: the caller, audited         ReadOperations
QList<AdminRoute> userRoutes(security::UserDirectory &users, store::AuditStore &audit);

} // namespace syncline::engine::runtime
