#pragma once

#include "engine/core/result.h"
#include "engine/model/workspace.h"
#include "engine/runtime/flowplan.h"
#include "engine/schema/schemavalidator.h"

#include <QString>

#include <optional>

namespace syncline::engine::runtime {

/// The canonical entity a node's input is declared against, and what declares it.
struct DeclaredSchema
{
    QString entityId;   // a canonical schema id, e.g. "invoice"
    QString declaredBy; // for people: "validate node check-invoice", "mapping x (source)"
};

/// Which canonical schema the input of `nodeId` is declared against in a flow version: a
/// validate node's own schema, a map node's mapping source; else what its predecessors send it
/// — a validate node passes on what it checked, a map node its mapping's target, pass-through
/// nodes (route, lookup, http, dedupe, delay, ...) their own input, and an "error" edge the
/// failed node's input. Nothing when no such declaration reaches the node, or predecessors
/// disagree.
std::optional<DeclaredSchema>
declaredInputSchema(const FlowPlan &plan, const model::Workspace &workspace, const QString &nodeId);

/// Compiles a canonical schema of `workspace` with the other canonical schemas for its $refs.
Result<schema::SchemaValidator> compileCanonical(const model::Workspace &workspace,
                                                 const QString &entityId);

} // namespace syncline::engine::runtime
