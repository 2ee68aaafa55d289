#include "engine/runtime/nodefactory.h"

#include "engine/runtime/httpnode.h"
#include "engine/runtime/transformnodes.h"

namespace syncline::engine::runtime {

namespace {

QString settingText(const nlohmann::json &settings, const char *key)
{
    const auto it = settings.find(key);
    return it != settings.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                   : QString();
}

Error cannotRun(const PlannedNode &node, const QString &why)
{
    return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                       QStringLiteral("node %1 (%2): %3").arg(node.id, node.type, why));
}

} // namespace

NodeFactory::NodeFactory(model::Workspace workspace, NodeServices services)
    : m_workspace(std::move(workspace))
    , m_services(std::move(services))
{
    for (const model::WorkspaceObject &schema : m_workspace.objects(model::ObjectKind::Canonical)) {
        m_schemas.add(schema.file.section(u'/', -1), json::fromNlohmann(schema.document));
    }
}

QStringList NodeFactory::supportedTypes()
{
    return {QStringLiteral("webhook"), QStringLiteral("validate"), QStringLiteral("map"),
            QStringLiteral("route"),   QStringLiteral("split"),    QStringLiteral("http")};
}

Result<QHash<QString, std::shared_ptr<NodeRunner>>> NodeFactory::build(const FlowPlan &plan)
{
    QHash<QString, std::shared_ptr<NodeRunner>> runners;
    QStringList problems;
    for (const QString &id : plan.nodeOrder) {
        const PlannedNode &node = *plan.node(id);
        if (!supportedTypes().contains(node.type)) {
            problems.append(QStringLiteral("node %1: this engine cannot run \"%2\" nodes yet "
                                           "(it runs %3)")
                                .arg(node.id, node.type,
                                     supportedTypes().join(QStringLiteral(", "))));
            continue;
        }
        if (node.isTrigger) {
            continue;
        }
        Result<std::shared_ptr<NodeRunner>> runner = buildNode(node);
        if (!runner) {
            problems.append(runner.error().message);
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
    const nlohmann::json &settings = node.settings;
    if (node.type == QLatin1String("validate")) {
        const QString schemaId = settingText(settings, "schema");
        const model::WorkspaceObject *schema = m_workspace.find(model::ObjectKind::Canonical,
                                                                schemaId);
        if (!schema) {
            return cannotRun(node, QStringLiteral("settings/schema names no canonical entity "
                                                  "(\"%1\")")
                                       .arg(schemaId));
        }
        Result<schema::SchemaValidator> validator = schema::SchemaValidator::compile(
            json::fromNlohmann(schema->document), m_schemas, schema->file.section(u'/', -1));
        if (!validator) {
            return cannotRun(node, validator.error().message);
        }
        return std::shared_ptr<NodeRunner>(
            std::make_shared<ValidateNode>(schemaId, std::move(*validator)));
    }
    if (node.type == QLatin1String("map")) {
        const QString mappingId = settingText(settings, "mapping");
        const model::WorkspaceObject *mapping = m_workspace.find(model::ObjectKind::Mapping,
                                                                 mappingId);
        if (!mapping) {
            return cannotRun(node, QStringLiteral("settings/mapping names no mapping (\"%1\")")
                                       .arg(mappingId));
        }
        Result<std::shared_ptr<MapNode>> map = MapNode::create(
            mappingId, mapping->document.value("fields", nlohmann::json()));
        if (!map) {
            return cannotRun(node, map.error().message);
        }
        return std::shared_ptr<NodeRunner>(*map);
    }
    if (node.type == QLatin1String("route")) {
        Result<std::shared_ptr<RouteNode>> route = RouteNode::create(settings);
        if (!route) {
            return cannotRun(node, route.error().message);
        }
        return std::shared_ptr<NodeRunner>(*route);
    }
    if (node.type == QLatin1String("split")) {
        Result<std::shared_ptr<SplitNode>> split = SplitNode::create(settings);
        if (!split) {
            return cannotRun(node, split.error().message);
        }
        return std::shared_ptr<NodeRunner>(*split);
    }
    // http
    Result<HttpNodeSettings> http = HttpNodeSettings::fromJson(settings);
    if (!http) {
        return cannotRun(node, http.error().message);
    }
    Result<SystemTarget> system = target(http->system);
    if (!system) {
        return cannotRun(node, system.error().message);
    }
    return std::shared_ptr<NodeRunner>(std::make_shared<HttpNode>(
        node, std::move(*http), *system, m_services.store, m_services.http, m_services.clockMs));
}

Result<SystemTarget> NodeFactory::target(const QString &systemId)
{
    if (const auto found = m_targets.constFind(systemId); found != m_targets.cend()) {
        return *found;
    }
    const model::WorkspaceObject *system = m_workspace.find(model::ObjectKind::System, systemId);
    if (!system) {
        return Error::make(QStringLiteral("SYSTEM_INVALID"),
                           QStringLiteral("no system \"%1\" in the workspace").arg(systemId));
    }
    Result<SystemTarget> target = SystemTarget::fromDocument(system->document,
                                                             m_services.secrets);
    if (target) {
        m_targets.insert(systemId, *target);
    }
    return target;
}

Result<QList<WebhookTrigger>> NodeFactory::webhookTriggers(const FlowPlan &plan)
{
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
        const nlohmann::json &settings = node.settings;
        if (const QString pointer = settingText(settings, "deliveryId"); !pointer.isEmpty()) {
            trigger.deliveryIdPointer = pointer;
        }
        trigger.deliveryIdHeader = settingText(settings, "deliveryIdHeader").toLatin1();
        trigger.businessKeyPointer = settingText(settings, "businessKey");
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
