#include "engine/expr/pictures/datetimeparser.h"

#include "engine/expr/pictures/calendar.h"
#include "engine/expr/pictures/datetimepicture.h"
#include "engine/expr/pictures/jsnumber.h"
#include "engine/expr/pictures/utf32.h"
#include "engine/expr/regex/regex.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace syncline::engine::expr::pictures {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One capture of the generated regular expression and how to read it.
struct PartMatcher
{
    std::u32string regex;
    char32_t component = 0; ///< 0 for literal text
    std::function<std::optional<double>(const std::u32string &)> parse;
};

std::u32string escapeLiteral(std::u32string_view text)
{
    std::u32string out;
    for (const char32_t c : text) {
        if (std::u32string_view(U".*+?^${}()|[]\\").find(c) != std::u32string_view::npos) {
            out.push_back(U'\\');
        }
        out.push_back(c);
    }
    return out;
}

PartMatcher timezoneMatcher(const DateMarker &marker)
{
    PartMatcher matcher;
    const IntegerPicture &format = *marker.integerFormat;
    const std::optional<char32_t> separator = format.regular ? std::optional(format.regularCharacter) : std::nullopt;
    const bool gmt = marker.component == U'z';
    matcher.regex = gmt ? U"GMT" : U"";
    matcher.regex += U"[-+][0-9]+";
    if (separator) {
        matcher.regex += *separator;
        matcher.regex += U"[0-9]+";
    }
    matcher.parse = [gmt, separator](const std::u32string &text) -> std::optional<double> {
        const std::u32string value = gmt ? text.substr(std::min<std::size_t>(3, text.size())) : text;
        double hours = 0;
        double minutes = 0;
        if (separator) {
            const std::size_t at = value.find(*separator);
            hours = js::parseInt(value.substr(0, at));
            minutes = js::parseInt(at == std::u32string::npos ? value : value.substr(at + 1));
        } else if (value.size() <= 3) {
            hours = js::parseInt(value);
        } else {
            hours = js::parseInt(value.substr(0, 3));
            minutes = js::parseInt(value.substr(3));
        }
        return hours * 60 + minutes;
    };
    return matcher;
}

Result<PartMatcher> nameMatcher(const DateMarker &marker)
{
    PartMatcher matcher;
    matcher.regex = U"[a-zA-Z]+";
    std::map<std::u32string, double> lookup;
    const bool truncate = marker.maxWidth && *marker.maxWidth > 0;
    auto add = [&](std::u32string name, double value) {
        if (truncate) {
            name = name.substr(0, static_cast<std::size_t>(*marker.maxWidth));
        }
        lookup[std::move(name)] = value; // a later name wins, as with a JavaScript object
    };
    if (marker.component == U'M' || marker.component == U'x') {
        for (int month = 1; month <= 12; ++month) {
            add(monthName(month), month);
        }
    } else if (marker.component == U'F') {
        for (int day = 1; day <= 7; ++day) {
            add(dayName(day), day);
        }
    } else if (marker.component == U'P') {
        lookup = {{U"am", 0}, {U"AM", 0}, {U"pm", 1}, {U"PM", 1}};
    } else {
        return pictureError("D3133", jsonQuote(std::u32string(1, marker.component)));
    }
    matcher.parse = [lookup](const std::u32string &text) -> std::optional<double> {
        const auto it = lookup.find(text);
        return it == lookup.end() ? std::nullopt : std::optional(it->second);
    };
    return matcher;
}

// Fractional seconds are a decimal fraction: "5" is 500 ms, "01987" is 19 ms.
double parseFraction(const std::u32string &digits)
{
    std::u32string first3 = digits.substr(0, 3);
    while (first3.size() < 3) {
        first3.push_back(U'0');
    }
    return js::parseInt(first3);
}

Result<PartMatcher> markerMatcher(const DateMarker &marker)
{
    if (marker.component == U'Z' || marker.component == U'z') {
        return timezoneMatcher(marker);
    }
    if (!marker.integerFormat) {
        return nameMatcher(marker);
    }
    auto integer = integerMatcher(*marker.integerFormat);
    if (!integer) {
        return integer.error();
    }
    PartMatcher matcher;
    matcher.regex = integer->regex;
    if (marker.component == U'f' && marker.integerFormat->primary == IntegerPrimary::Decimal) {
        matcher.parse = [](const std::u32string &text) -> std::optional<double> { return parseFraction(text); };
    } else {
        matcher.parse = [integer = std::move(*integer)](const std::u32string &text) -> std::optional<double> {
            return integer.parse(text);
        };
    }
    return matcher;
}

// The components captured, with JavaScript's distinction between absent and undefined.
struct Components
{
    std::map<char32_t, std::optional<double>> values;

    bool defined(char32_t c) const
    {
        const auto it = values.find(c);
        return it != values.end() && it->second.has_value();
    }
    bool truthy(char32_t c) const
    {
        return defined(c) && *values.at(c) != 0 && !std::isnan(*values.at(c));
    }
    double get(char32_t c) const { return defined(c) ? *values.at(c) : kNaN; }
};

int maskOf(const Components &components, std::u32string_view letters)
{
    int mask = 0;
    for (const char32_t c : letters) {
        mask = (mask << 1) | (components.truthy(c) ? 1 : 0);
    }
    return mask;
}

bool isType(int type, int mask)
{
    return (~type & mask) == 0 && (type & mask) != 0;
}

Result<std::optional<double>> assemble(Components &components, double nowMillis)
{
    // Date masks over YXMxWwdD, time masks over PHhmsf (jsonata-js's table of valid sets).
    const int dateMask = maskOf(components, U"YXMxWwdD");
    const bool dateA = isType(0b10100001, dateMask);
    const bool dateB = !dateA && isType(0b10000010, dateMask);
    const bool dateC = isType(0b01010100, dateMask);
    const bool dateD = !dateC && isType(0b01001000, dateMask);
    const int timeMask = maskOf(components, U"PHhmsf");
    const bool timeA = isType(0b010111, timeMask);
    const bool timeB = !timeA && isType(0b101111, timeMask);

    std::u32string comps = dateB ? U"YD" : dateC ? U"XxwF" : dateD ? U"XWF" : U"YMD";
    comps += timeB ? U"Phmsf" : U"Hmsf";

    const DateFields now = dateFromTime(nowMillis);
    bool startSpecified = false;
    bool endSpecified = false;
    for (const char32_t part : comps) {
        if (!components.defined(part)) {
            if (startSpecified) {
                components.values[part] = std::u32string_view(U"MDd").find(part) != std::u32string_view::npos ? 1 : 0;
                endSpecified = true;
            } else {
                components.values[part] = dateComponent(now, part);
            }
        } else {
            startSpecified = true;
            if (endSpecified) {
                return pictureError("D3136");
            }
        }
    }
    double month = components.get(U'M') > 0 ? components.get(U'M') - 1 : 0;
    double day = components.get(U'D');
    if (dateB) {
        const double firstJan = dateUtc(components.get(U'Y'), 0);
        const DateFields derived = dateFromTime(firstJan + (components.get(U'd') - 1) * 86400000.0);
        month = derived.month;
        day = derived.day;
    }
    if (dateC || dateD) {
        return pictureError("D3136");
    }
    double hours = components.get(U'H');
    if (timeB) {
        hours = components.get(U'h') == 12 ? 0 : components.get(U'h');
        if (components.get(U'P') == 1) {
            hours += 12;
        }
    }
    double millis = dateUtc(components.get(U'Y'), month, day, hours, components.get(U'm'),
                            components.get(U's'), components.get(U'f'));
    const double zone = components.truthy(U'Z') ? components.get(U'Z')
                        : components.truthy(U'z') ? components.get(U'z') : 0;
    millis -= zone * 60 * 1000;
    return std::optional<double>(millis);
}

bool isDigits(std::string_view text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

double number(std::string_view digits)
{
    return std::strtod(std::string(digits).c_str(), nullptr);
}

int daysInMonth(double year, double month)
{
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const auto y = static_cast<long long>(year);
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return month == 2 && leap ? 29 : kDays[static_cast<int>(month) - 1];
}

// JavaScript's Date.parse for the strings that passed jsonata-js's ISO 8601 check. A date-time
// without an offset is taken as UTC (JavaScript would use the machine's local time zone).
double dateParse(std::string_view text)
{
    std::size_t pos = 4;
    const double year = number(text.substr(0, 4));
    double month = 1;
    double day = 1;
    double hours = 0;
    double minutes = 0;
    double seconds = 0;
    double millis = 0;
    double offsetMinutes = 0;
    if (pos < text.size() && text[pos] == '-') {
        month = number(text.substr(pos + 1, 2));
        pos += 3;
        if (pos < text.size() && text[pos] == '-') {
            day = number(text.substr(pos + 1, 2));
            pos += 3;
        }
    }
    bool hasTime = false;
    if (pos < text.size() && text[pos] == 'T') {
        hasTime = true;
        hours = number(text.substr(pos + 1, 2));
        minutes = number(text.substr(pos + 4, 2));
        seconds = number(text.substr(pos + 7, 2));
        pos += 9;
        if (pos < text.size() && text[pos] == '.') {
            std::size_t end = pos + 1;
            while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
                ++end;
            }
            std::string fraction(text.substr(pos + 1, end - pos - 1));
            fraction.resize(3, '0');
            millis = number(fraction);
            pos = end;
        }
    }
    if (pos < text.size()) {
        const char sign = text[pos];
        if (!hasTime) {
            return kNaN;
        }
        if (sign == 'Z') {
            ++pos;
        } else {
            std::string_view zone = text.substr(pos + 1);
            std::string compact;
            for (const char c : zone) {
                if (c != ':') {
                    compact.push_back(c);
                }
            }
            if (compact.size() != 4 || !isDigits(compact)) {
                return kNaN;
            }
            offsetMinutes = number(compact.substr(0, 2)) * 60 + number(compact.substr(2, 2));
            if (sign == '-') {
                offsetMinutes = -offsetMinutes;
            }
            pos = text.size();
        }
    }
    if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)
        || minutes > 59 || seconds > 59 || hours > 24
        || (hours == 24 && (minutes != 0 || seconds != 0 || millis != 0))) {
        return kNaN;
    }
    // Date.UTC would map years 0..99 to the 1900s; an ISO year is taken as written.
    const double shift = year < 100 ? 400 : 0;
    const double base = dateUtc(year + shift, month - 1, day, hours, minutes, seconds, millis);
    const double fourCenturiesMs = 146097.0 * 86400000.0;
    return base - (shift > 0 ? fourCenturiesMs : 0) - offsetMinutes * 60000;
}

} // namespace

Result<std::optional<double>> parseIsoTimestamp(std::string_view timestamp)
{
    static const auto isoPattern = regex::Regex::compile(
        R"(^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$)");
    auto matched = isoPattern->test(timestamp);
    if (!matched || !*matched) {
        return pictureError("D3110", jsonQuote(toUtf32(timestamp)));
    }
    return std::optional<double>(dateParse(timestamp));
}

Result<std::optional<double>> parseWithPicture(const std::u32string &timestamp,
                                               const std::u32string &picture, double nowMillis)
{
    auto spec = datePicture(picture);
    if (!spec) {
        return spec.error();
    }
    std::vector<PartMatcher> parts;
    std::u32string pattern = U"^";
    for (const auto &part : **spec) {
        PartMatcher matcher;
        if (part.literal) {
            matcher.regex = escapeLiteral(part.text);
        } else {
            auto made = markerMatcher(part.marker);
            if (!made) {
                return made.error();
            }
            matcher = std::move(*made);
            matcher.component = part.marker.component;
        }
        pattern += U"(" + matcher.regex + U")";
        parts.push_back(std::move(matcher));
    }
    pattern += U"$";
    auto compiled = regex::Regex::compile(toUtf8(pattern), "i");
    if (!compiled) {
        return std::optional<double>();
    }
    auto match = compiled->exec(toUtf8(timestamp));
    if (!match) {
        return match.error();
    }
    if (!*match) {
        return std::optional<double>();
    }
    Components components;
    const auto &groups = (*match)->groups;
    for (std::size_t i = 0; i < parts.size() && i < groups.size(); ++i) {
        if (parts[i].parse) {
            components.values[parts[i].component] = parts[i].parse(toUtf32(groups[i].value_or(std::string())));
        }
    }
    if (components.values.empty()) {
        return std::optional<double>();
    }
    return assemble(components, nowMillis);
}

} // namespace syncline::engine::expr::pictures
