#pragma once

#include "engine/security/access.h"

#include <QString>

#include <optional>

namespace syncline::engine::security {

/// What a caller does with one exception.
enum class ExceptionAction { View, Assign, Comment, Repair, Replay, Discard };

/// The object-level rules on top of the permission matrix (docs/operations.md): finance sees and
/// works only the exceptions its role owns and replays business ones only; admin may do
/// everything; viewer and analyst only look. Returns why `caller` may not do `action` on an
/// exception owned by `ownerRole` of `category` ("business", "technical", "uncertain"), or
/// nothing when it may.
std::optional<QString> exceptionRefusal(const Principal &caller,
                                        ExceptionAction action,
                                        const QString &ownerRole,
                                        const QString &category);

/// The owner role a caller's exception lists are limited to; empty: every exception.
QString visibleOwnerRole(const Principal &caller);

/// The permission an action needs in the matrix.
Permission permissionFor(ExceptionAction action);

QString exceptionActionName(ExceptionAction action);

} // namespace syncline::engine::security
