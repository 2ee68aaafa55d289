#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <mutex>

namespace syncline::engine::runtime {

/// A flow that takes a topic's messages: its subscribe node in its latest deployed version.
struct Subscription
{
    QString topic;
    QString flowId;
    int flowVersion = 1;
    QString nodeId;         // the subscribe node
    QStringList firstNodes; // where a published message is queued
    QString orderingKeyPointer = {}; // orderingKey of the subscribe node; empty: unordered
};

/// Which flows subscribe to which internal topic. The engine replaces the whole set on every
/// deploy, so a publish always reaches the latest version of each subscribing flow. Thread-safe:
/// publish nodes read it from worker threads while a deploy writes it.
class TopicRegistry
{
public:
    void setSubscriptions(const QList<Subscription> &subscriptions);
    /// The subscribers of `topic`, ordered by flow id.
    QList<Subscription> subscribers(const QString &topic) const;
    QStringList topics() const;

private:
    mutable std::mutex m_mutex;
    QHash<QString, QList<Subscription>> m_byTopic;
};

} // namespace syncline::engine::runtime
