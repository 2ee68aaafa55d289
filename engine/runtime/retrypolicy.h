#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <optional>

namespace syncline::engine::runtime {

/// When to try a failed call again: exponential backoff with jitter, bounded by attempts and by
/// a horizon measured from the first attempt. Values, no state; a node's settings hold one.
struct RetryPolicy
{
    int maxAttempts = 8;            // attempts in all, the first included
    qint64 initialDelayMs = 500;
    double factor = 2.0;
    qint64 maxDelayMs = 5 * 60'000; // cap of one delay
    double jitter = 0.2;            // ± share of the delay, spreads retries of many messages
    qint64 horizonMs = 24 * 3'600'000; // give up once the next try would be later than this

    /// The delay before the next attempt after `attemptsMade` attempts, or nothing when the
    /// policy is exhausted (→ RETRIES_EXHAUSTED). A target's Retry-After is honoured: the delay
    /// is never shorter than it. `random01` in [0, 1) drives the jitter (tests pass fixed values).
    std::optional<qint64> nextDelayMs(int attemptsMade, qint64 sinceFirstAttemptMs,
                                      std::optional<qint64> retryAfterMs, double random01) const;
};

/// Parses an HTTP Retry-After value: delay-seconds or an HTTP date, relative to `nowMs`.
/// Nothing when absent or unreadable.
std::optional<qint64> parseRetryAfter(QByteArrayView value, qint64 nowMs);

} // namespace syncline::engine::runtime
