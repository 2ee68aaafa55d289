#pragma once

#include "engine/model/workspace.h"
#include "engine/net/httpclient.h"
#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/runtime/systemtarget.h"
#include "engine/runtime/webhookingress.h"
#include "engine/schema/schemaset.h"
#include "engine/store/messagestore.h"

#include <QHash>

#include <functional>
#include <memory>

namespace syncline::engine::runtime {

/// What runners are built with; all outlive the runners.
struct NodeServices
{
    store::MessageStore &store;
    net::HttpClient &http;
    SecretResolver secrets;
    std::function<qint64()> clockMs;
};

/// Builds the runners of a flow version from the workspace it was deployed from: mappings,
/// canonical schemas and systems. One SystemTarget per system is shared by every node that calls
/// it, so its circuit breaker and rate limit see all traffic. Not thread-safe (deploy time only).
class NodeFactory
{
public:
    NodeFactory(model::Workspace workspace, NodeServices services);

    /// A runner for every non-trigger node. Fails with FLOW_CANNOT_RUN listing every node that
    /// cannot run (unknown mapping, a node type this engine does not run, bad settings).
    Result<QHash<QString, std::shared_ptr<NodeRunner>>> build(const FlowPlan &plan);
    /// The plan's webhook triggers, as the ingress takes them.
    Result<QList<WebhookTrigger>> webhookTriggers(const FlowPlan &plan);

    /// Node types build() can run.
    static QStringList supportedTypes();

private:
    Result<std::shared_ptr<NodeRunner>> buildNode(const PlannedNode &node);
    Result<SystemTarget> target(const QString &systemId);

    model::Workspace m_workspace;
    NodeServices m_services;
    schema::SchemaSet m_schemas;
    QHash<QString, SystemTarget> m_targets;
};

} // namespace syncline::engine::runtime
