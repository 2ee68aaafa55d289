#include "engine/runtime/publishnode.h"

#include "engine/runtime/orderingkey.h"

namespace syncline::engine::runtime {

PublishNode::PublishNode(QString topic, std::shared_ptr<const TopicRegistry> topics)
    : m_topic(std::move(topic))
    , m_topics(std::move(topics))
{}

Result<std::shared_ptr<PublishNode>> PublishNode::create(
    const nlohmann::json &settings, std::shared_ptr<const TopicRegistry> topics)
{
    const auto topic = settings.find("topic");
    if (topic == settings.end() || !topic->is_string() || topic->get<std::string>().empty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/topic: a publish node names its topic"));
    }
    if (!topics) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("this engine has no topic registry"));
    }
    return std::make_shared<PublishNode>(QString::fromStdString(topic->get<std::string>()),
                                         std::move(topics));
}

NodeOutcome PublishNode::run(const store::WorkItem &item)
{
    const store::StoredMessage &input = item.message;
    nlohmann::json headers = nlohmann::json::parse(input.headers.constData(),
                                                   input.headers.constData()
                                                       + input.headers.size(),
                                                   nullptr, false);
    if (!headers.is_object()) {
        headers = nlohmann::json::object();
    }
    const int hops = headers.value("publishHops", 0);
    if (hops >= kMaxHops) {
        return NodeOutcome::fail(QStringLiteral("PUBLISH_LOOP"),
                                 QStringLiteral("the message was published %1 times already; "
                                                "flows publishing to each other in a circle?")
                                     .arg(hops));
    }
    headers["publishHops"] = hops + 1;
    headers["topic"] = m_topic.toStdString();
    const QByteArray childHeaders = QByteArray::fromStdString(headers.dump());

    QList<store::StepOutput> outputs;
    for (const Subscription &subscriber : m_topics->subscribers(m_topic)) {
        const QString orderingKey = orderingKeyOf(input.payload, subscriber.orderingKeyPointer);
        for (const QString &first : subscriber.firstNodes) {
            store::NewMessage child;
            child.flowId = subscriber.flowId;
            child.flowVersion = subscriber.flowVersion;
            child.correlationId = input.correlationId;
            child.causationId = input.messageId;
            child.businessKey = input.businessKey;
            child.headers = childHeaders;
            child.payload = input.payload;
            child.orderingKey = orderingKey;
            store::StepOutput output;
            output.nodeId = first;
            output.message = std::move(child);
            output.edgeKind = QStringLiteral("publish");
            outputs.append(std::move(output));
        }
    }
    // An output without node and message: the input itself moves on to this node's successors.
    outputs.append(store::StepOutput{});
    return NodeOutcome::produce(std::move(outputs));
}

} // namespace syncline::engine::runtime
