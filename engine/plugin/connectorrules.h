#pragma once

#include "engine/model/problem.h"
#include "engine/model/workspace.h"

namespace syncline::engine::plugin {

class ConnectorRegistry;

/// The workspace's uses of connectors that this engine cannot serve: an HTTP node naming an
/// operation on a system whose family has no loaded connector, an object or operation the
/// connector does not declare, or a get/upsert/update without the external id it addresses. Each problem
/// names the flow file and the JSON pointer of the setting. Nodes that name no operation are
/// plain HTTP calls and need no connector.
model::ProblemList checkConnectorUse(const model::Workspace &workspace,
                                     const ConnectorRegistry &registry);

} // namespace syncline::engine::plugin
