#include "engine/expr/pictures/datetime.h"

#include "engine/expr/pictures/calendar.h"
#include "engine/expr/pictures/datetimeparser.h"
#include "engine/expr/pictures/datetimepicture.h"
#include "engine/expr/pictures/jsnumber.h"
#include "engine/expr/pictures/utf32.h"

#include <chrono>
#include <cmath>

namespace syncline::engine::expr::pictures {

namespace {

constexpr std::u32string_view kIsoPicture = U"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
// The calendar date picture mappings use most; in UTC it is the first ten characters of the
// default picture's text.
constexpr std::string_view kIsoDatePicture = "[Y0001]-[M01]-[D01]";
constexpr std::size_t kIsoDateLength = 10;

struct Offset
{
    double hours = 0;
    double minutes = 0;
};

// jsonata-js reads the timezone with parseInt and splits it arithmetically: "-0530" becomes
// -6 hours and -30 minutes. Kept, because matching jsonata-js is the contract.
Offset parseTimezone(std::optional<std::string_view> timezone)
{
    if (!timezone) {
        return {};
    }
    const double offset = js::parseInt(toUtf32(*timezone));
    return {std::floor(offset / 100), std::fmod(offset, 100)};
}

// The default picture in UTC, written directly: what kIsoPicture gives for years 0 to 9999 (the
// usual case, and the one mappings run per message).
std::optional<std::string> isoUtc(double millis)
{
    const DateFields date = dateFromTime(millis);
    if (std::isnan(date.time) || date.year < 0 || date.year > 9999) {
        return std::nullopt;
    }
    std::string text = "0000-00-00T00:00:00.000Z";
    const auto put = [&text](std::size_t end, int value) {
        for (std::size_t at = end; value > 0; value /= 10) {
            text[--at] = char('0' + value % 10);
        }
    };
    put(4, int(date.year));
    put(7, int(date.month) + 1);
    put(10, int(date.day));
    put(13, int(date.hours));
    put(16, int(date.minutes));
    put(19, int(date.seconds));
    put(23, int(date.millis));
    return text;
}

Result<std::u32string> formatName(const DateMarker &marker, double value)
{
    std::u32string name;
    if (marker.component == U'M' || marker.component == U'x') {
        name = monthName(value);
    } else if (marker.component == U'F') {
        name = dayName(value);
    } else {
        return pictureError("D3133", jsonQuote(std::u32string(1, marker.component)));
    }
    if (*marker.names == LetterCase::Upper) {
        name = asciiUpper(std::move(name));
    } else if (*marker.names == LetterCase::Lower) {
        name = asciiLower(std::move(name));
    }
    if (marker.hasWidth && marker.maxWidth && static_cast<double>(name.size()) > *marker.maxWidth) {
        name = name.substr(0, static_cast<std::size_t>(*marker.maxWidth));
    }
    return name;
}

Result<std::u32string> formatTimezone(const DateMarker &marker, Offset offset)
{
    const double combined = offset.hours * 100 + offset.minutes;
    const IntegerPicture &format = *marker.integerFormat;
    std::u32string text;
    if (format.regular) {
        auto formatted = formatWithPicture(combined, format);
        if (!formatted) {
            return formatted.error();
        }
        text = *formatted;
    } else if (format.mandatoryDigits == 1 || format.mandatoryDigits == 2) {
        auto formatted = formatWithPicture(offset.hours, format);
        if (!formatted) {
            return formatted.error();
        }
        text = *formatted;
        if (offset.minutes != 0) {
            IntegerPicture twoDigits;
            twoDigits.mandatoryDigits = 2;
            auto minutes = formatWithPicture(std::floor(offset.minutes), twoDigits);
            text += U':' + (minutes ? *minutes : std::u32string());
        }
    } else if (format.mandatoryDigits == 3 || format.mandatoryDigits == 4) {
        auto formatted = formatWithPicture(combined, format);
        if (!formatted) {
            return formatted.error();
        }
        text = *formatted;
    } else {
        return pictureError("D3134", std::to_string(format.mandatoryDigits));
    }
    if (combined >= 0) {
        text.insert(text.begin(), U'+');
    }
    if (marker.component == U'z') {
        text.insert(0, U"GMT");
    }
    if (combined == 0 && marker.presentation2 == U't') {
        text = U"Z";
    }
    return text;
}

Result<std::u32string> formatMarker(const DateMarker &marker, const DateFields &date, Offset offset)
{
    const char32_t c = marker.component;
    const auto value = dateComponent(date, c);
    if (std::u32string_view(U"YMDdFWwXxHhms").find(c) != std::u32string_view::npos) {
        double number = *value;
        if (c == U'Y' && marker.yearDigits != -1) {
            number = std::fmod(number, std::pow(10.0, marker.yearDigits));
        }
        if (marker.names) {
            return formatName(marker, number);
        }
        return formatWithPicture(number, *marker.integerFormat);
    }
    if (c == U'f') {
        return formatWithPicture(*value, *marker.integerFormat);
    }
    if (c == U'Z' || c == U'z') {
        return formatTimezone(marker, offset);
    }
    if (c == U'P') {
        std::u32string text = *value == 1 ? U"pm" : U"am";
        return marker.names == LetterCase::Upper ? asciiUpper(std::move(text)) : text;
    }
    if (c == U'C' || c == U'E') {
        return std::u32string(U"ISO");
    }
    // jsonata-js concatenates the undefined value of a component it does not know.
    return std::u32string(U"undefined");
}

} // namespace

std::int64_t currentMillis()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<std::string> fromMillis(double millis, std::optional<std::string_view> picture,
                               std::optional<std::string_view> timezone)
{
    if (!picture && !timezone) {
        if (std::optional<std::string> iso = isoUtc(millis)) {
            return *iso;
        }
    }
    if (picture == kIsoDatePicture && !timezone) {
        if (std::optional<std::string> iso = isoUtc(millis)) {
            iso->resize(kIsoDateLength);
            return *iso;
        }
    }
    auto spec = datePicture(picture ? toUtf32(*picture) : std::u32string(kIsoPicture));
    if (!spec) {
        return spec.error();
    }
    const Offset offset = parseTimezone(timezone);
    const double offsetMillis = (60 * offset.hours + offset.minutes) * 60 * 1000;
    const DateFields date = dateFromTime(millis + offsetMillis);
    std::u32string result;
    for (const auto &part : **spec) {
        if (part.literal) {
            result += part.text;
            continue;
        }
        auto text = formatMarker(part.marker, date, offset);
        if (!text) {
            return text.error();
        }
        result += *text;
    }
    return toUtf8(result);
}

Result<std::optional<double>> toMillis(std::string_view timestamp,
                                       std::optional<std::string_view> picture,
                                       std::int64_t nowMillis)
{
    if (!picture) {
        return parseIsoTimestamp(timestamp);
    }
    return parseWithPicture(toUtf32(timestamp), toUtf32(*picture), static_cast<double>(nowMillis));
}

} // namespace syncline::engine::expr::pictures
