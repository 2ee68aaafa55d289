#pragma once

#include "engine/core/result.h"

#include <QString>
#include <QTimeZone>

#include <bitset>
#include <optional>

namespace syncline::engine::runtime {

/// A five-field cron expression — minute, hour, day of month, month, day of week — read as the
/// wall clock of a time zone. Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`,
/// lists `a,b`, month names JAN–DEC and day names SUN–SAT (0 and 7 are Sunday); `@hourly`,
/// `@daily`, `@weekly`, `@monthly` and `@yearly` are shorthands. As in Vixie cron, when both the
/// day of month and the day of week are restricted a day matching either runs.
///
/// Daylight saving: a run whose wall-clock time does not exist (the hour skipped in spring)
/// happens at the first minute after the gap, once; a wall-clock time that occurs twice (the hour
/// repeated in autumn) runs once. A value; thread-safe to share.
class CronExpression
{
public:
    static Result<CronExpression> parse(const QString &text);

    /// The first run strictly after `afterMs` (Unix milliseconds); nothing when there is none
    /// within five years (e.g. 30 February).
    std::optional<qint64> nextAfter(qint64 afterMs, const QTimeZone &zone) const;
    /// The last run at or before `atMs`; nothing when there is none within the five years before.
    std::optional<qint64> previousAtOrBefore(qint64 atMs, const QTimeZone &zone) const;

    QString text() const { return m_text; }

private:
    bool dayMatches(const QDate &date) const;
    /// The instant of a wall-clock minute; a minute inside a DST gap moves to the gap's end.
    static qint64 instant(const QDate &date, int hour, int minute, const QTimeZone &zone);

    QString m_text;
    std::bitset<60> m_minutes;
    std::bitset<24> m_hours;
    std::bitset<32> m_days;     // 1..31
    std::bitset<13> m_months;   // 1..12
    std::bitset<7> m_weekdays;  // 0 = Sunday
    bool m_daysRestricted = false;
    bool m_weekdaysRestricted = false;
};

} // namespace syncline::engine::runtime
