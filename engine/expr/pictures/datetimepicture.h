#pragma once

#include "engine/core/result.h"
#include "engine/expr/pictures/calendar.h"
#include "engine/expr/pictures/integerpicture.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::engine::expr::pictures {

/// One variable marker of a date/time picture (F&O 3.1 §9.8.4), analysed as jsonata-js does.
struct DateMarker
{
    char32_t component = 0; ///< 'Y', 'M', ...; 0 for an empty marker "[]"
    std::u32string presentation1;
    std::optional<char32_t> presentation2; ///< 'a', 't', 'c' or 'o'
    std::optional<LetterCase> names;       ///< set for the name presentations N, n, Nn
    std::optional<IntegerPicture> integerFormat;
    bool hasWidth = false;
    std::optional<double> minWidth; ///< NaN when the width is not a number
    std::optional<double> maxWidth;
    int yearDigits = -1; ///< the year is shown modulo 10^yearDigits unless -1
};

/// A picture: literal text and markers in order.
struct DatePicturePart
{
    bool literal = true;
    std::u32string text;
    DateMarker marker;
};

/// Splits and analyses a date/time picture. Errors D3135 (no closing ']'), D3132 (unknown
/// component), D3131.
Result<std::vector<DatePicturePart>> analyseDatePicture(std::u32string_view picture);

/// An analysed picture, shared.
using DatePicture = std::shared_ptr<const std::vector<DatePicturePart>>;

/// analyseDatePicture, remembered: a mapping formats the same few pictures for every message,
/// and analysing one cost more than formatting the date. Each thread keeps up to 64 pictures
/// (then starts over); errors are not kept.
Result<DatePicture> datePicture(std::u32string_view picture);

/// The value of one component of a date, as jsonata-js's getDateTimeFragment computes it: a number,
/// or for 'P' (0 am / 1 pm) and 'C'/'E' (nullopt, shown as "ISO"). Z/z give nullopt.
std::optional<double> dateComponent(const DateFields &date, char32_t component);

/// Month and day names, 1-based (January = 1, Monday = 1).
std::u32string monthName(double month);
std::u32string dayName(double day);

} // namespace syncline::engine::expr::pictures
