#pragma once

#include "engine/core/result.h"
#include "engine/model/workspace.h"

#include <QByteArray>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

/// What a flow version is deployed as: the flow document together with the mappings, lookups
/// and canonical schemas it uses, so that a message finishes on exactly what it started with
/// even after those change in the workspace. Systems (URLs, credentials, limits) are the
/// engine's environment and always come from the current workspace.
///
/// Stored text: {"format": "syncline-deployment/1", "flow": {...},
///   "objects": [{"kind": "mapping", "id": ..., "file": ..., "document": {...}}, ...]}
/// with sorted keys, so that the same inputs give the same bytes and an unchanged flow keeps its
/// version.
namespace deploybundle {

/// The bundle of `flowId` in `workspace` (which must hold it), as stored bytes.
QByteArray make(const model::Workspace &workspace, const QString &flowId);

/// The flow document inside stored bytes (a bare flow document from before bundles is taken
/// as it is).
nlohmann::json flowOf(const QByteArray &stored);

/// The workspace a stored version runs on: its own mappings, lookups and schemas over the
/// systems of `current`.
model::Workspace workspaceOf(const QByteArray &stored, const model::Workspace &current);

/// A whole workspace as one JSON document, as `syncline-engine deploy` sends it to a running
/// engine: {"workspace": {...syncline.workspace.json...}, "files": {"<relative path>": {...}}}.
nlohmann::json workspaceToJson(const model::Workspace &workspace);
/// The workspace in such a document. Errors name the file that is not a workspace object; the
/// workspace checks (model::checkWorkspace) are the caller's.
Result<model::Workspace> workspaceFromJson(const nlohmann::json &document);

} // namespace deploybundle

} // namespace syncline::engine::runtime
