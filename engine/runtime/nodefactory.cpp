#include "engine/runtime/nodefactory.h"

#include "engine/plugin/connectorregistry.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/nodebuilders.h"
#include "engine/runtime/orderingkey.h"
#include "engine/runtime/nodetypes.h"
#include "engine/runtime/publishnode.h"
#include "engine/runtime/respondnode.h"
#include "engine/runtime/transformnodes.h"
#include "engine/runtime/nodesupport.h"

namespace syncline::engine::runtime {

namespace {

Result<std::shared_ptr<NodeRunner>> buildValidate(NodeFactory &factory, const PlannedNode &node)
{
    const QString schemaId = settingText(node.settings, "schema");
    const model::WorkspaceObject *schema = factory.workspace().find(model::ObjectKind::Canonical,
                                                                    schemaId);
    if (!schema) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/schema names no canonical entity (\"%1\")")
                               .arg(schemaId));
    }
    Result<schema::SchemaValidator> validator = schema::SchemaValidator::compile(
        json::fromNlohmann(schema->document), factory.schemas(), schema->file.section(u'/', -1));
    if (!validator) {
        return validator.error();
    }
    QHash<QString, QString> reasonCodes;
    const nlohmann::json codes = node.settings.value("reasonCodes", nlohmann::json::object());
    for (auto it = codes.begin(); it != codes.end(); ++it) {
        if (it->is_string()) {
            reasonCodes.insert(QString::fromStdString(it.key()),
                               QString::fromStdString(it->get<std::string>()));
        }
    }
    return std::shared_ptr<NodeRunner>(std::make_shared<ValidateNode>(
        schemaId, std::move(*validator), std::move(reasonCodes)));
}

// The mapping a node's settings/mapping names, compiled.
Result<std::shared_ptr<MapNode>> mappingOf(NodeFactory &factory, const PlannedNode &node)
{
    const QString mappingId = settingText(node.settings, "mapping");
    const model::WorkspaceObject *mapping = factory.workspace().find(model::ObjectKind::Mapping,
                                                                     mappingId);
    if (!mapping) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/mapping names no mapping (\"%1\")")
                               .arg(mappingId));
    }
    return MapNode::create(mappingId, mapping->document.value("fields", nlohmann::json()));
}

Result<std::shared_ptr<NodeRunner>> buildMap(NodeFactory &factory, const PlannedNode &node)
{
    Result<std::shared_ptr<MapNode>> map = mappingOf(factory, node);
    if (!map) {
        return map.error();
    }
    return std::shared_ptr<NodeRunner>(*map);
}

Result<std::shared_ptr<NodeRunner>> buildRoute(NodeFactory &, const PlannedNode &node)
{
    Result<std::shared_ptr<RouteNode>> route = RouteNode::create(node.settings);
    if (!route) {
        return route.error();
    }
    return std::shared_ptr<NodeRunner>(*route);
}

Result<std::shared_ptr<NodeRunner>> buildSplit(NodeFactory &, const PlannedNode &node)
{
    Result<std::shared_ptr<SplitNode>> split = SplitNode::create(node.settings);
    if (!split) {
        return split.error();
    }
    return std::shared_ptr<NodeRunner>(*split);
}

// The node's operation through the connector of its system's family: the connector's method and
// path (the node's own path appended), its {externalId} taken from the message.
Result<ConnectorUse> bindOperation(NodeFactory &factory, HttpNodeSettings &http)
{
    const model::WorkspaceObject *system = factory.workspace().find(model::ObjectKind::System,
                                                                    http.system);
    const QString family = system ? settingText(system->document, "family") : QString();
    const auto &registry = factory.services().connectors;
    const plugin::LoadedConnector *connector = registry ? registry->forFamily(family) : nullptr;
    if (!connector) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/operation: no connector of the family \"%1\" "
                                          "is loaded (system %2)")
                               .arg(family, http.system));
    }
    const plugin::ObjectSpec *object = connector->description.object(http.object);
    const plugin::OperationSpec *op = object ? object->operation(http.operation) : nullptr;
    if (!op) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/operation: the %1 connector cannot %2 a %3")
                               .arg(connector->id, http.operation, http.object));
    }
    if (op->needsExternalId() && http.externalIdPointer.isEmpty()) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/externalId: %1 of a %2 needs the JSON pointer "
                                          "of its external id")
                               .arg(http.operation, http.object));
    }
    QString path = op->path;
    path.replace(QLatin1String("{externalId}"), u'{' + http.externalIdPointer + u'}');
    http.path = path + http.path;
    http.method = op->method;
    return ConnectorUse{connector->connector, connector->id};
}

Result<std::shared_ptr<NodeRunner>> buildHttp(NodeFactory &factory, const PlannedNode &node)
{
    Result<HttpNodeSettings> http = HttpNodeSettings::fromJson(node.settings);
    if (!http) {
        return http.error();
    }
    Result<SystemTarget> system = factory.target(http->system);
    if (!system) {
        return system.error();
    }
    ConnectorUse connector;
    if (!http->operation.isEmpty()) {
        Result<ConnectorUse> bound = bindOperation(factory, *http);
        if (!bound) {
            return bound.error();
        }
        connector = *bound;
    }
    const NodeServices &services = factory.services();
    auto runner = std::make_shared<HttpNode>(node, std::move(*http), *system, services.store,
                                             services.http, services.clockMs, std::move(connector));
    if (node.settings.contains("mapping")) {
        Result<std::shared_ptr<MapNode>> body = mappingOf(factory, node);
        if (!body) {
            return body.error();
        }
        runner->setBody(*body);
    }
    return std::shared_ptr<NodeRunner>(runner);
}

Result<std::shared_ptr<NodeRunner>> buildPublish(NodeFactory &factory, const PlannedNode &node)
{
    Result<std::shared_ptr<PublishNode>> publish = PublishNode::create(node.settings,
                                                                       factory.services().topics);
    if (!publish) {
        return publish.error();
    }
    return std::shared_ptr<NodeRunner>(*publish);
}

Result<std::shared_ptr<NodeRunner>> buildRespond(NodeFactory &factory, const PlannedNode &node)
{
    Result<std::shared_ptr<RespondNode>> respond = RespondNode::create(node.settings,
                                                                       factory.services().replies);
    if (!respond) {
        return respond.error();
    }
    return std::shared_ptr<NodeRunner>(*respond);
}

// The node types with an input queue that this engine runs, one line each.
struct BuilderEntry
{
    const char *type;
    NodeBuilder build;
};

constexpr BuilderEntry kBuilders[] = {
    {"validate", &buildValidate},
    {"map", &buildMap},
    {"route", &buildRoute},
    {"split", &buildSplit},
    {"http", &buildHttp},
    {"aggregate", &buildAggregate},
    {"dedupe", &buildDedupe},
    {"lookup", &buildLookup},
    {"write", &buildWrite},
    {"delay", &buildDelay},
    {"errorBranch", &buildErrorBranch},
    {"publish", &buildPublish},
    {"respond", &buildRespond},
};

// Trigger types the engine itself runs (they have no runner).
constexpr const char *kTriggers[] = {
    "webhook", // the webhook ingress
    "schedule", "poll", "subscribe", "manual", // the trigger host
};

NodeBuilder builderFor(const QString &type)
{
    for (const BuilderEntry &entry : kBuilders) {
        if (type == QLatin1String(entry.type)) {
            return entry.build;
        }
    }
    return nullptr;
}

} // namespace

NodeFactory::NodeFactory(model::Workspace workspace, NodeServices services,
                         std::shared_ptr<SystemTargets> targets)
    : m_workspace(std::move(workspace))
    , m_services(std::move(services))
    , m_targets(targets ? std::move(targets) : std::make_shared<SystemTargets>(m_services.secrets))
{
    for (const model::WorkspaceObject &schema : m_workspace.objects(model::ObjectKind::Canonical)) {
        m_schemas.add(schema.file.section(u'/', -1), json::fromNlohmann(schema.document));
    }
}

QStringList NodeFactory::supportedTypes()
{
    QStringList types;
    for (const char *trigger : kTriggers) {
        types.append(QString::fromLatin1(trigger));
    }
    for (const BuilderEntry &entry : kBuilders) {
        types.append(QString::fromLatin1(entry.type));
    }
    return types;
}

Result<QHash<QString, std::shared_ptr<NodeRunner>>> NodeFactory::build(const FlowPlan &plan)
{
    QHash<QString, std::shared_ptr<NodeRunner>> runners;
    QStringList problems;
    const QStringList supported = supportedTypes();
    for (const QString &id : plan.nodeOrder) {
        const PlannedNode &node = *plan.node(id);
        const NodeTypeInfo *info = findNodeType(node.type);
        if (!info || !supported.contains(node.type)) {
            problems.append(QStringLiteral("node %1: this engine cannot run \"%2\" nodes "
                                           "(it runs %3)")
                                .arg(node.id, node.type, supported.join(QStringLiteral(", "))));
            continue;
        }
        if (const QStringList wrong = checkNodeSettings(*info, node.settings); !wrong.isEmpty()) {
            problems.append(QStringLiteral("node %1 (%2): %3")
                                .arg(node.id, node.type, wrong.join(QStringLiteral("; "))));
            continue;
        }
        if (node.isTrigger) {
            continue;
        }
        Result<std::shared_ptr<NodeRunner>> runner = buildNode(node);
        if (!runner) {
            problems.append(QStringLiteral("node %1 (%2): %3")
                                .arg(node.id, node.type, runner.error().message));
            continue;
        }
        runners.insert(id, *runner);
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("flow %1 cannot run: %2")
                               .arg(plan.flowId, problems.join(QStringLiteral("; "))));
    }
    return runners;
}

Result<std::shared_ptr<NodeRunner>> NodeFactory::buildNode(const PlannedNode &node)
{
    const NodeBuilder build = builderFor(node.type);
    return build(*this, node);
}

Result<SystemTarget> NodeFactory::target(const QString &systemId)
{
    const model::WorkspaceObject *system = m_workspace.find(model::ObjectKind::System, systemId);
    if (!system) {
        return Error::make(QStringLiteral("SYSTEM_INVALID"),
                           QStringLiteral("no system \"%1\" in the workspace").arg(systemId));
    }
    return m_targets->get(system->document);
}

Result<QList<WebhookTrigger>> NodeFactory::webhookTriggers(const FlowPlan &plan)
{
    // A flow that answers its senders (respond nodes) keeps them waiting up to the longest wait.
    qint64 replyTimeoutMs = 0;
    for (const QString &id : plan.nodeOrder) {
        const PlannedNode &node = *plan.node(id);
        if (node.type == QLatin1String("respond")) {
            replyTimeoutMs = std::max(replyTimeoutMs, RespondNode::timeoutMs(node.settings));
        }
    }
    QList<WebhookTrigger> triggers;
    for (const QString &id : plan.nodeOrder) {
        const PlannedNode &node = *plan.node(id);
        if (node.type != QLatin1String("webhook")) {
            continue;
        }
        WebhookTrigger trigger;
        trigger.flowId = plan.flowId;
        trigger.triggerId = node.id;
        trigger.flowVersion = plan.version;
        trigger.firstNodes = node.successors();
        trigger.replyTimeoutMs = replyTimeoutMs;
        const nlohmann::json &settings = node.settings;
        if (const QString pointer = settingText(settings, "deliveryId"); !pointer.isEmpty()) {
            trigger.deliveryIdPointer = pointer;
        }
        trigger.deliveryIdHeader = settingText(settings, "deliveryIdHeader").toLatin1();
        trigger.businessKeyPointer = settingText(settings, "businessKey");
        trigger.orderingKeyPointer = orderingKeyPointer(settings);
        if (const auto max = settings.find("maxBytes"); max != settings.end() && max->is_number_integer()) {
            trigger.limits.maxBytes = max->get<qint64>();
        }
        // Signatures come from the sending system's "webhooks" settings.
        const QString systemId = settingText(settings, "system");
        if (!systemId.isEmpty()) {
            const model::WorkspaceObject *system = m_workspace.find(model::ObjectKind::System,
                                                                    systemId);
            if (!system) {
                return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                                   QStringLiteral("node %1: no system \"%2\"").arg(id, systemId));
            }
            const nlohmann::json hooks = system->document.value("webhooks", nlohmann::json::object());
            const QString scheme = settingText(hooks, "signature");
            if (scheme == QLatin1String("stripe") || scheme == QLatin1String("hmacSha256")) {
                trigger.signature = scheme == QLatin1String("stripe")
                                        ? net::SignatureScheme::TimestampedV1
                                        : net::SignatureScheme::Sha256Prefixed;
                trigger.signatureHeader = settingText(hooks, "header").toLower().toLatin1();
                if (trigger.signatureHeader.isEmpty()) {
                    trigger.signatureHeader = scheme == QLatin1String("stripe") ? "stripe-signature"
                                                                                : "x-signature-256";
                }
                const QString reference = settingText(hooks, "secretRef");
                for (const QString &ref : {reference, reference + QStringLiteral("#previous")}) {
                    if (const auto secret = m_services.secrets ? m_services.secrets(ref)
                                                               : std::nullopt) {
                        trigger.secrets.append(*secret);
                    }
                }
                if (trigger.secrets.isEmpty()) {
                    return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                                       QStringLiteral("node %1: the webhook secret %2 of system "
                                                      "%3 is not available to this engine")
                                           .arg(id, reference, systemId));
                }
            }
        }
        triggers.append(trigger);
    }
    return triggers;
}

} // namespace syncline::engine::runtime
