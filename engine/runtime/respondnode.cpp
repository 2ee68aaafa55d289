#include "engine/runtime/respondnode.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

RespondNode::RespondNode(int status, std::shared_ptr<Replies> replies)
    : m_status(status)
    , m_replies(std::move(replies))
{}

Result<std::shared_ptr<RespondNode>> RespondNode::create(const nlohmann::json &settings,
                                                         std::shared_ptr<Replies> replies)
{
    if (!replies) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("this engine takes no webhook answers"));
    }
    const int status = settings.value("status", 200);
    return std::make_shared<RespondNode>(status, std::move(replies));
}

qint64 RespondNode::timeoutMs(const nlohmann::json &settings)
{
    return settings.value("timeoutMs", kDefaultTimeoutMs);
}

NodeOutcome RespondNode::run(const store::WorkItem &item)
{
    const bool answered = m_replies->deliver(item.message.correlationId,
                                             {m_status, item.message.payload});
    NodeOutcome outcome = NodeOutcome::next();
    if (!answered) {
        outcome.errorCode = QStringLiteral("NO_WAITING_SENDER");
        outcome.errorDetail = QStringLiteral("nobody waited for this answer any more (the "
                                             "sender's wait ran out, or the message was replayed)");
    }
    return outcome;
}

} // namespace syncline::engine::runtime
