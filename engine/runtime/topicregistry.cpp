#include "engine/runtime/topicregistry.h"

#include <algorithm>

namespace syncline::engine::runtime {

void TopicRegistry::setSubscriptions(const QList<Subscription> &subscriptions)
{
    QHash<QString, QList<Subscription>> byTopic;
    for (const Subscription &s : subscriptions) {
        byTopic[s.topic].append(s);
    }
    for (QList<Subscription> &list : byTopic) {
        std::sort(list.begin(), list.end(), [](const Subscription &a, const Subscription &b) {
            return a.flowId != b.flowId ? a.flowId < b.flowId : a.nodeId < b.nodeId;
        });
    }
    std::lock_guard lock(m_mutex);
    m_byTopic.swap(byTopic);
}

QList<Subscription> TopicRegistry::subscribers(const QString &topic) const
{
    std::lock_guard lock(m_mutex);
    return m_byTopic.value(topic);
}

QStringList TopicRegistry::topics() const
{
    std::lock_guard lock(m_mutex);
    QStringList names = m_byTopic.keys();
    names.sort();
    return names;
}

} // namespace syncline::engine::runtime
