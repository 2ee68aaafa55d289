#pragma once

#include "engine/store/records.h"

#include <QHash>
#include <QList>
#include <QString>

#include <array>
#include <deque>
#include <mutex>
#include <string>

namespace syncline::engine::runtime {

/// Latencies in buckets whose bounds grow by ~26% (four per doubling), from 0.1 ms to ~2 min:
/// percentiles within that error without keeping every value.
class LatencyHistogram
{
public:
    static constexpr int kBuckets = 84;
    static double upperBoundMs(int bucket);

    void add(double latencyMs);
    void merge(const LatencyHistogram &other);
    void clear();
    qint64 count() const { return m_count; }
    double sumMs() const { return m_sumMs; }
    /// The bucket bound at or below which `share` (0..1) of the values lie; 0 when empty.
    double percentileMs(double share) const;
    qint64 bucketCount(int bucket) const { return m_counts[size_t(bucket)]; }

private:
    std::array<qint64, kBuckets> m_counts{};
    qint64 m_count = 0;
    double m_sumMs = 0;
};

/// One node's figures at one sampling moment.
struct NodeSample
{
    qint64 atMs = 0;
    qint64 queueDepth = 0; // ready + delayed
    qint64 inFlight = 0;
    double processedPerSecond = 0;
    double failedPerSecond = 0;
    double retriedPerSecond = 0;
    double p50Ms = 0; // over the last interval
    double p99Ms = 0;
};

struct NodeMetrics
{
    QString flowId;
    QString nodeId;
    qint64 processed = 0; // totals since start
    qint64 failed = 0;
    qint64 retried = 0;
    qint64 inFlight = 0;
    store::QueueDepth depth;
    QList<NodeSample> history; // oldest first, one per sample() call
};

/// Per-node counters the workers update and a sampler freezes once a second into a short
/// history, for the studio's charts (which poll snapshot()) and for Prometheus. Thread-safe.
class Metrics
{
public:
    explicit Metrics(int historyLength = 600);

    void recordProcessed(const QString &flowId, const QString &nodeId, double latencyMs);
    void recordFailed(const QString &flowId, const QString &nodeId);
    void recordRetried(const QString &flowId, const QString &nodeId);
    void addInFlight(const QString &flowId, const QString &nodeId, int delta);
    /// The store's queue depths; nodes without a row have nothing waiting.
    void setQueueDepths(const QList<store::QueueDepth> &depths);

    /// Closes the current interval: one NodeSample per node, rates over the time since the
    /// previous sample.
    void sample(qint64 nowMs);

    QList<NodeMetrics> snapshot() const;
    /// Prometheus text exposition format 0.0.4.
    std::string prometheusText() const;

private:
    struct Node
    {
        NodeMetrics figures;
        LatencyHistogram total;
        LatencyHistogram interval;
        qint64 processedAtSample = 0;
        qint64 failedAtSample = 0;
        qint64 retriedAtSample = 0;
    };
    Node &node(const QString &flowId, const QString &nodeId);

    const int m_historyLength;
    mutable std::mutex m_mutex;
    QHash<QString, Node> m_nodes; // key: flow + '\n' + node
    qint64 m_lastSampleMs = -1;
};

} // namespace syncline::engine::runtime
