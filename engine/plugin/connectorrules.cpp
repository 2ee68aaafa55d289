#include "engine/plugin/connectorrules.h"

#include "engine/model/problemcodes.h"
#include "engine/plugin/connectorregistry.h"

namespace syncline::engine::plugin {

namespace {

QString text(const nlohmann::json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

struct NodeContext
{
    const model::WorkspaceObject &flow;
    QString pointer; // "/nodes/3/settings"
    model::ProblemList &problems;

    void report(const char *setting, QLatin1StringView code, const QString &message) const
    {
        model::Problem problem;
        problem.file = flow.file;
        problem.pointer = pointer + u'/' + QLatin1String(setting);
        problem.kind = model::ObjectKind::Flow;
        problem.objectId = flow.id;
        problem.code = QString(code);
        problem.message = message;
        problems.append(problem);
    }
};

void checkNode(const NodeContext &node,
               const nlohmann::json &settings,
               const model::Workspace &workspace,
               const ConnectorRegistry &registry)
{
    // A poll of a connector object lists it.
    const QString operation = text(settings, "operation").isEmpty() ? QStringLiteral("list")
                                                                    : text(settings, "operation");
    const QString systemId = text(settings, "system");
    const model::WorkspaceObject *system = workspace.find(model::ObjectKind::System, systemId);
    if (!system) {
        return; // the flow rules report a missing system
    }
    const QString family = text(system->document, "family");
    const LoadedConnector *connector = registry.forFamily(family);
    if (!connector) {
        node.report("operation",
                    model::kProblemMissingReference,
                    QStringLiteral("the operation \"%1\" needs the connector of the family \"%2\" "
                                   "(system %3), and this engine loaded none (see "
                                   "`syncline-engine connectors`)")
                        .arg(operation, family, systemId));
        return;
    }
    const QString objectName = text(settings, "object");
    const ObjectSpec *object = connector->description.object(objectName);
    if (!object) {
        node.report("object",
                    model::kProblemMissingReference,
                    QStringLiteral("the %1 connector has no object \"%2\"; it has %3")
                        .arg(connector->id,
                             objectName,
                             connector->description.objectNames().join(QStringLiteral(", "))));
        return;
    }
    const OperationSpec *op = object->operation(operation);
    if (!op) {
        QStringList names;
        for (const OperationSpec &spec : object->operations) {
            names.append(spec.name);
        }
        node.report(
            "operation",
            model::kProblemMissingReference,
            QStringLiteral("the %1 connector cannot %2 a %3; it can %4")
                .arg(connector->id, operation, objectName, names.join(QStringLiteral(", "))));
        return;
    }
    if (op->needsExternalId() && text(settings, "externalId").isEmpty()) {
        node.report("externalId",
                    model::kProblemMissingField,
                    QStringLiteral("%1 of a %2 addresses one document: name the JSON pointer of "
                                   "its external id in the message")
                        .arg(operation, objectName));
    }
}

} // namespace

model::ProblemList checkConnectorUse(const model::Workspace &workspace,
                                     const ConnectorRegistry &registry)
{
    model::ProblemList problems;
    for (const model::WorkspaceObject &flow : workspace.objects(model::ObjectKind::Flow)) {
        const auto nodes = flow.document.find("nodes");
        if (nodes == flow.document.end() || !nodes->is_array()) {
            continue;
        }
        for (std::size_t i = 0; i < nodes->size(); ++i) {
            const nlohmann::json &node = (*nodes)[i];
            const QString type = node.is_object() ? text(node, "type") : QString();
            const auto settings = node.is_object() ? node.find("settings") : node.end();
            if (settings == node.end() || !settings->is_object()) {
                continue;
            }
            const bool usesConnector = type == QLatin1String("http")
                                           ? !text(*settings, "operation").isEmpty()
                                           : type == QLatin1String("poll")
                                                 && !text(*settings, "object").isEmpty();
            if (!usesConnector) {
                continue;
            }
            checkNode({flow, QStringLiteral("/nodes/%1/settings").arg(i), problems},
                      *settings,
                      workspace,
                      registry);
        }
    }
    return problems;
}

} // namespace syncline::engine::plugin
