#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/store/records.h"

#include <QHash>
#include <QList>
#include <QString>

#include <mutex>
#include <optional>

namespace syncline::engine::runtime {

/// Per-edge back pressure: how full each node's input queue is, and whether a node may be fed
/// more. A node whose outgoing edge leads to a full queue is held — the executor claims none of
/// its work, a webhook trigger answers 503 — until the queue drains below the threshold.
///
/// Queue sizes (ready and delayed messages, their payload bytes) are counted per flow and node
/// over every deployed version. The metrics sampler sets the true sizes once a second; between
/// samples, ingest, step commits and claims adjust them, so a burst is held within a batch.
/// Thread-safe.
class BackPressure
{
public:
    /// Takes the thresholds of a deployed flow version's edges.
    void addFlow(const FlowPlan &plan);

    /// The queue sizes the store reports (replaces the running estimate).
    void setDepths(const QList<store::QueueDepth> &depths);
    /// Messages were queued at a node (ingest, a step's outputs, a retry put back).
    void queued(const QString &flowId, const QString &nodeId, qint64 messages, qint64 bytes);
    /// Messages were claimed from a node's queue.
    void taken(const QString &flowId, const QString &nodeId, qint64 messages, qint64 bytes);

    /// Why `nodeId` of a flow version must not be fed now — the first of its outgoing edges whose
    /// queue is at or over its threshold — or nothing when it may go on.
    std::optional<QString> held(const QString &flowId, int flowVersion,
                                const QString &nodeId) const;
    /// held() without the explanation, for the executor's scheduling loop.
    bool isHeld(const QString &flowId, int flowVersion, const QString &nodeId) const;

private:
    struct Edge
    {
        QString to;
        EdgeThreshold threshold;
    };
    struct Depth
    {
        qint64 messages = 0;
        qint64 bytes = 0;
    };

    /// The first full queue among the node's outgoing edges (called with the mutex held).
    const Edge *fullEdge(const QString &flowId, int flowVersion, const QString &nodeId,
                         Depth &depth) const;

    mutable std::mutex m_mutex;
    QHash<QString, QList<Edge>> m_edges; // key: flow, version, from node
    QHash<QString, Depth> m_depths;      // key: flow, node
};

} // namespace syncline::engine::runtime
