#pragma once

#include "engine/core/result.h"

#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures {

/// The decimal-format properties of XPath F&O 3.1 §4.7.1, with jsonata-js's defaults. $formatNumber's
/// third argument (an object of strings) overrides them one by one through set().
/// Every property is a UTF-8 string; the single-character ones are compared as one code point.
struct DecimalFormat
{
    std::string decimalSeparator = ".";
    std::string groupingSeparator = ",";
    std::string exponentSeparator = "e";
    std::string minusSign = "-";
    std::string infinity = "Infinity";
    std::string nan = "NaN";
    std::string percent = "%";
    std::string perMille = "\xE2\x80\xB0"; // U+2030
    std::string zeroDigit = "0";
    std::string digit = "#";
    std::string patternSeparator = ";";

    /// Sets the property named as in F&O / jsonata-js ("decimal-separator", "grouping-separator",
    /// "exponent-separator", "minus-sign", "infinity", "NaN", "percent", "per-mille", "zero-digit",
    /// "digit", "pattern-separator"). Returns false (and changes nothing) for any other name;
    /// jsonata-js ignores unknown names, so callers should too.
    bool set(std::string_view name, std::string value);
};

/// $formatNumber(value, picture, options): formats `value` by an F&O 3.1 §4.7 picture string the
/// way jsonata-js does (including its rounding: half-even to the picture's fraction digits).
/// Errors are the picture errors D3080..D3093 with jsonata-js's messages.
/// Pure function; safe from any thread.
Result<std::string> formatNumber(double value, std::string_view picture,
                                 const DecimalFormat &format = {});

/// $formatBase(value, radix): rounds `value` half-even to an integer and writes it in base `radix`
/// (lower-case digits, leading '-' when negative), as JavaScript's Number.prototype.toString(radix).
/// `radix` defaults to 10 and is itself rounded; outside 2..36 gives D3100.
Result<std::string> formatBase(double value, double radix = 10);

} // namespace syncline::engine::expr::pictures
