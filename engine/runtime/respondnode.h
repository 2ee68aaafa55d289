#pragma once

#include "engine/runtime/noderunner.h"
#include "engine/runtime/replies.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>

namespace syncline::engine::runtime {

/// Answers the webhook request that started the message: the sender, still waiting on its
/// request (up to the node's timeoutMs), gets the message as it reached this node as its
/// response body with the node's status. The message goes on along the node's edges. When
/// nobody waits any more (the sender's wait ran out, or the message came by a replay) the step
/// still succeeds: answering is not an effect and is never retried.
class RespondNode final : public NodeRunner
{
public:
    static constexpr qint64 kDefaultTimeoutMs = 1000;

    static Result<std::shared_ptr<RespondNode>> create(const nlohmann::json &settings,
                                                       std::shared_ptr<Replies> replies);
    RespondNode(int status, std::shared_ptr<Replies> replies);

    NodeOutcome run(const store::WorkItem &item) override;

    /// How long a webhook of a flow with this node waits for its answer.
    static qint64 timeoutMs(const nlohmann::json &settings);

private:
    int m_status;
    std::shared_ptr<Replies> m_replies;
};

} // namespace syncline::engine::runtime
