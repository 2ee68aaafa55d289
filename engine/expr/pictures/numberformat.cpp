#include "engine/expr/pictures/numberformat.h"

#include "engine/expr/pictures/integerpicture.h"
#include "engine/expr/pictures/jsnumber.h"
#include "engine/expr/pictures/utf32.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>
#include <vector>

namespace syncline::engine::expr::pictures {

namespace {

using U32 = std::u32string;
constexpr std::size_t npos = U32::npos;

// The decimal-format properties decoded to code points.
struct Properties
{
    U32 decimalSeparator, groupingSeparator, exponentSeparator, minusSign, percent, perMille,
        zeroDigit, digit, patternSeparator;
    std::vector<U32> family;      // the ten digits of the decimal digit family
    std::vector<U32> activeChars; // family + the active separators, as jsonata-js lists them

    explicit Properties(const DecimalFormat &format)
        : decimalSeparator(toUtf32(format.decimalSeparator))
        , groupingSeparator(toUtf32(format.groupingSeparator))
        , exponentSeparator(toUtf32(format.exponentSeparator))
        , minusSign(toUtf32(format.minusSign))
        , percent(toUtf32(format.percent))
        , perMille(toUtf32(format.perMille))
        , zeroDigit(toUtf32(format.zeroDigit))
        , digit(toUtf32(format.digit))
        , patternSeparator(toUtf32(format.patternSeparator))
    {
        const char32_t zero = zeroDigit.empty() ? U'0' : zeroDigit.front();
        for (char32_t c = zero; c < zero + 10; ++c) {
            family.emplace_back(1, c);
        }
        activeChars = family;
        activeChars.insert(activeChars.end(), {decimalSeparator, exponentSeparator,
                                               groupingSeparator, digit, patternSeparator});
    }

    bool isFamily(char32_t c) const { return contains(family, c); }
    bool isActive(char32_t c) const { return contains(activeChars, c); }
    bool isDigitOrOptional(char32_t c) const { return isFamily(c) || is(digit, c); }

    static bool is(const U32 &property, char32_t c) { return property.size() == 1 && property[0] == c; }
    static bool contains(const std::vector<U32> &list, char32_t c)
    {
        return std::any_of(list.begin(), list.end(), [c](const U32 &p) { return is(p, c); });
    }
};

std::size_t indexOf(const U32 &text, const U32 &needle, std::size_t from = 0)
{
    return text.find(needle, std::min(from, text.size()));
}

std::size_t lastIndexOf(const U32 &text, const U32 &needle)
{
    return text.rfind(needle);
}

std::vector<U32> split(const U32 &text, const U32 &separator)
{
    std::vector<U32> parts;
    if (separator.empty()) {
        for (const char32_t c : text) {
            parts.emplace_back(1, c);
        }
        return parts;
    }
    std::size_t start = 0;
    for (std::size_t pos = text.find(separator); pos != npos; pos = text.find(separator, start)) {
        parts.push_back(text.substr(start, pos - start));
        start = pos + separator.size();
    }
    parts.push_back(text.substr(start));
    return parts;
}

// String.prototype.substring(start, end): clamps, and swaps reversed arguments.
U32 substring(const U32 &text, long start, long end)
{
    const long size = static_cast<long>(text.size());
    start = std::clamp(start, 0L, size);
    end = std::clamp(end, 0L, size);
    if (start > end) {
        std::swap(start, end);
    }
    return text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
}

// String.prototype.slice(start, end) with negative arguments counted from the end.
U32 slice(const U32 &text, long start, std::optional<long> end = std::nullopt)
{
    const long size = static_cast<long>(text.size());
    auto resolve = [size](long index) { return index < 0 ? std::max(size + index, 0L) : std::min(index, size); };
    const long from = resolve(start);
    const long to = end ? resolve(*end) : size;
    return from < to ? text.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from)) : U32();
}

long asLong(std::size_t index)
{
    return index == npos ? -1 : static_cast<long>(index);
}

struct Parts
{
    U32 prefix, suffix, activePart, mantissaPart, integerPart, fractionalPart, subpicture;
    std::optional<U32> exponentPart;
};

Parts splitParts(const U32 &subpicture, const Properties &p)
{
    Parts parts;
    parts.subpicture = subpicture;
    auto isBoundary = [&p](char32_t c) { return p.isActive(c) && !Properties::is(p.exponentSeparator, c); };
    for (std::size_t i = 0; i < subpicture.size(); ++i) {
        if (isBoundary(subpicture[i])) {
            parts.prefix = subpicture.substr(0, i);
            break;
        }
    }
    for (std::size_t i = subpicture.size(); i-- > 0;) {
        if (isBoundary(subpicture[i])) {
            parts.suffix = subpicture.substr(i + 1);
            break;
        }
    }
    const long size = static_cast<long>(subpicture.size());
    parts.activePart = substring(subpicture, static_cast<long>(parts.prefix.size()),
                                 size - static_cast<long>(parts.suffix.size()));
    const long exponentPosition = asLong(indexOf(subpicture, p.exponentSeparator, parts.prefix.size()));
    if (exponentPosition == -1 || exponentPosition > size - static_cast<long>(parts.suffix.size())) {
        parts.mantissaPart = parts.activePart;
    } else {
        // jsonata-js indexes the active part with a position found in the whole sub-picture.
        parts.mantissaPart = substring(parts.activePart, 0, exponentPosition);
        parts.exponentPart = substring(parts.activePart, exponentPosition + 1,
                                       static_cast<long>(parts.activePart.size()));
    }
    const std::size_t decimalPosition = indexOf(parts.mantissaPart, p.decimalSeparator);
    if (decimalPosition == npos) {
        parts.integerPart = parts.mantissaPart;
        parts.fractionalPart = parts.suffix;
    } else {
        parts.integerPart = parts.mantissaPart.substr(0, decimalPosition);
        parts.fractionalPart = parts.mantissaPart.substr(decimalPosition + 1);
    }
    return parts;
}

// F&O 4.7.3 checks, in jsonata-js's order: the last failing check names the error.
std::optional<std::string> validate(const Parts &parts, const Properties &p)
{
    std::optional<std::string> error;
    const U32 &sub = parts.subpicture;
    const std::size_t decimalPos = indexOf(sub, p.decimalSeparator);
    if (decimalPos != lastIndexOf(sub, p.decimalSeparator)) {
        error = "D3081";
    }
    if (indexOf(sub, p.percent) != lastIndexOf(sub, p.percent)) {
        error = "D3082";
    }
    if (indexOf(sub, p.perMille) != lastIndexOf(sub, p.perMille)) {
        error = "D3083";
    }
    if (indexOf(sub, p.percent) != npos && indexOf(sub, p.perMille) != npos) {
        error = "D3084";
    }
    const auto &mantissa = parts.mantissaPart;
    if (std::none_of(mantissa.begin(), mantissa.end(), [&p](char32_t c) { return p.isDigitOrOptional(c); })) {
        error = "D3085";
    }
    const auto &active = parts.activePart;
    if (std::any_of(active.begin(), active.end(), [&p](char32_t c) { return !p.isActive(c); })) {
        error = "D3086";
    }
    auto isGrouping = [&p](long index, const U32 &text) {
        return index >= 0 && index < static_cast<long>(text.size())
               && Properties::is(p.groupingSeparator, text[static_cast<std::size_t>(index)]);
    };
    if (decimalPos != npos) {
        if (isGrouping(asLong(decimalPos) - 1, sub) || isGrouping(asLong(decimalPos) + 1, sub)) {
            error = "D3087";
        }
    } else if (isGrouping(static_cast<long>(parts.integerPart.size()) - 1, parts.integerPart)) {
        error = "D3088";
    }
    if (indexOf(sub, p.groupingSeparator + p.groupingSeparator) != npos) {
        error = "D3089";
    }
    const std::size_t optionalInteger = indexOf(parts.integerPart, p.digit);
    if (optionalInteger != npos) {
        const U32 before = parts.integerPart.substr(0, optionalInteger);
        if (std::any_of(before.begin(), before.end(), [&p](char32_t c) { return p.isFamily(c); })) {
            error = "D3090";
        }
    }
    const std::size_t optionalFraction = lastIndexOf(parts.fractionalPart, p.digit);
    if (optionalFraction != npos) {
        const U32 after = parts.fractionalPart.substr(optionalFraction);
        if (std::any_of(after.begin(), after.end(), [&p](char32_t c) { return p.isFamily(c); })) {
            error = "D3091";
        }
    }
    if (parts.exponentPart) {
        const U32 &exponent = *parts.exponentPart;
        if (!exponent.empty() && (indexOf(sub, p.percent) != npos || indexOf(sub, p.perMille) != npos)) {
            error = "D3092";
        }
        if (exponent.empty()
            || std::any_of(exponent.begin(), exponent.end(), [&p](char32_t c) { return !p.isFamily(c); })) {
            error = "D3093";
        }
    }
    return error;
}

struct Variables
{
    std::vector<long> integerGroupingPositions;
    long regularGrouping = 0;
    long minimumIntegerPartSize = 0;
    long scalingFactor = 0;
    std::vector<long> fractionalGroupingPositions;
    long minimumFractionalPartSize = 0;
    long maximumFractionalPartSize = 0;
    long minimumExponentSize = 0;
    U32 prefix, suffix, picture;
};

long countIf(const U32 &text, const std::function<bool(char32_t)> &predicate)
{
    return static_cast<long>(std::count_if(text.begin(), text.end(), predicate));
}

// F&O 4.7.4, as jsonata-js computes it (later separator positions are searched in the integer
// part even for the fractional part).
std::vector<long> groupingPositions(const U32 &part, bool toLeft, const Parts &parts, const Properties &p)
{
    std::vector<long> positions;
    auto digitish = [&p](char32_t c) { return p.isDigitOrOptional(c); };
    std::size_t position = indexOf(part, p.groupingSeparator);
    while (position != npos) {
        const U32 side = toLeft ? part.substr(0, std::min(position, part.size()))
                                : part.substr(std::min(position, part.size()));
        positions.push_back(countIf(side, digitish));
        position = indexOf(parts.integerPart, p.groupingSeparator, position + 1);
    }
    return positions;
}

long regularInterval(const std::vector<long> &positions)
{
    if (positions.empty()) {
        return 0;
    }
    long factor = positions.front();
    for (std::size_t i = 1; i < positions.size(); ++i) {
        factor = std::gcd(factor, positions[i]);
    }
    for (std::size_t index = 1; index <= positions.size(); ++index) {
        if (std::find(positions.begin(), positions.end(), static_cast<long>(index) * factor) == positions.end()) {
            return 0;
        }
    }
    return factor;
}

Variables analyse(const Parts &parts, const Properties &p)
{
    Variables v;
    auto family = [&p](char32_t c) { return p.isFamily(c); };
    auto digitish = [&p](char32_t c) { return p.isDigitOrOptional(c); };
    v.integerGroupingPositions = groupingPositions(parts.integerPart, false, parts, p);
    v.regularGrouping = regularInterval(v.integerGroupingPositions);
    v.fractionalGroupingPositions = groupingPositions(parts.fractionalPart, true, parts, p);
    v.minimumIntegerPartSize = countIf(parts.integerPart, family);
    v.scalingFactor = v.minimumIntegerPartSize;
    v.minimumFractionalPartSize = countIf(parts.fractionalPart, family);
    v.maximumFractionalPartSize = countIf(parts.fractionalPart, digitish);
    const bool exponentPresent = parts.exponentPart.has_value();
    if (v.minimumIntegerPartSize == 0 && v.maximumFractionalPartSize == 0) {
        if (exponentPresent) {
            v.minimumFractionalPartSize = 1;
            v.maximumFractionalPartSize = 1;
        } else {
            v.minimumIntegerPartSize = 1;
        }
    }
    if (exponentPresent && v.minimumIntegerPartSize == 0 && indexOf(parts.integerPart, p.digit) != npos) {
        v.minimumIntegerPartSize = 1;
    }
    if (v.minimumIntegerPartSize == 0 && v.minimumFractionalPartSize == 0) {
        v.minimumFractionalPartSize = 1;
    }
    if (exponentPresent) {
        v.minimumExponentSize = countIf(*parts.exponentPart, family);
    }
    v.prefix = parts.prefix;
    v.suffix = parts.suffix;
    v.picture = parts.subpicture;
    return v;
}

U32 repeat(const U32 &text, long count)
{
    U32 out;
    for (long i = 0; i < count; ++i) {
        out += text;
    }
    return out;
}

U32 makeString(double value, long digits, const Properties &p)
{
    U32 text = toUtf32(js::toFixed(std::fabs(value), static_cast<int>(std::clamp(digits, 0L, 100L))));
    if (!Properties::is(p.zeroDigit, U'0')) {
        for (char32_t &c : text) {
            if (c >= U'0' && c <= U'9') {
                c = p.family[c - U'0'][0];
            }
        }
    }
    return text;
}

bool startsWith(const U32 &text, const U32 &prefix)
{
    return !prefix.empty() && text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

U32 formatWith(double value, const Variables &pic, const Properties &p)
{
    double adjusted = value;
    if (indexOf(pic.picture, p.percent) != npos) {
        adjusted = value * 100;
    } else if (indexOf(pic.picture, p.perMille) != npos) {
        adjusted = value * 1000;
    }
    double mantissa = adjusted;
    std::optional<long> exponent;
    if (pic.minimumExponentSize != 0) {
        const double maxMantissa = std::pow(10.0, static_cast<double>(pic.scalingFactor));
        const double minMantissa = std::pow(10.0, static_cast<double>(pic.scalingFactor - 1));
        exponent = 0;
        if (mantissa != 0) {
            while (std::fabs(mantissa) < minMantissa) {
                mantissa *= 10;
                --*exponent;
            }
            while (std::fabs(mantissa) > maxMantissa) {
                mantissa /= 10;
                ++*exponent;
            }
        }
    }
    const double rounded = js::round(mantissa, static_cast<int>(pic.maximumFractionalPartSize));
    U32 text = makeString(rounded, pic.maximumFractionalPartSize, p);
    const std::size_t dot = text.find(U'.');
    if (dot == npos) {
        text += p.decimalSeparator;
    } else {
        text = text.substr(0, dot) + p.decimalSeparator + text.substr(dot + 1);
    }
    while (startsWith(text, p.zeroDigit) && p.zeroDigit.size() == 1) {
        text.erase(0, 1);
    }
    while (!text.empty() && Properties::is(p.zeroDigit, text.back())) {
        text.pop_back();
    }
    long decimalPos = asLong(indexOf(text, p.decimalSeparator));
    const long padLeft = pic.minimumIntegerPartSize - decimalPos;
    const long padRight = pic.minimumFractionalPartSize - (static_cast<long>(text.size()) - decimalPos - 1);
    text = repeat(p.zeroDigit, padLeft) + text + repeat(p.zeroDigit, padRight);
    decimalPos = asLong(indexOf(text, p.decimalSeparator));
    if (pic.regularGrouping > 0) {
        const long groupCount = static_cast<long>(std::floor(static_cast<double>(decimalPos - 1) / pic.regularGrouping));
        for (long group = 1; group <= groupCount; ++group) {
            const long at = decimalPos - group * pic.regularGrouping;
            text = slice(text, 0, at) + p.groupingSeparator + slice(text, at);
        }
    } else {
        for (const long pos : pic.integerGroupingPositions) {
            text = slice(text, 0, decimalPos - pos) + p.groupingSeparator + slice(text, decimalPos - pos);
            ++decimalPos;
        }
    }
    decimalPos = asLong(indexOf(text, p.decimalSeparator));
    for (const long pos : pic.fractionalGroupingPositions) {
        text = slice(text, 0, pos + decimalPos + 1) + p.groupingSeparator + slice(text, pos + decimalPos + 1);
    }
    decimalPos = asLong(indexOf(text, p.decimalSeparator));
    if (indexOf(pic.picture, p.decimalSeparator) == npos || decimalPos == static_cast<long>(text.size()) - 1) {
        text = substring(text, 0, static_cast<long>(text.size()) - 1);
    }
    if (exponent) {
        U32 exponentText = makeString(static_cast<double>(*exponent), 0, p);
        const long pad = pic.minimumExponentSize - static_cast<long>(exponentText.size());
        exponentText = repeat(p.zeroDigit, pad) + exponentText;
        text += p.exponentSeparator + (*exponent < 0 ? p.minusSign : U32()) + exponentText;
    }
    return pic.prefix + text + pic.suffix;
}

} // namespace

bool DecimalFormat::set(std::string_view name, std::string value)
{
    std::string *target = nullptr;
    if (name == "decimal-separator") {
        target = &decimalSeparator;
    } else if (name == "grouping-separator") {
        target = &groupingSeparator;
    } else if (name == "exponent-separator") {
        target = &exponentSeparator;
    } else if (name == "minus-sign") {
        target = &minusSign;
    } else if (name == "infinity") {
        target = &infinity;
    } else if (name == "NaN") {
        target = &nan;
    } else if (name == "percent") {
        target = &percent;
    } else if (name == "per-mille") {
        target = &perMille;
    } else if (name == "zero-digit") {
        target = &zeroDigit;
    } else if (name == "digit") {
        target = &digit;
    } else if (name == "pattern-separator") {
        target = &patternSeparator;
    }
    if (target == nullptr) {
        return false;
    }
    *target = std::move(value);
    return true;
}

Result<std::string> formatNumber(double value, std::string_view picture, const DecimalFormat &format)
{
    const Properties properties(format);
    const std::vector<U32> subPictures = split(toUtf32(picture), properties.patternSeparator);
    if (subPictures.size() > 2) {
        return pictureError("D3080");
    }
    std::vector<Parts> parts;
    for (const auto &sub : subPictures) {
        parts.push_back(splitParts(sub, properties));
    }
    for (const auto &part : parts) {
        if (const auto error = validate(part, properties)) {
            return pictureError(*error);
        }
    }
    std::vector<Variables> variables;
    for (const auto &part : parts) {
        variables.push_back(analyse(part, properties));
    }
    if (variables.size() == 1) {
        variables.push_back(variables.front());
        variables.back().prefix = properties.minusSign + variables.back().prefix;
    }
    // jsonata-js has no case for these (its loops never end on them); F&O §4.7.5 bullets 1 and 4.
    if (std::isnan(value)) {
        return format.nan;
    }
    const Variables &pic = value >= 0 ? variables[0] : variables[1];
    if (std::isinf(value)) {
        return toUtf8(pic.prefix) + format.infinity + toUtf8(pic.suffix);
    }
    return toUtf8(formatWith(value, pic, properties));
}

Result<std::string> formatBase(double value, double radix)
{
    const double rounded = js::round(value);
    const double base = js::round(radix);
    if (!(base >= 2 && base <= 36)) {
        return pictureError("D3100", js::numberToString(base));
    }
    return js::toRadixString(rounded, static_cast<int>(base));
}

} // namespace syncline::engine::expr::pictures
