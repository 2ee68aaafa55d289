#include "engine/runtime/inputschema.h"

#include "engine/json/value.h"
#include "engine/runtime/nodesupport.h"

#include <QSet>

namespace syncline::engine::runtime {

namespace {

class Walk
{
public:
    Walk(const FlowPlan &plan, const model::Workspace &workspace)
        : m_plan(plan)
        , m_workspace(workspace)
    {
    }

    std::optional<DeclaredSchema> input(const QString &nodeId)
    {
        const PlannedNode *node = m_plan.node(nodeId);
        if (!node || m_visiting.contains(nodeId)) {
            return std::nullopt; // unknown, or a cycle: nothing declared
        }
        if (node->type == QLatin1String("validate")) {
            return validated(*node);
        }
        if (node->type == QLatin1String("map")) {
            return mappingEnd(*node, "source");
        }
        m_visiting.insert(nodeId);
        std::optional<DeclaredSchema> agreed;
        bool first = true;
        for (const QString &from : m_plan.nodeOrder) {
            const QHash<QString, QStringList> &next = m_plan.nodes[from].next;
            for (auto it = next.cbegin(); it != next.cend(); ++it) {
                if (!it.value().contains(nodeId)) {
                    continue;
                }
                const std::optional<DeclaredSchema> sent =
                    it.key() == QLatin1String("error") ? input(from) : output(from);
                if (first) {
                    agreed = sent;
                    first = false;
                } else if (!sent || !agreed || sent->entityId != agreed->entityId) {
                    agreed.reset();
                }
            }
        }
        m_visiting.remove(nodeId);
        return agreed;
    }

private:
    std::optional<DeclaredSchema> output(const QString &nodeId)
    {
        const PlannedNode *node = m_plan.node(nodeId);
        if (!node || node->isTrigger || node->type == QLatin1String("split") ||
            node->type == QLatin1String("aggregate")) {
            return std::nullopt; // a new kind of document: nothing declares it
        }
        if (node->type == QLatin1String("validate")) {
            return validated(*node);
        }
        if (node->type == QLatin1String("map")) {
            return mappingEnd(*node, "target");
        }
        return input(nodeId);
    }

    static std::optional<DeclaredSchema> validated(const PlannedNode &node)
    {
        const QString id = settingText(node.settings, "schema");
        if (id.isEmpty()) {
            return std::nullopt;
        }
        return DeclaredSchema{id, QStringLiteral("validate node %1").arg(node.id)};
    }

    std::optional<DeclaredSchema> mappingEnd(const PlannedNode &node, const char *end) const
    {
        const QString mappingId = settingText(node.settings, "mapping");
        const model::WorkspaceObject *mapping =
            m_workspace.find(model::ObjectKind::Mapping, mappingId);
        if (!mapping) {
            return std::nullopt;
        }
        const nlohmann::json side = mapping->document.value(end, nlohmann::json::object());
        const QString entity = side.is_object() ? settingText(side, "entity") : QString();
        if (entity.isEmpty()) {
            return std::nullopt; // a system's own object: its connector knows its fields
        }
        return DeclaredSchema{entity,
                              QStringLiteral("mapping %1 (%2)").arg(mappingId, QLatin1String(end))};
    }

    const FlowPlan &m_plan;
    const model::Workspace &m_workspace;
    QSet<QString> m_visiting;
};

} // namespace

std::optional<DeclaredSchema>
declaredInputSchema(const FlowPlan &plan, const model::Workspace &workspace, const QString &nodeId)
{
    return Walk(plan, workspace).input(nodeId);
}

Result<schema::SchemaValidator> compileCanonical(const model::Workspace &workspace,
                                                 const QString &entityId)
{
    const model::WorkspaceObject *entity = workspace.find(model::ObjectKind::Canonical, entityId);
    if (!entity) {
        return Error::make(QStringLiteral("SCHEMA_MISSING"),
                           QStringLiteral("the flow version names canonical entity \"%1\", "
                                          "which its deployment does not hold")
                               .arg(entityId));
    }
    schema::SchemaSet set;
    for (const model::WorkspaceObject &schema : workspace.objects(model::ObjectKind::Canonical)) {
        set.add(schema.file.section(u'/', -1), json::fromNlohmann(schema.document));
    }
    return schema::SchemaValidator::compile(
        json::fromNlohmann(entity->document), set, entity->file.section(u'/', -1));
}

} // namespace syncline::engine::runtime
