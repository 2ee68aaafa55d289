#include "engine/security/access.h"

namespace syncline::engine::security {

Principal enginePrincipal()
{
    return Principal{QStringLiteral("engine"), Role::Admin};
}

bool allows(Role role, Permission permission)
{
    switch (permission) {
    case Permission::ReadOperations:
    case Permission::ViewExceptions:
    case Permission::ViewLineage:
        return true;
    case Permission::Deploy:
    case Permission::RunManualTrigger:
        return role == Role::Analyst || role == Role::Admin;
    case Permission::WorkExceptions:
    case Permission::RepairException:
    case Permission::ReplayException:
        return role == Role::Finance || role == Role::Admin;
    case Permission::BulkReplay:
    case Permission::DiscardException:
    case Permission::Unmask:
    case Permission::ViewAudit:
    case Permission::ManageUsers:
    case Permission::ManageSecrets:
        return role == Role::Admin;
    }
    return false;
}

QString roleName(Role role)
{
    switch (role) {
    case Role::Viewer:
        return QStringLiteral("viewer");
    case Role::Analyst:
        return QStringLiteral("analyst");
    case Role::Finance:
        return QStringLiteral("finance");
    case Role::Admin:
        return QStringLiteral("admin");
    }
    return {};
}

std::optional<Role> roleFromName(const QString &name)
{
    for (Role role : allRoles()) {
        if (roleName(role) == name) {
            return role;
        }
    }
    return std::nullopt;
}

QList<Role> allRoles()
{
    return {Role::Viewer, Role::Analyst, Role::Finance, Role::Admin};
}

QString permissionName(Permission permission)
{
    switch (permission) {
    case Permission::ReadOperations:
        return QStringLiteral("read-operations");
    case Permission::Deploy:
        return QStringLiteral("deploy");
    case Permission::RunManualTrigger:
        return QStringLiteral("run-manual-trigger");
    case Permission::ViewExceptions:
        return QStringLiteral("view-exceptions");
    case Permission::WorkExceptions:
        return QStringLiteral("work-exceptions");
    case Permission::RepairException:
        return QStringLiteral("repair-exception");
    case Permission::ReplayException:
        return QStringLiteral("replay-exception");
    case Permission::BulkReplay:
        return QStringLiteral("bulk-replay");
    case Permission::DiscardException:
        return QStringLiteral("discard-exception");
    case Permission::Unmask:
        return QStringLiteral("unmask");
    case Permission::ViewLineage:
        return QStringLiteral("view-lineage");
    case Permission::ViewAudit:
        return QStringLiteral("view-audit");
    case Permission::ManageUsers:
        return QStringLiteral("manage-users");
    case Permission::ManageSecrets:
        return QStringLiteral("manage-secrets");
    }
    return {};
}

QList<Permission> allPermissions()
{
    return {Permission::ReadOperations,
            Permission::Deploy,
            Permission::RunManualTrigger,
            Permission::ViewExceptions,
            Permission::WorkExceptions,
            Permission::RepairException,
            Permission::ReplayException,
            Permission::BulkReplay,
            Permission::DiscardException,
            Permission::Unmask,
            Permission::ViewLineage,
            Permission::ViewAudit,
            Permission::ManageUsers,
            Permission::ManageSecrets};
}

} // namespace syncline::engine::security
