#pragma once

#include <QString>
#include <QtGlobal>

#include <mutex>

namespace syncline::engine::runtime {

/// Stops calling a target that keeps failing, so it can recover, and so messages wait instead of
/// burning their retries. Closed → Open after `failureThreshold` consecutive technical failures;
/// Open → HalfOpen after `openMs`; in HalfOpen one probe call is let through: success closes,
/// failure opens again. One breaker per target system; thread-safe.
class CircuitBreaker
{
public:
    enum class State { Closed, Open, HalfOpen };

    struct Options
    {
        int failureThreshold = 5;
        qint64 openMs = 30'000;
    };

    explicit CircuitBreaker(Options options);

    /// May a call go out now? In HalfOpen, true only for the one probe.
    bool allow(qint64 nowMs);
    /// How long until a call may go out (0 when allowed now).
    qint64 waitMs(qint64 nowMs) const;
    void recordSuccess();
    void recordFailure(qint64 nowMs);

    State state(qint64 nowMs) const;
    int consecutiveFailures() const;
    /// Times the breaker opened, for metrics.
    qint64 openings() const;

    static QString stateName(State state);

private:
    State stateLocked(qint64 nowMs) const;

    const Options m_options;
    mutable std::mutex m_mutex;
    State m_state = State::Closed;
    int m_failures = 0;
    qint64 m_openedAtMs = 0;
    bool m_probeOut = false;
    qint64 m_openings = 0;
};

} // namespace syncline::engine::runtime
