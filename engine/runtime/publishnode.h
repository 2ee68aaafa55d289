#pragma once

#include "engine/runtime/noderunner.h"
#include "engine/runtime/topicregistry.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace syncline::engine::runtime {

/// The publish effect: hands the message to every flow subscribed to an internal topic. Each
/// subscriber gets a child message (same correlation id, lineage edge "publish") queued at the
/// nodes after its subscribe node, in the same transaction as the publish step — so a message
/// is published exactly once whatever crashes, and each subscriber runs it on the flow version
/// that was latest when it was published. The input also moves on to the publish node's own
/// successors. A topic without subscribers takes the message and hands it to nobody.
///
/// A published message carries `publishHops` in its headers; one that has been handed on
/// kMaxHops times (flows publishing to each other in a circle) fails with PUBLISH_LOOP.
class PublishNode final : public NodeRunner
{
public:
    static constexpr int kMaxHops = 8;

    PublishNode(QString topic, std::shared_ptr<const TopicRegistry> topics);
    static Result<std::shared_ptr<PublishNode>> create(const nlohmann::json &settings,
                                                       std::shared_ptr<const TopicRegistry> topics);

    NodeOutcome run(const store::WorkItem &item) override;

private:
    QString m_topic;
    std::shared_ptr<const TopicRegistry> m_topics;
};

} // namespace syncline::engine::runtime
