#pragma once

#include <QString>

#include <array>
#include <optional>

namespace syncline::engine::model {

/// The kinds of object a workspace folder holds, one folder per kind. The order is the order
/// in which the studio's explorer and the CLI list them.
enum class ObjectKind { Canonical, System, Mapping, Flow, Lookup };

/// Every kind, in display order.
inline constexpr std::array<ObjectKind, 5> kAllObjectKinds = {
    ObjectKind::Canonical, ObjectKind::System, ObjectKind::Mapping, ObjectKind::Flow,
    ObjectKind::Lookup};

/// Plural name for people: "Canonical entities", "Systems", "Mappings", "Flows", "Lookups".
QString kindDisplayName(ObjectKind kind);

/// Singular lower-case noun used in messages: "canonical schema", "system", "mapping", ...
QString kindNoun(ObjectKind kind);

/// The folder (relative to the workspace folder) that holds objects of this kind:
/// "canonical", "systems", "mappings", "flows", "lookups".
QString kindFolder(ObjectKind kind);

/// The file-name suffix of this kind: ".schema.json", ".system.json", ".mapping.json",
/// ".flow.json", ".lookup.json".
QString kindSuffix(ObjectKind kind);

/// Stable machine name used in --json output and settings: "canonical", "system", "mapping",
/// "flow", "lookup".
QString kindKey(ObjectKind kind);

/// The kind whose suffix `fileName` ends with, if any.
std::optional<ObjectKind> kindForFileName(const QString &fileName);

/// The kind named by kindKey(), if any.
std::optional<ObjectKind> kindFromKey(const QString &key);

/// The path, relative to the workspace folder, of the object `id` of `kind`, e.g.
/// objectFilePath(ObjectKind::System, "crm") == "systems/crm.system.json".
QString objectFilePath(ObjectKind kind, const QString &id);

} // namespace syncline::engine::model
