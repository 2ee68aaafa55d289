#include "engine/expr/pictures/jsnumber.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace syncline::engine::expr::pictures::js {

namespace {

// Shortest round-trip decimal digits of a finite, positive value and the exponent n such that
// value = 0.d1d2d3... * 10^n (ECMA-262 Number::toString's k digits and n).
void shortestDigits(double value, std::string &digits, int &n)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                      std::chars_format::scientific);
    const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    const std::size_t ePos = text.find('e');
    digits.clear();
    for (std::size_t i = 0; i < ePos; ++i) {
        if (text[i] != '.') {
            digits.push_back(text[i]);
        }
    }
    n = std::atoi(std::string(text.substr(ePos + 1)).c_str()) + 1;
}

// Splits numberToString output into mantissa text and exponent ("1.5e+21" -> "1.5", 21).
void splitExponent(const std::string &text, std::string &mantissa, long &exponent, bool &hasExponent)
{
    const std::size_t ePos = text.find('e');
    hasExponent = ePos != std::string::npos;
    mantissa = text.substr(0, ePos);
    exponent = hasExponent ? std::strtol(text.c_str() + ePos + 1, nullptr, 10) : 0;
}

double shiftDecimal(double value, int places)
{
    std::string mantissa;
    long exponent = 0;
    bool hasExponent = false;
    splitExponent(numberToString(value), mantissa, exponent, hasExponent);
    const std::string shifted = mantissa + "e" + std::to_string(exponent + places);
    return std::strtod(shifted.c_str(), nullptr);
}

// Adds one unit in the last place of a string of decimal digits (and a '.'), carrying left.
void incrementDigits(std::string &text)
{
    for (std::size_t i = text.size(); i-- > 0;) {
        if (text[i] == '.') {
            continue;
        }
        if (text[i] != '9') {
            ++text[i];
            return;
        }
        text[i] = '0';
    }
    text.insert(text.begin(), '1');
}

// Exact decimal expansion of a non-negative double with `digits` fraction digits, truncated.
std::string exactDigits(double value, int digits)
{
    const int size = std::snprintf(nullptr, 0, "%.*f", digits, value);
    std::string text(static_cast<std::size_t>(size) + 1, '\0');
    std::snprintf(text.data(), text.size(), "%.*f", digits, value);
    text.resize(static_cast<std::size_t>(size));
    return text;
}

} // namespace

bool isJsSpace(char32_t c)
{
    switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

std::string numberToString(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (value == 0) {
        return "0";
    }
    if (std::isinf(value)) {
        return value < 0 ? "-Infinity" : "Infinity";
    }
    std::string sign = value < 0 ? "-" : "";
    std::string digits;
    int n = 0;
    shortestDigits(std::fabs(value), digits, n);
    const int k = static_cast<int>(digits.size());
    if (k <= n && n <= 21) {
        return sign + digits + std::string(static_cast<std::size_t>(n - k), '0');
    }
    if (0 < n && n <= 21) {
        return sign + digits.substr(0, static_cast<std::size_t>(n)) + "." + digits.substr(static_cast<std::size_t>(n));
    }
    if (-6 < n && n <= 0) {
        return sign + "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
    }
    const int e = n - 1;
    std::string mantissa = digits.substr(0, 1);
    if (k > 1) {
        mantissa += "." + digits.substr(1);
    }
    return sign + mantissa + "e" + (e >= 0 ? "+" : "-") + std::to_string(std::abs(e));
}

std::string toFixed(double value, int digits)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::fabs(value) >= 1e21 || std::isinf(value)) {
        return numberToString(value);
    }
    const bool negative = value < 0;
    const double magnitude = std::fabs(value);
    // Enough extra digits to see whether the value is above, below or exactly on the midpoint; an
    // apparent exact midpoint is confirmed with the full expansion (a double has at most 1074).
    std::string wide = exactDigits(magnitude, digits + 25);
    const std::size_t cut = wide.size() - 25;
    bool roundUp = wide[cut] >= '5';
    if (wide[cut] == '5' && wide.find_first_not_of('0', cut + 1) == std::string::npos) {
        const std::string exact = exactDigits(magnitude, digits + 1100);
        roundUp = exact[cut] >= '5';
    }
    std::string text = wide.substr(0, digits == 0 ? cut - 1 : cut);
    if (roundUp) {
        incrementDigits(text);
    }
    return (negative ? "-" : "") + text;
}

double mathRound(double value)
{
    if (!std::isfinite(value)) {
        return value;
    }
    const double floored = std::floor(value);
    const double result = (value - floored >= 0.5) ? floored + 1 : floored;
    return (result == 0 && value < 0) ? -0.0 : result;
}

double round(double value, int precision)
{
    if (!std::isfinite(value)) {
        return value;
    }
    double shifted = precision != 0 ? shiftDecimal(value, precision) : value;
    double result = mathRound(shifted);
    const double diff = result - shifted;
    if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(result, 2.0)) == 1) {
        result -= 1;
    }
    if (precision != 0) {
        result = shiftDecimal(result, -precision);
    }
    return result == 0 ? 0.0 : result;
}

std::string toRadixString(double value, int radix)
{
    if (radix == 10 || !std::isfinite(value)) {
        return numberToString(value);
    }
    if (value == 0) {
        return "0";
    }
    static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    const bool negative = value < 0;
    double integer = std::floor(std::fabs(value));
    std::string reversed;
    // V8 writes zeros for the places below the double's 53-bit precision.
    constexpr double kTwo53 = 9007199254740992.0;
    while (integer / radix >= kTwo53) {
        integer /= radix;
        reversed.push_back('0');
    }
    do {
        const double remainder = std::fmod(integer, radix);
        reversed.push_back(kDigits[static_cast<int>(remainder)]);
        integer = (integer - remainder) / radix;
    } while (integer > 0);
    if (negative) {
        reversed.push_back('-');
    }
    return std::string(reversed.rbegin(), reversed.rend());
}

double parseInt(std::u32string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && isJsSpace(text[i])) {
        ++i;
    }
    bool negative = false;
    if (i < text.size() && (text[i] == U'+' || text[i] == U'-')) {
        negative = text[i] == U'-';
        ++i;
    }
    int radix = 10;
    if (i + 1 < text.size() && text[i] == U'0' && (text[i + 1] == U'x' || text[i + 1] == U'X')) {
        radix = 16;
        i += 2;
    }
    std::string digits;
    for (; i < text.size(); ++i) {
        const char32_t c = text[i];
        const bool decimal = c >= U'0' && c <= U'9';
        const bool hex = radix == 16 && ((c >= U'a' && c <= U'f') || (c >= U'A' && c <= U'F'));
        if (!decimal && !hex) {
            break;
        }
        digits.push_back(static_cast<char>(c));
    }
    if (digits.empty()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    double result = 0;
    if (radix == 10) {
        result = std::strtod(digits.c_str(), nullptr);
    } else {
        for (const char d : digits) {
            const int v = (d <= '9') ? d - '0' : (d | 0x20) - 'a' + 10;
            result = result * 16 + v;
        }
    }
    return negative ? -result : result;
}

} // namespace syncline::engine::expr::pictures::js
