#pragma once

#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures::js {

// The few JavaScript number operations the picture functions are defined in terms of. Matching
// jsonata-js output digit for digit needs JavaScript's exact rules, not printf's.

/// Number.prototype.toString(): shortest round-trip digits, exponent form from 1e21 and below 1e-6.
std::string numberToString(double value);
/// Number.prototype.toFixed(digits) for 0 <= digits <= 100: exact decimal value rounded half away
/// from zero; values of 1e21 and more print as numberToString does.
std::string toFixed(double value, int digits);
/// Math.round: the nearest integer, ties toward +infinity.
double mathRound(double value);
/// jsonata-js's $round(value, precision): half to even, shifting the decimal point textually so
/// that 2.675 rounds as the decimal it prints as. Never returns -0.
double round(double value, int precision = 0);
/// Number.prototype.toString(radix) for an integral value, as V8 writes it (digits past 2^53
/// beyond the double's precision come out as zeros).
std::string toRadixString(double value, int radix);
/// parseInt(text) (radix 10, or 16 after "0x"): leading white space and sign, then the longest
/// run of digits; NaN when there is none.
double parseInt(std::u32string_view text);
/// Is this one of the characters JavaScript's \s (and String.prototype.trim) treats as space?
bool isJsSpace(char32_t c);

} // namespace syncline::engine::expr::pictures::js
