#include "engine/runtime/nodebuilders.h"

#include "engine/runtime/aggregatenode.h"
#include "engine/runtime/dedupenode.h"
#include "engine/runtime/delaynode.h"
#include "engine/runtime/errorbranch.h"
#include "engine/runtime/lookupnode.h"
#include "engine/runtime/nodesupport.h"
#include "engine/runtime/writenode.h"

namespace syncline::engine::runtime {

namespace {

template<typename T>
Result<std::shared_ptr<NodeRunner>> runner(Result<std::shared_ptr<T>> made)
{
    if (!made) {
        return made.error();
    }
    return std::shared_ptr<NodeRunner>(*made);
}

} // namespace

Result<std::shared_ptr<NodeRunner>> buildDedupe(NodeFactory &factory, const PlannedNode &node)
{
    const NodeServices &services = factory.services();
    return runner(DedupeNode::create(node, services.store, services.clockMs));
}

Result<std::shared_ptr<NodeRunner>> buildAggregate(NodeFactory &factory, const PlannedNode &node)
{
    const NodeServices &services = factory.services();
    return runner(AggregateNode::create(node, services.store, services.clockMs));
}

Result<std::shared_ptr<NodeRunner>> buildLookup(NodeFactory &factory, const PlannedNode &node)
{
    const QString tableId = settingText(node.settings, "lookup");
    const model::WorkspaceObject *table = tableId.isEmpty()
                                              ? nullptr
                                              : factory.workspace().find(model::ObjectKind::Lookup,
                                                                         tableId);
    return runner(LookupNode::create(node, table ? table->document : nlohmann::json(),
                                     factory.services().store));
}

Result<std::shared_ptr<NodeRunner>> buildWrite(NodeFactory &factory, const PlannedNode &node)
{
    const NodeServices &services = factory.services();
    return runner(WriteNode::create(node, services.store, services.clockMs));
}

Result<std::shared_ptr<NodeRunner>> buildDelay(NodeFactory &factory, const PlannedNode &node)
{
    return runner(DelayNode::create(node, factory.services().clockMs));
}

Result<std::shared_ptr<NodeRunner>> buildErrorBranch(NodeFactory &, const PlannedNode &node)
{
    return runner(ErrorBranchNode::create(node.settings));
}

} // namespace syncline::engine::runtime
