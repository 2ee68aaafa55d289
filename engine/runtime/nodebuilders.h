#pragma once

#include "engine/runtime/nodefactory.h"

namespace syncline::engine::runtime {

/// Builders (NodeFactory's table) of the stateful and control node types.
Result<std::shared_ptr<NodeRunner>> buildDedupe(NodeFactory &factory, const PlannedNode &node);
Result<std::shared_ptr<NodeRunner>> buildAggregate(NodeFactory &factory, const PlannedNode &node);
Result<std::shared_ptr<NodeRunner>> buildLookup(NodeFactory &factory, const PlannedNode &node);
Result<std::shared_ptr<NodeRunner>> buildWrite(NodeFactory &factory, const PlannedNode &node);
Result<std::shared_ptr<NodeRunner>> buildDelay(NodeFactory &factory, const PlannedNode &node);
Result<std::shared_ptr<NodeRunner>> buildErrorBranch(NodeFactory &factory,
                                                     const PlannedNode &node);

} // namespace syncline::engine::runtime
