#include "engine/expr/pictures/calendar.h"

#include <cmath>
#include <initializer_list>
#include <limits>

namespace syncline::engine::expr::pictures {

namespace {

constexpr double kMsPerDay = 86400000.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t days, std::int64_t &year, unsigned &month, unsigned &day)
{
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

double timeClip(double time)
{
    if (!std::isfinite(time) || std::fabs(time) > 8.64e15) {
        return kNaN;
    }
    return std::trunc(time) + 0.0;
}

double toInteger(double value)
{
    return std::isnan(value) ? 0 : std::trunc(value);
}

} // namespace

DateFields dateFromTime(double ms)
{
    DateFields fields;
    fields.time = timeClip(ms);
    if (std::isnan(fields.time)) {
        fields.year = fields.month = fields.day = fields.hours = fields.minutes = fields.seconds
            = fields.millis = fields.weekDay = kNaN;
        return fields;
    }
    const double dayNumber = std::floor(fields.time / kMsPerDay);
    const double timeInDay = fields.time - dayNumber * kMsPerDay;
    std::int64_t year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civilFromDays(static_cast<std::int64_t>(dayNumber), year, month, day);
    fields.year = static_cast<double>(year);
    fields.month = month - 1;
    fields.day = day;
    fields.hours = std::floor(timeInDay / 3600000.0);
    fields.minutes = std::fmod(std::floor(timeInDay / 60000.0), 60.0);
    fields.seconds = std::fmod(std::floor(timeInDay / 1000.0), 60.0);
    fields.millis = std::fmod(timeInDay, 1000.0);
    const auto weekDay = static_cast<std::int64_t>(dayNumber + 4) % 7;
    fields.weekDay = static_cast<double>(weekDay < 0 ? weekDay + 7 : weekDay);
    return fields;
}

double dateUtc(double year, double month, double day, double hours, double minutes,
               double seconds, double ms)
{
    for (const double field : {year, month, day, hours, minutes, seconds, ms}) {
        if (!std::isfinite(field)) {
            return kNaN;
        }
    }
    double y = toInteger(year);
    if (y >= 0 && y <= 99) {
        y += 1900;
    }
    const double m = toInteger(month);
    const double ym = y + std::floor(m / 12);
    const double mn = m - std::floor(m / 12) * 12;
    if (std::fabs(ym) > 400000) {
        return kNaN;
    }
    const double days = static_cast<double>(daysFromCivil(static_cast<std::int64_t>(ym),
                                                          static_cast<unsigned>(mn) + 1, 1))
                        + toInteger(day) - 1;
    const double time = toInteger(hours) * 3600000.0 + toInteger(minutes) * 60000.0
                        + toInteger(seconds) * 1000.0 + toInteger(ms);
    return timeClip(days * kMsPerDay + time);
}

} // namespace syncline::engine::expr::pictures
