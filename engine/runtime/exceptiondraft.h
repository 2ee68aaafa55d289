#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/store/records.h"

namespace syncline::engine::runtime {

/// For the executor: the exception a Failed step becomes, committed with the step. Category and
/// owner come from the node when it knows (an error branch's settings), else from the reason
/// code (store::defaultCategoryFor) and the flow's policy; the SLA from the policy. An error
/// branch raises for the node that failed before it: a replay resubmits the input there, not at
/// the error branch (which would raise again).
store::NewException draftException(const FlowPlan &plan,
                                   const PlannedNode &node,
                                   const store::WorkItem &item,
                                   const NodeOutcome &outcome,
                                   const QString &reasonCode);

} // namespace syncline::engine::runtime
