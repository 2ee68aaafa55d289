#include "engine/runtime/exceptiondraft.h"

#include "engine/runtime/errorbranch.h"

namespace syncline::engine::runtime {

namespace {

QString headerText(const QByteArray &headers, const char *name)
{
    const nlohmann::json parsed = nlohmann::json::parse(
        headers.constData(), headers.constData() + headers.size(), nullptr, false);
    if (!parsed.is_object()) {
        return {};
    }
    const auto found = parsed.find(name);
    return found != parsed.end() && found->is_string()
               ? QString::fromStdString(found->get<std::string>())
               : QString();
}

// Where an error branch's exception is replayed: the node that failed, with its input (the
// branch's input is a copy of it, caused by it), or the route that sent the message here.
void resumeBeforeErrorBranch(const FlowPlan &plan,
                             const PlannedNode &node,
                             const store::WorkItem &item,
                             store::NewException &e)
{
    const QString failedNode = headerText(item.message.headers, kErrorNodeHeader);
    if (!failedNode.isEmpty() && plan.node(failedNode) && !item.message.causationId.isEmpty()) {
        e.resumeNodeId = failedNode;
        e.resumeMessageId = item.message.causationId;
        return;
    }
    const QStringList before = plan.predecessors(node.id);
    if (before.size() == 1 && plan.node(before.first())->type == QLatin1String("route")) {
        e.resumeNodeId = before.first(); // a route passes its input on unchanged
        return;
    }
    e.replayBlocker = QStringLiteral("error branch %1 raised it for a message it was sent "
                                     "directly (from %2), so resubmitting would raise it again; "
                                     "discard it once it is dealt with")
                          .arg(node.id, before.join(QStringLiteral(", ")));
}

} // namespace

store::NewException draftException(const FlowPlan &plan,
                                   const PlannedNode &node,
                                   const store::WorkItem &item,
                                   const NodeOutcome &outcome,
                                   const QString &reasonCode)
{
    store::NewException e;
    e.reasonCode = reasonCode;
    e.category = outcome.category && reasonCode == outcome.errorCode
                     ? *outcome.category
                     : store::defaultCategoryFor(reasonCode);
    e.pointer = outcome.errorPointer;
    e.facts = outcome.errorFacts;
    e.ownerRole =
        outcome.ownerRole.isEmpty() ? plan.policy.ownerFor(e.category) : outcome.ownerRole;
    e.slaMs = plan.policy.slaMs(e.category);
    if (node.type == QLatin1String("errorBranch")) {
        resumeBeforeErrorBranch(plan, node, item, e);
    }
    return e;
}

} // namespace syncline::engine::runtime
