#pragma once

#include "engine/model/workspace.h"
#include "engine/net/httpclient.h"
#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/runtime/systemtarget.h"
#include "engine/runtime/topicregistry.h"
#include "engine/runtime/webhookingress.h"
#include "engine/schema/schemaset.h"
#include "engine/store/messagestore.h"

#include <QHash>

#include <functional>
#include <memory>

namespace syncline::engine::plugin {
class ConnectorRegistry;
}

namespace syncline::engine::runtime {

/// What runners are built with; all outlive the runners.
struct NodeServices
{
    store::MessageStore &store;
    net::HttpClient &http;
    SecretResolver secrets;
    std::function<qint64()> clockMs;
    /// Internal topics and their subscribers (publish nodes); null: publish cannot run.
    std::shared_ptr<TopicRegistry> topics = nullptr;
    /// Webhook senders waiting for their flow's answer (respond nodes); null: respond cannot run.
    std::shared_ptr<Replies> replies = nullptr;
    /// The loaded connector plugins; null or empty: HTTP nodes naming an operation cannot run.
    std::shared_ptr<const plugin::ConnectorRegistry> connectors = nullptr;
};

class NodeFactory;

/// Makes the runner of one node from its (schema-checked) settings. An error's message says
/// what is wrong with which setting; the factory adds the node.
using NodeBuilder = Result<std::shared_ptr<NodeRunner>> (*)(NodeFactory &factory,
                                                            const PlannedNode &node);

/// Builds the runners of a flow version from the workspace it was deployed from: mappings,
/// canonical schemas and systems. One SystemTarget per system is shared by every node that calls
/// it, so its circuit breaker and rate limit see all traffic. Not thread-safe (deploy time only).
class NodeFactory
{
public:
    /// `targets` shares system targets with other factories (other flow versions); without
    /// it the factory keeps its own.
    NodeFactory(model::Workspace workspace, NodeServices services,
                std::shared_ptr<SystemTargets> targets = {});

    /// A runner for every non-trigger node. Fails with FLOW_CANNOT_RUN listing every node that
    /// cannot run (settings that do not match the type's schema, an unknown mapping, a node type
    /// this engine does not run).
    Result<QHash<QString, std::shared_ptr<NodeRunner>>> build(const FlowPlan &plan);
    /// The plan's webhook triggers, as the ingress takes them.
    Result<QList<WebhookTrigger>> webhookTriggers(const FlowPlan &plan);

    /// Node types build() accepts: those with a builder and the triggers the engine runs.
    static QStringList supportedTypes();

    /// For builders.
    const model::Workspace &workspace() const { return m_workspace; }
    const NodeServices &services() const { return m_services; }
    const schema::SchemaSet &schemas() const { return m_schemas; }
    /// The shared target of a system of the workspace.
    Result<SystemTarget> target(const QString &systemId);

private:
    Result<std::shared_ptr<NodeRunner>> buildNode(const PlannedNode &node);

    model::Workspace m_workspace;
    NodeServices m_services;
    schema::SchemaSet m_schemas;
    std::shared_ptr<SystemTargets> m_targets;
};

} // namespace syncline::engine::runtime
