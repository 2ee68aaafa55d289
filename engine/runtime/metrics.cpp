#include "engine/runtime/metrics.h"

#include <algorithm>
#include <cmath>

namespace syncline::engine::runtime {

namespace {

constexpr double kFirstBoundMs = 0.1;
const double kGrowth = std::pow(2.0, 0.25);

// Label values are escaped as the exposition format asks: backslash, quote, newline.
std::string label(const QString &value)
{
    std::string out;
    for (char c : value.toStdString()) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

} // namespace

double LatencyHistogram::upperBoundMs(int bucket)
{
    return kFirstBoundMs * std::pow(kGrowth, bucket);
}

void LatencyHistogram::add(double latencyMs)
{
    int bucket = 0;
    if (latencyMs > kFirstBoundMs) {
        bucket = int(std::ceil(std::log(latencyMs / kFirstBoundMs) / std::log(kGrowth) - 1e-9));
    }
    bucket = std::clamp(bucket, 0, kBuckets - 1);
    ++m_counts[size_t(bucket)];
    ++m_count;
    m_sumMs += latencyMs;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    for (int i = 0; i < kBuckets; ++i) {
        m_counts[size_t(i)] += other.m_counts[size_t(i)];
    }
    m_count += other.m_count;
    m_sumMs += other.m_sumMs;
}

void LatencyHistogram::clear()
{
    *this = LatencyHistogram();
}

double LatencyHistogram::percentileMs(double share) const
{
    if (m_count == 0) {
        return 0;
    }
    const auto rank = qint64(std::ceil(share * double(m_count)));
    qint64 seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += m_counts[size_t(i)];
        if (seen >= std::max<qint64>(rank, 1)) {
            return upperBoundMs(i);
        }
    }
    return upperBoundMs(kBuckets - 1);
}

Metrics::Metrics(int historyLength)
    : m_historyLength(historyLength)
{}

Metrics::Node &Metrics::node(const QString &flowId, const QString &nodeId)
{
    Node &n = m_nodes[flowId + u'\n' + nodeId];
    if (n.figures.nodeId.isEmpty()) {
        n.figures.flowId = flowId;
        n.figures.nodeId = nodeId;
    }
    return n;
}

void Metrics::recordProcessed(const QString &flowId, const QString &nodeId, double latencyMs)
{
    std::lock_guard lock(m_mutex);
    Node &n = node(flowId, nodeId);
    ++n.figures.processed;
    n.total.add(latencyMs);
    n.interval.add(latencyMs);
}

void Metrics::recordFailed(const QString &flowId, const QString &nodeId)
{
    std::lock_guard lock(m_mutex);
    ++node(flowId, nodeId).figures.failed;
}

void Metrics::recordRetried(const QString &flowId, const QString &nodeId)
{
    std::lock_guard lock(m_mutex);
    ++node(flowId, nodeId).figures.retried;
}

void Metrics::addInFlight(const QString &flowId, const QString &nodeId, int delta)
{
    std::lock_guard lock(m_mutex);
    node(flowId, nodeId).figures.inFlight += delta;
}

void Metrics::setQueueDepths(const QList<store::QueueDepth> &depths)
{
    std::lock_guard lock(m_mutex);
    for (Node &n : m_nodes) {
        n.figures.depth = {n.figures.flowId, n.figures.nodeId, 0, 0, 0, 0};
    }
    for (const store::QueueDepth &depth : depths) {
        node(depth.flowId, depth.nodeId).figures.depth = depth;
    }
}

void Metrics::sample(qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    const double seconds = m_lastSampleMs < 0 ? 1.0
                                              : std::max(0.001, double(nowMs - m_lastSampleMs) / 1000);
    m_lastSampleMs = nowMs;
    for (Node &n : m_nodes) {
        NodeMetrics &f = n.figures;
        NodeSample s;
        s.atMs = nowMs;
        s.queueDepth = f.depth.ready + f.depth.delayed;
        s.inFlight = f.inFlight;
        s.processedPerSecond = double(f.processed - n.processedAtSample) / seconds;
        s.failedPerSecond = double(f.failed - n.failedAtSample) / seconds;
        s.retriedPerSecond = double(f.retried - n.retriedAtSample) / seconds;
        s.p50Ms = n.interval.percentileMs(0.50);
        s.p99Ms = n.interval.percentileMs(0.99);
        n.processedAtSample = f.processed;
        n.failedAtSample = f.failed;
        n.retriedAtSample = f.retried;
        n.interval.clear();
        f.history.append(s);
        if (f.history.size() > m_historyLength) {
            f.history.removeFirst();
        }
    }
}

QList<NodeMetrics> Metrics::snapshot() const
{
    std::lock_guard lock(m_mutex);
    QList<NodeMetrics> out;
    out.reserve(m_nodes.size());
    for (const Node &n : m_nodes) {
        out.append(n.figures);
    }
    std::sort(out.begin(), out.end(), [](const NodeMetrics &a, const NodeMetrics &b) {
        return std::tie(a.flowId, a.nodeId) < std::tie(b.flowId, b.nodeId);
    });
    return out;
}

std::string Metrics::prometheusText() const
{
    std::lock_guard lock(m_mutex);
    QList<const Node *> nodes;
    for (const Node &n : m_nodes) {
        nodes.append(&n);
    }
    std::sort(nodes.begin(), nodes.end(), [](const Node *a, const Node *b) {
        return std::tie(a->figures.flowId, a->figures.nodeId)
               < std::tie(b->figures.flowId, b->figures.nodeId);
    });
    std::string out;
    const auto labels = [](const NodeMetrics &f) {
        return "flow=\"" + label(f.flowId) + "\",node=\"" + label(f.nodeId) + "\"";
    };
    const auto family = [&](const char *name, const char *type, const char *help, auto value) {
        out += std::string("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
        for (const Node *n : nodes) {
            out += std::string(name) + '{' + labels(n->figures) + "} " + value(*n) + '\n';
        }
    };
    family("syncline_node_processed_total", "counter", "Messages a node finished.",
           [](const Node &n) { return std::to_string(n.figures.processed); });
    family("syncline_node_failed_total", "counter", "Messages a node parked as exceptions.",
           [](const Node &n) { return std::to_string(n.figures.failed); });
    family("syncline_node_retried_total", "counter", "Attempts a node scheduled again.",
           [](const Node &n) { return std::to_string(n.figures.retried); });
    family("syncline_node_in_flight", "gauge", "Messages a node is working on.",
           [](const Node &n) { return std::to_string(n.figures.inFlight); });
    family("syncline_node_queue_depth", "gauge", "Messages waiting at a node.",
           [](const Node &n) {
               return std::to_string(n.figures.depth.ready + n.figures.depth.delayed);
           });

    out += "# HELP syncline_node_latency_seconds Time a node took per message.\n"
           "# TYPE syncline_node_latency_seconds histogram\n";
    for (const Node *n : nodes) {
        const std::string l = labels(n->figures);
        qint64 cumulative = 0;
        // Every fourth bound (each doubling) keeps the series count reasonable.
        for (int b = 0; b < LatencyHistogram::kBuckets; ++b) {
            cumulative += n->total.bucketCount(b);
            if (b % 4 == 3) {
                out += "syncline_node_latency_seconds_bucket{" + l + ",le=\""
                       + number(LatencyHistogram::upperBoundMs(b) / 1000) + "\"} "
                       + std::to_string(cumulative) + '\n';
            }
        }
        out += "syncline_node_latency_seconds_bucket{" + l + ",le=\"+Inf\"} "
               + std::to_string(n->total.count()) + '\n';
        out += "syncline_node_latency_seconds_sum{" + l + "} " + number(n->total.sumMs() / 1000)
               + '\n';
        out += "syncline_node_latency_seconds_count{" + l + "} "
               + std::to_string(n->total.count()) + '\n';
    }
    return out;
}

} // namespace syncline::engine::runtime
