#include "engine/security/exceptionrules.h"

namespace syncline::engine::security {

Permission permissionFor(ExceptionAction action)
{
    switch (action) {
    case ExceptionAction::View:
        return Permission::ViewExceptions;
    case ExceptionAction::Assign:
    case ExceptionAction::Comment:
        return Permission::WorkExceptions;
    case ExceptionAction::Repair:
        return Permission::RepairException;
    case ExceptionAction::Replay:
        return Permission::ReplayException;
    case ExceptionAction::Discard:
        return Permission::DiscardException;
    }
    return Permission::DiscardException;
}

QString exceptionActionName(ExceptionAction action)
{
    switch (action) {
    case ExceptionAction::View:
        return QStringLiteral("view");
    case ExceptionAction::Assign:
        return QStringLiteral("assign");
    case ExceptionAction::Comment:
        return QStringLiteral("comment on");
    case ExceptionAction::Repair:
        return QStringLiteral("repair");
    case ExceptionAction::Replay:
        return QStringLiteral("replay");
    case ExceptionAction::Discard:
        return QStringLiteral("discard");
    }
    return {};
}

QString visibleOwnerRole(const Principal &caller)
{
    return caller.role == Role::Finance ? roleName(Role::Finance) : QString();
}

std::optional<QString> exceptionRefusal(const Principal &caller,
                                        ExceptionAction action,
                                        const QString &ownerRole,
                                        const QString &category)
{
    const QString who = QStringLiteral("%1 (role %2)").arg(caller.userId, roleName(caller.role));
    if (!allows(caller.role, permissionFor(action))) {
        return QStringLiteral("%1 may not %2 exceptions").arg(who, exceptionActionName(action));
    }
    if (caller.role != Role::Finance) {
        return std::nullopt;
    }
    if (ownerRole != roleName(Role::Finance)) {
        return QStringLiteral("%1 may %2 only exceptions that finance owns; this one is %3's")
            .arg(who, exceptionActionName(action), ownerRole);
    }
    if (action == ExceptionAction::Replay && category != QLatin1String("business")) {
        return QStringLiteral("%1 may replay business exceptions only; this one is %2 (an "
                              "admin replays it)")
            .arg(who, category);
    }
    return std::nullopt;
}

} // namespace syncline::engine::security
