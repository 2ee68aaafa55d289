#pragma once

#include <QtGlobal>

#include <mutex>

namespace syncline::engine::runtime {

/// A token bucket: at most `ratePerSecond` calls on average, bursts of up to `burst`. One per
/// target system, shared by every node that calls it; thread-safe.
class RateLimiter
{
public:
    RateLimiter(double ratePerSecond, double burst);

    /// Takes a token when one is available and returns 0; otherwise takes nothing and returns
    /// how many milliseconds until one will be.
    qint64 tryAcquire(qint64 nowMs);

private:
    void refill(qint64 nowMs);

    const double m_ratePerMs;
    const double m_burst;
    std::mutex m_mutex;
    double m_tokens;
    qint64 m_lastMs = -1;
};

} // namespace syncline::engine::runtime
