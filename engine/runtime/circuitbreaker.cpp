#include "engine/runtime/circuitbreaker.h"

namespace syncline::engine::runtime {

CircuitBreaker::CircuitBreaker(Options options)
    : m_options(options)
{}

CircuitBreaker::State CircuitBreaker::stateLocked(qint64 nowMs) const
{
    if (m_state == State::Open && nowMs - m_openedAtMs >= m_options.openMs) {
        return State::HalfOpen;
    }
    return m_state;
}

bool CircuitBreaker::allow(qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    switch (stateLocked(nowMs)) {
    case State::Closed:
        return true;
    case State::Open:
        return false;
    case State::HalfOpen:
        m_state = State::HalfOpen;
        if (m_probeOut) {
            return false;
        }
        m_probeOut = true;
        return true;
    }
    return false;
}

qint64 CircuitBreaker::waitMs(qint64 nowMs) const
{
    std::lock_guard lock(m_mutex);
    if (stateLocked(nowMs) != State::Open) {
        return 0;
    }
    return m_openedAtMs + m_options.openMs - nowMs;
}

void CircuitBreaker::recordSuccess()
{
    std::lock_guard lock(m_mutex);
    m_state = State::Closed;
    m_failures = 0;
    m_probeOut = false;
}

void CircuitBreaker::recordFailure(qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    ++m_failures;
    const bool probeFailed = stateLocked(nowMs) == State::HalfOpen;
    if (probeFailed || (m_state == State::Closed && m_failures >= m_options.failureThreshold)) {
        m_state = State::Open;
        m_openedAtMs = nowMs;
        m_probeOut = false;
        ++m_openings;
    }
}

CircuitBreaker::State CircuitBreaker::state(qint64 nowMs) const
{
    std::lock_guard lock(m_mutex);
    return stateLocked(nowMs);
}

int CircuitBreaker::consecutiveFailures() const
{
    std::lock_guard lock(m_mutex);
    return m_failures;
}

qint64 CircuitBreaker::openings() const
{
    std::lock_guard lock(m_mutex);
    return m_openings;
}

QString CircuitBreaker::stateName(State state)
{
    switch (state) {
    case State::Closed:
        return QStringLiteral("closed");
    case State::Open:
        return QStringLiteral("open");
    case State::HalfOpen:
        return QStringLiteral("half-open");
    }
    return {};
}

} // namespace syncline::engine::runtime
