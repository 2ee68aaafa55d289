#pragma once

#include "app/sandbox/system.h"

#include <QList>
#include <QString>

#include <mutex>
#include <random>

namespace syncline::sandbox {

/// What the router does to one request before and after the system handles it.
struct FaultDecision
{
    std::optional<Refusal> refusal; // answer at once, without processing
    int status = 0;
    int retryAfterSeconds = 0;
    QString detail;
    int latencyMs = 0;
    bool reset = false; // process and commit, then drop the connection
};

/// Fault injection per system and path, deterministic under a seed (see docs/sandbox.md,
/// /_sandbox/faults), plus the per-system rate limits. Thread-safe.
class Faults
{
public:
    Faults();

    /// Replaces the configuration; errors name the member at fault (nothing changes then).
    engine::Result<void> configure(const Json &config);
    /// The configuration as given, with counters per rule.
    Json describe() const;
    /// The configuration only, to persist it.
    Json configuration() const;
    void restoreDefaults(quint64 seed);
    FaultDecision decide(const QString &system, const QByteArray &method,
                         const QByteArray &path, qint64 nowMs);

private:
    struct Rule
    {
        QString system;
        QString method;
        QString path;
        double errorRate = 0;
        int errorStatus = 503;
        double resetRate = 0;
        int latencyMs = 0;
        QList<std::pair<qint64, qint64>> downtime; // [start, end) in ms
        std::mt19937_64 random;
        qint64 matched = 0;
        qint64 errors = 0;
        qint64 resets = 0;
        qint64 downtimeRefusals = 0;
        bool matches(const QString &system, const QByteArray &method,
                     const QByteArray &path) const;
        double draw();
    };
    struct Bucket
    {
        double perSecond = 0;
        double burst = 0;
        double tokens = 0;
        qint64 lastMs = 0;
    };
    static engine::Result<Rule> parseRule(const Json &rule, int index, quint64 seed);

    mutable std::mutex m_mutex;
    quint64 m_seed = 1;
    QList<Rule> m_rules;
    std::map<QString, Bucket> m_buckets;
    Json m_configuration;
};

} // namespace syncline::sandbox
