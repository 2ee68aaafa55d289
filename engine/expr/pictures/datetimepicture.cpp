#include "engine/expr/pictures/datetimepicture.h"

#include "engine/expr/pictures/jsnumber.h"
#include "engine/expr/pictures/utf32.h"

#include <cmath>
#include <unordered_map>

namespace syncline::engine::expr::pictures {

namespace {

constexpr double kMsPerDay = 86400000.0;

std::u32string removeSpaces(std::u32string_view text)
{
    std::u32string out;
    for (const char32_t c : text) {
        if (!js::isJsSpace(c)) {
            out.push_back(c);
        }
    }
    return out;
}

std::u32string replaceAll(std::u32string text, std::u32string_view from, std::u32string_view to)
{
    std::size_t pos = 0;
    while ((pos = text.find(from, pos)) != std::u32string::npos) {
        text.replace(pos, from.size(), to);
        pos += to.size();
    }
    return text;
}

std::optional<double> parseWidth(std::optional<std::u32string_view> text)
{
    if (!text || *text == U"*") {
        return std::nullopt;
    }
    return js::parseInt(*text);
}

const char32_t *defaultPresentation(char32_t component)
{
    switch (component) {
    case U'Y': case U'M': case U'D': case U'd': case U'W': case U'w': case U'X': case U'x':
    case U'H': case U'h': case U'f':
        return U"1";
    case U'F': case U'P': case U'C': case U'E':
        return U"n";
    case U'm': case U's':
        return U"01";
    case U'Z': case U'z':
        return U"01:01";
    default:
        return nullptr;
    }
}

bool isIntegerComponent(char32_t c)
{
    return std::u32string_view(U"YMDdFWwXxHhmsf").find(c) != std::u32string_view::npos;
}

Result<DateMarker> analyseMarker(std::u32string_view body, std::vector<DatePicturePart> &spec)
{
    const std::u32string marker = removeSpaces(body);
    DateMarker def;
    def.component = marker.empty() ? 0 : marker.front();
    std::u32string presentation;
    const std::size_t comma = marker.rfind(U',');
    if (comma != std::u32string::npos) {
        const std::u32string_view widthText = std::u32string_view(marker).substr(comma + 1);
        const std::size_t dash = widthText.find(U'-');
        def.hasWidth = true;
        if (dash == std::u32string_view::npos) {
            def.minWidth = parseWidth(widthText);
        } else {
            def.minWidth = parseWidth(widthText.substr(0, dash));
            def.maxWidth = parseWidth(widthText.substr(dash + 1));
        }
        presentation = marker.substr(std::min<std::size_t>(1, marker.size()), comma - std::min<std::size_t>(1, comma));
    } else {
        presentation = marker.size() > 1 ? marker.substr(1) : std::u32string();
    }
    if (presentation.size() == 1) {
        def.presentation1 = presentation;
    } else if (presentation.size() > 1) {
        const char32_t last = presentation.back();
        if (std::u32string_view(U"atco").find(last) != std::u32string_view::npos) {
            def.presentation2 = last;
            def.presentation1 = presentation.substr(0, presentation.size() - 1);
        } else {
            def.presentation1 = presentation;
        }
    } else {
        const char32_t *fallback = defaultPresentation(def.component);
        if (fallback == nullptr) {
            return pictureError("D3132", jsonQuote(std::u32string(def.component ? 1 : 0, def.component)));
        }
        def.presentation1 = fallback;
    }
    if (!def.presentation1.empty() && def.presentation1[0] == U'n') {
        def.names = LetterCase::Lower;
    } else if (!def.presentation1.empty() && def.presentation1[0] == U'N') {
        def.names = def.presentation1.size() > 1 && def.presentation1[1] == U'n' ? LetterCase::Title
                                                                                : LetterCase::Upper;
    } else if (isIntegerComponent(def.component)) {
        std::u32string integerPattern = def.presentation1;
        if (def.presentation2) {
            integerPattern += U';';
            integerPattern += *def.presentation2;
        }
        auto format = analyseIntegerPicture(integerPattern);
        if (!format) {
            return format.error();
        }
        if (def.minWidth && format->mandatoryDigits < *def.minWidth) {
            format->mandatoryDigits = static_cast<int>(*def.minWidth);
        }
        if (def.component == U'Y') {
            if (def.maxWidth && !std::isnan(*def.maxWidth)) {
                def.yearDigits = static_cast<int>(*def.maxWidth);
                format->mandatoryDigits = def.yearDigits;
            } else if (format->mandatoryDigits + format->optionalDigits >= 2) {
                def.yearDigits = format->mandatoryDigits + format->optionalDigits;
            }
        }
        // Two integers with nothing between them can only be told apart by fixed widths.
        if (!spec.empty() && !spec.back().literal && spec.back().marker.integerFormat) {
            auto &previous = *spec.back().marker.integerFormat;
            previous.parseWidth = previous.mandatoryDigits;
        }
        def.integerFormat = std::move(*format);
    }
    if (def.component == U'Z' || def.component == U'z') {
        auto format = analyseIntegerPicture(def.presentation1);
        if (!format) {
            return format.error();
        }
        def.integerFormat = std::move(*format);
    }
    return def;
}

// Start (ms) of the first ISO week of a month: the week (from Monday) holding its first Thursday.
double startOfFirstWeek(double year, double month)
{
    const double first = dateUtc(year, month);
    double weekDay = dateFromTime(first).weekDay;
    if (weekDay == 0) {
        weekDay = 7;
    }
    return weekDay > 4 ? first + (8 - weekDay) * kMsPerDay : first - (weekDay - 1) * kMsPerDay;
}

double deltaWeeks(double start, double end)
{
    return (end - start) / (kMsPerDay * 7) + 1;
}

double weekInYear(const DateFields &date)
{
    const double start = startOfFirstWeek(date.year, 0);
    const double today = dateUtc(date.year, date.month, date.day);
    double week = deltaWeeks(start, today);
    if (week > 52) {
        if (today >= startOfFirstWeek(date.year + 1, 0)) {
            week = 1;
        }
    } else if (week < 1) {
        week = deltaWeeks(startOfFirstWeek(date.year - 1, 0), today);
    }
    return std::floor(week);
}

double weekInMonth(const DateFields &date)
{
    const double start = startOfFirstWeek(date.year, date.month);
    const double today = dateUtc(date.year, date.month, date.day);
    double week = deltaWeeks(start, today);
    if (week > 4) {
        const double nextYear = date.month == 11 ? date.year + 1 : date.year;
        const double nextMonth = date.month == 11 ? 0 : date.month + 1;
        if (today >= startOfFirstWeek(nextYear, nextMonth)) {
            week = 1;
        }
    } else if (week < 1) {
        const double previousYear = date.month == 0 ? date.year - 1 : date.year;
        const double previousMonth = date.month == 0 ? 11 : date.month - 1;
        week = deltaWeeks(startOfFirstWeek(previousYear, previousMonth), today);
    }
    return std::floor(week);
}

double weekYear(const DateFields &date)
{
    if (date.time < startOfFirstWeek(date.year, 0)) {
        return date.year - 1;
    }
    if (date.time >= startOfFirstWeek(date.year + 1, 0)) {
        return date.year + 1;
    }
    return date.year;
}

double weekMonth(const DateFields &date)
{
    const double nextYear = date.month == 11 ? date.year + 1 : date.year;
    const double nextMonth = date.month == 11 ? 0 : date.month + 1;
    if (date.time < startOfFirstWeek(date.year, date.month)) {
        return (date.month == 0 ? 11 : date.month - 1) + 1;
    }
    if (date.time >= startOfFirstWeek(nextYear, nextMonth)) {
        return nextMonth + 1;
    }
    return date.month + 1;
}

} // namespace

Result<std::vector<DatePicturePart>> analyseDatePicture(std::u32string_view picture)
{
    std::vector<DatePicturePart> spec;
    auto addLiteral = [&](std::size_t start, std::size_t end) {
        if (end > start) {
            spec.push_back({true, replaceAll(std::u32string(picture.substr(start, end - start)), U"]]", U"]"), {}});
        }
    };
    std::size_t start = 0;
    std::size_t pos = 0;
    while (pos < picture.size()) {
        if (picture[pos] != U'[') {
            ++pos;
            continue;
        }
        if (pos + 1 < picture.size() && picture[pos + 1] == U'[') {
            addLiteral(start, pos);
            spec.push_back({true, U"[", {}});
            pos += 2;
            start = pos;
            continue;
        }
        addLiteral(start, pos);
        start = pos;
        pos = picture.find(U']', start);
        if (pos == std::u32string_view::npos) {
            return pictureError("D3135");
        }
        auto marker = analyseMarker(picture.substr(start + 1, pos - start - 1), spec);
        if (!marker) {
            return marker.error();
        }
        spec.push_back({false, {}, std::move(*marker)});
        ++pos;
        start = pos;
    }
    addLiteral(start, pos);
    return spec;
}

Result<DatePicture> datePicture(std::u32string_view picture)
{
    constexpr std::size_t kKept = 64;
    thread_local std::unordered_map<std::u32string, DatePicture> kept;
    if (const auto it = kept.find(std::u32string(picture)); it != kept.end()) {
        return it->second;
    }
    Result<std::vector<DatePicturePart>> analysed = analyseDatePicture(picture);
    if (!analysed) {
        return analysed.error();
    }
    if (kept.size() >= kKept) {
        kept.clear();
    }
    auto shared = std::make_shared<const std::vector<DatePicturePart>>(std::move(*analysed));
    kept.emplace(std::u32string(picture), shared);
    return DatePicture(std::move(shared));
}

std::optional<double> dateComponent(const DateFields &date, char32_t component)
{
    switch (component) {
    case U'Y':
        return date.year;
    case U'M':
        return date.month + 1;
    case U'D':
        return date.day;
    case U'd':
        return (dateUtc(date.year, date.month, date.day) - dateUtc(date.year, 0)) / kMsPerDay + 1;
    case U'F':
        return date.weekDay == 0 ? 7 : date.weekDay;
    case U'W':
        return weekInYear(date);
    case U'w':
        return weekInMonth(date);
    case U'X':
        return weekYear(date);
    case U'x':
        return weekMonth(date);
    case U'H':
        return date.hours;
    case U'h': {
        const double hour = std::fmod(date.hours, 12);
        return hour == 0 ? 12 : hour;
    }
    case U'P':
        return date.hours >= 12 ? 1 : 0;
    case U'm':
        return date.minutes;
    case U's':
        return date.seconds;
    case U'f':
        return date.millis;
    default:
        return std::nullopt;
    }
}

std::u32string monthName(double month)
{
    static const char32_t *const kMonths[] = {U"January", U"February", U"March", U"April", U"May",
        U"June", U"July", U"August", U"September", U"October", U"November", U"December"};
    if (!(month >= 1 && month <= 12)) {
        return U"undefined";
    }
    return kMonths[static_cast<int>(month) - 1];
}

std::u32string dayName(double day)
{
    static const char32_t *const kDays[] = {U"Monday", U"Tuesday", U"Wednesday", U"Thursday",
        U"Friday", U"Saturday", U"Sunday"};
    if (!(day >= 1 && day <= 7)) {
        return U"undefined";
    }
    return kDays[static_cast<int>(day) - 1];
}

} // namespace syncline::engine::expr::pictures
