#pragma once

#include <cstdint>

namespace syncline::engine::expr::pictures {

/// The UTC fields of a JavaScript Date, computed from a time value (ms since the epoch) the way
/// ECMA-262 does, including its invalid date (NaN time value, every field NaN).
struct DateFields
{
    double time = 0; ///< the clipped time value; NaN for an invalid date
    double year = 0;
    double month = 0; ///< 0..11
    double day = 0;   ///< 1..31
    double hours = 0;
    double minutes = 0;
    double seconds = 0;
    double millis = 0;
    double weekDay = 0; ///< 0 = Sunday .. 6 = Saturday
};

/// new Date(ms): TimeClip (NaN beyond ±8.64e15, fraction dropped) and the UTC fields.
DateFields dateFromTime(double ms);

/// Date.UTC(year, month, day, hours, minutes, seconds, ms): any field may be out of range or
/// NaN; years 0..99 mean 1900..1999, as in JavaScript.
double dateUtc(double year, double month, double day = 1, double hours = 0, double minutes = 0,
               double seconds = 0, double ms = 0);

} // namespace syncline::engine::expr::pictures
