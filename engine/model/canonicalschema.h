#pragma once

#include "engine/model/workspace.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace syncline::engine::model {

/// A subschema found by following a $ref: the canonical schema it lives in and the node itself
/// (owned by the workspace; valid while the workspace is unchanged).
struct SchemaLocation
{
    QString schemaId;
    const nlohmann::json *schema = nullptr;
};

/// Resolves `ref` as written in the canonical schema `fromId`: "#/definitions/Money" (same
/// file), "shared.schema.json#/definitions/Money" or "customer.schema.json" (another canonical
/// schema of the workspace). On failure returns nothing and sets `why` to a plain reason.
std::optional<SchemaLocation> resolveSchemaRef(const Workspace &workspace, const QString &fromId,
                                               const std::string &ref, QString *why);

/// Follows $ref chains starting at `location` (at most a few hops; cycles stop). Returns the
/// location itself when it is not a $ref.
std::optional<SchemaLocation> followRefs(const Workspace &workspace, SchemaLocation location,
                                         QString *why);

/// Checks that the dotted `path` ("billTo.city", "lines.amount.amount") names a property of the
/// canonical entity `entityId`, following $ref and stepping into array items. Returns "" when it
/// does, else why not. `brokenRef` (optional) is set when the walk stopped at a $ref that does
/// not resolve — a problem of the schema rather than of the path.
QString checkPropertyPath(const Workspace &workspace, const QString &entityId, const QString &path,
                          bool *brokenRef = nullptr);

/// Resolves an RFC 6901 pointer in `document` without throwing; nullptr when it does not exist.
const nlohmann::json *resolvePointer(const nlohmann::json &document, const std::string &pointer);

} // namespace syncline::engine::model
