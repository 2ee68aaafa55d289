#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace syncline::engine::security {

/// The four roles of the product (design.md, "Users"). A user has exactly one.
enum class Role {
    Viewer,  // reads everything operational, changes nothing, sees personal data masked
    Analyst, // designs, tests and deploys flows
    Finance, // works the exception queues its role owns; business exceptions only
    Admin,   // operates: every replay, discard, unmask, users, roles, secrets, audit
};

/// What a route of the admin API needs. Object-level limits (a finance user only works the
/// exceptions its role owns, and replays business ones only) are checked by the handler on top.
enum class Permission {
    ReadOperations,   // health, flows, queues, metrics, node types, triggers
    Deploy,           // POST /deployments
    RunManualTrigger, // POST /flows/{f}/triggers/{t}/messages
    ViewExceptions,
    WorkExceptions, // assign, comment
    RepairException,
    ReplayException, // one exception, from its failed node
    BulkReplay,      // replay jobs by filter (dry run included)
    DiscardException,
    Unmask, // see personal data in clear, with a reason
    ViewLineage,
    ViewAudit,
    ManageUsers, // users and their roles
    ManageSecrets,
};

/// Who is calling: the user a bearer token belongs to.
struct Principal
{
    QString userId;
    Role role = Role::Viewer;
};

/// The engine itself: the administrator behind the bootstrap token (--token-file) and the author
/// of the deployment made when the engine starts.
Principal enginePrincipal();

/// The permission matrix (docs/security.md prints it, checked by tst_access); the one place
/// that decides.
bool allows(Role role, Permission permission);

QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);
QList<Role> allRoles();

QString permissionName(Permission permission);
QList<Permission> allPermissions();

} // namespace syncline::engine::security
