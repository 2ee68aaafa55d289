#include "engine/runtime/backpressure.h"

namespace syncline::engine::runtime {

namespace {

QString depthKey(const QString &flowId, const QString &nodeId)
{
    return flowId + u'\n' + nodeId;
}

QString edgesKey(const QString &flowId, int version, const QString &nodeId)
{
    return flowId + u'\n' + QString::number(version) + u'\n' + nodeId;
}

} // namespace

void BackPressure::addFlow(const FlowPlan &plan)
{
    std::lock_guard lock(m_mutex);
    for (const PlannedNode &node : plan.nodes) {
        QList<Edge> edges;
        for (auto it = node.thresholds.cbegin(); it != node.thresholds.cend(); ++it) {
            edges.append({it.key(), it.value()});
        }
        m_edges.insert(edgesKey(plan.flowId, plan.version, node.id), edges);
    }
}

void BackPressure::setDepths(const QList<store::QueueDepth> &depths)
{
    QHash<QString, Depth> fresh;
    for (const store::QueueDepth &depth : depths) {
        Depth &d = fresh[depthKey(depth.flowId, depth.nodeId)];
        d.messages += depth.ready + depth.delayed;
        d.bytes += depth.bytes;
    }
    std::lock_guard lock(m_mutex);
    m_depths.swap(fresh);
}

void BackPressure::queued(const QString &flowId, const QString &nodeId, qint64 messages,
                          qint64 bytes)
{
    std::lock_guard lock(m_mutex);
    Depth &d = m_depths[depthKey(flowId, nodeId)];
    d.messages += messages;
    d.bytes += bytes;
}

void BackPressure::taken(const QString &flowId, const QString &nodeId, qint64 messages,
                         qint64 bytes)
{
    std::lock_guard lock(m_mutex);
    const auto found = m_depths.find(depthKey(flowId, nodeId));
    if (found == m_depths.end()) {
        return;
    }
    // Never below zero: a sample taken after the claim may already have counted it out.
    found->messages = std::max<qint64>(0, found->messages - messages);
    found->bytes = std::max<qint64>(0, found->bytes - bytes);
}

const BackPressure::Edge *BackPressure::fullEdge(const QString &flowId, int flowVersion,
                                                 const QString &nodeId, Depth &depth) const
{
    const auto edges = m_edges.constFind(edgesKey(flowId, flowVersion, nodeId));
    if (edges == m_edges.cend()) {
        return nullptr;
    }
    for (const Edge &edge : *edges) {
        depth = m_depths.value(depthKey(flowId, edge.to));
        if (depth.messages >= edge.threshold.messages || depth.bytes >= edge.threshold.bytes) {
            return &edge;
        }
    }
    return nullptr;
}

bool BackPressure::isHeld(const QString &flowId, int flowVersion, const QString &nodeId) const
{
    std::lock_guard lock(m_mutex);
    Depth depth;
    return fullEdge(flowId, flowVersion, nodeId, depth) != nullptr;
}

std::optional<QString> BackPressure::held(const QString &flowId, int flowVersion,
                                          const QString &nodeId) const
{
    std::lock_guard lock(m_mutex);
    Depth depth;
    const Edge *edge = fullEdge(flowId, flowVersion, nodeId, depth);
    if (!edge) {
        return std::nullopt;
    }
    if (depth.messages >= edge->threshold.messages) {
        return QStringLiteral("the queue of %1 holds %2 messages (threshold %3)")
            .arg(edge->to)
            .arg(depth.messages)
            .arg(edge->threshold.messages);
    }
    return QStringLiteral("the queue of %1 holds %2 bytes of messages (threshold %3)")
        .arg(edge->to)
        .arg(depth.bytes)
        .arg(edge->threshold.bytes);
}

} // namespace syncline::engine::runtime
