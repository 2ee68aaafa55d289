#include "engine/runtime/ratelimiter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace syncline::engine::runtime {

RateLimiter::RateLimiter(double ratePerSecond, double burst)
    : m_ratePerMs(ratePerSecond / 1000.0)
    , m_burst(std::max(1.0, burst))
    , m_tokens(std::max(1.0, burst))
{}

void RateLimiter::refill(qint64 nowMs)
{
    if (m_lastMs >= 0 && nowMs > m_lastMs) {
        m_tokens = std::min(m_burst, m_tokens + double(nowMs - m_lastMs) * m_ratePerMs);
    }
    m_lastMs = std::max(m_lastMs, nowMs);
}

qint64 RateLimiter::tryAcquire(qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    refill(nowMs);
    if (m_tokens >= 1.0) {
        m_tokens -= 1.0;
        return 0;
    }
    if (m_ratePerMs <= 0) {
        return std::numeric_limits<qint64>::max();
    }
    return qint64(std::ceil((1.0 - m_tokens) / m_ratePerMs));
}

} // namespace syncline::engine::runtime
