#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"

#include <QString>

#include <memory>

namespace syncline::engine::runtime {

/// The output name an analyst draws from any node to its error path.
inline constexpr auto kErrorOutput = "error";

/// Header names the executor adds to a message it sends down an "error" edge.
inline constexpr auto kErrorCodeHeader = "syncline:error-code";
inline constexpr auto kErrorDetailHeader = "syncline:error-detail";
inline constexpr auto kErrorNodeHeader = "syncline:error-node";
inline constexpr auto kErrorPointerHeader = "syncline:error-pointer";

/// For the executor: when a step ends Failed (a business failure or retries exhausted) at a node
/// with successors on its "error" output, turns it into a Succeeded step that keeps the error code
/// and detail and sends a copy of the input — the error added to its headers — to each of them
/// (edge kind "error"). An Uncertain effect is never diverted: only a person may decide whether it
/// took place. Returns whether the step was diverted.
bool divertToErrorBranch(const PlannedNode &node, const store::WorkItem &item,
                         store::StepResult &step);

/// The end of an error path: either raises a business exception (the message is parked for the
/// exception queue under the node's reason code, naming the owner role and the original failure)
/// or continues on a compensating path, optionally with the error written into the payload.
class ErrorBranchNode final : public NodeRunner
{
public:
    static Result<std::shared_ptr<ErrorBranchNode>> create(const nlohmann::json &settings);
    NodeOutcome run(const store::WorkItem &item) override;

private:
    ErrorBranchNode() = default;

    bool m_raise = true;
    QString m_reasonCode;
    QString m_ownerRole;
    std::optional<store::ExceptionCategory> m_category;
    QString m_reason;
    QString m_errorField; // "continue": the payload member the error is written to
};

} // namespace syncline::engine::runtime
