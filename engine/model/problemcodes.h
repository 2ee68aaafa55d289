#pragma once

#include <QLatin1StringView>

namespace syncline::engine::model {

// Stable machine codes of workspace problems. Scripts match on them (validate --json), so a
// code never changes meaning once released; docs/workspace-format.md lists them all.

/// The file is not valid JSON; line and column say where.
inline constexpr QLatin1StringView kProblemJsonSyntax{"JSON_SYNTAX"};
/// The same key appears twice in one JSON object (the later value wins when loading).
inline constexpr QLatin1StringView kProblemDuplicateKey{"DUPLICATE_KEY"};
/// A key the format does not define; it is kept in the document and written back on save.
inline constexpr QLatin1StringView kProblemUnknownKey{"UNKNOWN_KEY"};
/// A required key is absent.
inline constexpr QLatin1StringView kProblemMissingField{"MISSING_FIELD"};
/// A value has the wrong JSON type (string where an object is expected, ...).
inline constexpr QLatin1StringView kProblemWrongType{"WRONG_TYPE"};
/// A value has the right type but is not allowed (unknown enum value, bad id, bad URL, ...).
inline constexpr QLatin1StringView kProblemInvalidValue{"INVALID_VALUE"};
/// A reference names an object, property, column or node that does not exist.
inline constexpr QLatin1StringView kProblemMissingReference{"MISSING_REFERENCE"};
/// Two things that must be unique share an id (objects, flow nodes, fixtures, lookup keys).
inline constexpr QLatin1StringView kProblemDuplicateId{"DUPLICATE_ID"};
/// The id inside a file does not match the file's name.
inline constexpr QLatin1StringView kProblemIdMismatch{"ID_MISMATCH"};
/// A file or folder that does not belong where it is (wrong folder, wrong suffix, nested).
inline constexpr QLatin1StringView kProblemWrongPlace{"WRONG_PLACE"};
/// The workspace file is missing, or the folder is not a workspace.
inline constexpr QLatin1StringView kProblemNoWorkspace{"NO_WORKSPACE"};
/// The workspace declares a format version this build does not read.
inline constexpr QLatin1StringView kProblemUnsupportedVersion{"UNSUPPORTED_VERSION"};
/// A file could not be read (permissions, not UTF-8, ...).
inline constexpr QLatin1StringView kProblemUnreadable{"UNREADABLE"};
/// A value looks like a secret written into the workspace; workspaces hold secret references
/// only.
inline constexpr QLatin1StringView kProblemSecretValue{"SECRET_VALUE"};

} // namespace syncline::engine::model
