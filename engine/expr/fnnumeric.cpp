// Numeric built-ins: $number $abs $floor $ceil $round $power $sqrt $random, aggregation
// ($sum $max $min $average $count) and the picture formatters.

#include "engine/expr/fnhelpers.h"
#include "engine/expr/functions.h"
#include "engine/expr/pictures/integerformat.h"
#include "engine/expr/pictures/numberformat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <random>

namespace syncline::engine::expr {

namespace {

using fn::arg;
using fn::has;

bool matchesDecimal(std::string_view s)
{
    // ^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
        return i > start;
    };
    if (i < s.size() && s[i] == '-') {
        ++i;
    }
    if (!digits()) {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) {
            return false;
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        if (!digits()) {
            return false;
        }
    }
    return i == s.size();
}

std::optional<double> radixLiteral(std::string_view s)
{
    if (s.size() < 3 || s[0] != '0') {
        return std::nullopt;
    }
    int base = 0;
    switch (s[1]) {
    case 'x': case 'X': base = 16; break;
    case 'o': case 'O': base = 8; break;
    case 'b': case 'B': base = 2; break;
    default: return std::nullopt;
    }
    double value = 0;
    for (std::size_t i = 2; i < s.size(); ++i) {
        const char c = s[i];
        int d = -1;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        }
        if (d < 0 || d >= base) {
            return std::nullopt;
        }
        value = value * base + d;
    }
    return value;
}

Value fnNumber(CallContext &, std::span<const Value> args)
{
    const Value &v = arg(args, 0);
    switch (v.type()) {
    case json::Type::Undefined:
        return v;
    case json::Type::Number:
        return v;
    case json::Type::Boolean:
        return Value::number(v.toBool() ? 1 : 0);
    case json::Type::String: {
        const std::string_view s = v.toStringView();
        if (matchesDecimal(s)) {
            const double d = std::strtod(std::string(s).c_str(), nullptr);
            if (std::isfinite(d)) {
                return Value::number(d);
            }
        } else if (auto r = radixLiteral(s)) {
            return Value::number(*r);
        }
        break;
    }
    default:
        break;
    }
    ExprException e("D3030");
    e.value = v;
    e.index = 1;
    throw e;
}

Value unaryMath(std::span<const Value> args, double (*f)(double))
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const double r = f(args[0].toNumber());
    return Value::number(r == 0 ? 0.0 : r);
}

Value fnAbs(CallContext &, std::span<const Value> args)
{
    return unaryMath(args, [](double d) { return std::fabs(d); });
}

Value fnFloor(CallContext &, std::span<const Value> args)
{
    return unaryMath(args, [](double d) { return std::floor(d); });
}

Value fnCeil(CallContext &, std::span<const Value> args)
{
    return unaryMath(args, [](double d) { return std::ceil(d); });
}

// Shifts the decimal point of `d` by `places` through its text, as jsonata-js does, so that
// 2.675 shifted by 2 is exactly 267.5.
double shiftDecimal(double d, double places)
{
    // An integer below 2^53 prints as its exact digits, and 10^k up to 10^22 is exact, so the
    // shifted text is the exact product or quotient, which IEEE arithmetic rounds the same way
    // the text parse does. $round's way back (an integer over 10^places) always takes this path.
    constexpr double kExactIntegerLimit = 9007199254740992.0; // 2^53
    constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (std::fabs(d) < kExactIntegerLimit && d == std::trunc(d) && places == std::trunc(places)
        && std::fabs(places) <= 22) {
        const double scale = kPowersOfTen[static_cast<int>(std::fabs(places))];
        const double shifted = places >= 0 ? d * scale : d / scale;
        if (std::isfinite(shifted)) {
            return shifted;
        }
    }
    // The same text arithmetic on the shortest digits (which is what numberToText writes), in a
    // stack buffer; the general form below covers fractional and huge shifts.
    if (std::isfinite(d) && places == std::trunc(places) && std::fabs(places) <= 400) {
        char text[48];
        const auto written = std::to_chars(text, text + 32, d, std::chars_format::scientific);
        if (written.ec == std::errc()) {
            char *const e = std::find(text, written.ptr, 'e');
            int exponent = 0;
            std::from_chars(e + 1 + (e[1] == '+'), written.ptr, exponent);
            const auto end = std::to_chars(e + 1, text + sizeof text, exponent + int(places));
            double shifted = 0;
            if (end.ec == std::errc()
                && std::from_chars(text, end.ptr, shifted).ec == std::errc()) {
                return shifted;
            }
        }
    }
    const std::string text = json::numberToText(d);
    const std::size_t e = text.find('e');
    std::string mantissa = text.substr(0, e);
    double exponent = places;
    if (e != std::string::npos) {
        exponent += std::strtod(text.c_str() + e + 1, nullptr);
    }
    mantissa += "e" + json::numberToText(exponent);
    return std::strtod(mantissa.c_str(), nullptr);
}

Value fnRound(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    double value = args[0].toNumber();
    const double precision = has(args, 1) ? args[1].toNumber() : 0;
    if (precision != 0) {
        value = shiftDecimal(value, precision);
    }
    double result = std::floor(value + 0.5); // Math.round
    const double diff = result - value;
    if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(result, 2)) == 1) {
        result -= 1; // ties to even
    }
    if (precision != 0) {
        result = shiftDecimal(result, -precision);
    }
    return Value::number(result == 0 ? 0.0 : result);
}

Value fnPower(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const double r = std::pow(args[0].toNumber(), arg(args, 1).toNumber());
    if (!std::isfinite(r)) {
        ExprException e("D3061");
        e.value = args[0];
        e.value2 = arg(args, 1);
        throw e;
    }
    return Value::number(r);
}

Value fnSqrt(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const double d = args[0].toNumber();
    if (d < 0) {
        throw ExprException("D3060").withValue(args[0]);
    }
    return Value::number(std::sqrt(d));
}

Value fnRandom(CallContext &, std::span<const Value>)
{
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return Value::number(std::uniform_real_distribution<double>(0.0, 1.0)(engine));
}

Value fnSum(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    double total = 0;
    for (const Value &v : args[0].items()) {
        total += v.toNumber();
    }
    return Value::number(total);
}

Value fnCount(CallContext &, std::span<const Value> args)
{
    return Value::number(has(args, 0) ? static_cast<double>(args[0].size()) : 0.0);
}

Value extreme(std::span<const Value> args, bool wantMax)
{
    if (!has(args, 0) || args[0].size() == 0) {
        return Value::undefined();
    }
    double best = wantMax ? -HUGE_VAL : HUGE_VAL;
    for (const Value &v : args[0].items()) {
        const double d = v.toNumber();
        if (std::isnan(d)) {
            return Value::number(d);
        }
        best = wantMax ? std::max(best, d) : std::min(best, d);
    }
    return Value::number(best);
}

Value fnMax(CallContext &, std::span<const Value> args)
{
    return extreme(args, true);
}

Value fnMin(CallContext &, std::span<const Value> args)
{
    return extreme(args, false);
}

Value fnAverage(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0) || args[0].size() == 0) {
        return Value::undefined();
    }
    double total = 0;
    for (const Value &v : args[0].items()) {
        total += v.toNumber();
    }
    return Value::number(total / static_cast<double>(args[0].size()));
}

Value stringResult(const Result<std::string> &r, const Value &value)
{
    if (!r.ok()) {
        fn::throwError(r.error(), value);
    }
    return Value::string(r.value());
}

Value fnFormatNumber(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    pictures::DecimalFormat format;
    if (has(args, 2)) {
        for (const json::Member &m : args[2].members()) {
            format.set(m.key.view(), std::string(m.value.toStringView()));
        }
    }
    return stringResult(pictures::formatNumber(args[0].toNumber(), arg(args, 1).toStringView(),
                                               format),
                        args[0]);
}

Value fnFormatBase(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const double radix = has(args, 1) ? args[1].toNumber() : 10;
    return stringResult(pictures::formatBase(args[0].toNumber(), radix), arg(args, 1));
}

Value fnFormatInteger(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    return stringResult(pictures::formatInteger(args[0].toNumber(), arg(args, 1).toStringView()),
                        args[0]);
}

Value fnParseInteger(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const auto r = pictures::parseInteger(args[0].toStringView(), arg(args, 1).toStringView());
    if (!r.ok()) {
        fn::throwError(r.error(), args[0]);
    }
    return Value::number(r.value());
}

const Builtin kNumericBuiltins[] = {
    {"number", "<(nsb)-:n>", 1, fnNumber},
    {"abs", "<n-:n>", 1, fnAbs},
    {"floor", "<n-:n>", 1, fnFloor},
    {"ceil", "<n-:n>", 1, fnCeil},
    {"round", "<n-n?:n>", 2, fnRound},
    {"power", "<n-n:n>", 2, fnPower},
    {"sqrt", "<n-:n>", 1, fnSqrt},
    {"random", "<:n>", 0, fnRandom},
    {"sum", "<a<n>:n>", 1, fnSum},
    {"count", "<a:n>", 1, fnCount},
    {"max", "<a<n>:n>", 1, fnMax},
    {"min", "<a<n>:n>", 1, fnMin},
    {"average", "<a<n>:n>", 1, fnAverage},
    {"formatNumber", "<n-so?:s>", 3, fnFormatNumber},
    {"formatBase", "<n-n?:s>", 2, fnFormatBase},
    {"formatInteger", "<n-s:s>", 2, fnFormatInteger},
    {"parseInteger", "<s-s:n>", 2, fnParseInteger},
};

} // namespace

std::span<const Builtin> numericBuiltins()
{
    return kNumericBuiltins;
}

} // namespace syncline::engine::expr
