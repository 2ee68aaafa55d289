#include "engine/runtime/retrypolicy.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

namespace syncline::engine::runtime {

std::optional<qint64> RetryPolicy::nextDelayMs(int attemptsMade, qint64 sinceFirstAttemptMs,
                                               std::optional<qint64> retryAfterMs,
                                               double random01) const
{
    if (attemptsMade >= maxAttempts) {
        return std::nullopt;
    }
    const double exponent = std::max(0, attemptsMade - 1);
    double delay = double(initialDelayMs) * std::pow(factor, exponent);
    delay = std::min(delay, double(maxDelayMs));
    delay *= 1.0 + jitter * (2.0 * random01 - 1.0);
    qint64 delayMs = std::max<qint64>(0, qint64(delay));
    if (retryAfterMs) {
        delayMs = std::max(delayMs, *retryAfterMs);
    }
    if (sinceFirstAttemptMs + delayMs > horizonMs) {
        return std::nullopt;
    }
    return delayMs;
}

std::optional<qint64> parseRetryAfter(QByteArrayView value, qint64 nowMs)
{
    const QByteArray text = QByteArray(value.data(), value.size()).trimmed();
    if (text.isEmpty()) {
        return std::nullopt;
    }
    bool isNumber = false;
    const qint64 seconds = text.toLongLong(&isNumber);
    if (isNumber) {
        return seconds < 0 ? std::nullopt : std::optional<qint64>(seconds * 1000);
    }
    // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    QDateTime at = QLocale::c().toDateTime(QString::fromLatin1(text),
                                           QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!at.isValid()) {
        return std::nullopt;
    }
    at.setTimeZone(QTimeZone::utc());
    return std::max<qint64>(0, at.toMSecsSinceEpoch() - nowMs);
}

} // namespace syncline::engine::runtime
