#include "engine/expr/pictures/integerpicture.h"

#include "engine/expr/pictures/jsnumber.h"
#include "engine/expr/pictures/utf32.h"
#include "engine/expr/pictures/words.h"

#include <QString>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace syncline::engine::expr::pictures {

namespace {

// Zero digits of the Unicode decimal digit families jsonata-js recognises in a picture.
constexpr std::array<char32_t, 37> kDecimalZeros = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
    0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
    0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

constexpr double kMaxRoman = 1e7;

std::optional<char32_t> digitFamily(char32_t c)
{
    for (const char32_t zero : kDecimalZeros) {
        if (c >= zero && c <= zero + 9) {
            return zero;
        }
    }
    return std::nullopt;
}

// The interval of evenly spaced separators, or 0 when they are not (F&O "regular" grouping).
int regularInterval(const std::vector<int> &positions)
{
    if (positions.empty()) {
        return 0;
    }
    int factor = positions.front();
    for (std::size_t i = 1; i < positions.size(); ++i) {
        factor = std::gcd(factor, positions[i]);
    }
    for (std::size_t index = 1; index <= positions.size(); ++index) {
        const int wanted = static_cast<int>(index) * factor;
        if (std::find(positions.begin(), positions.end(), wanted) == positions.end()) {
            return 0;
        }
    }
    return factor;
}

void analyseDigitPattern(std::u32string_view pattern, IntegerPicture &picture, bool &mixedFamilies)
{
    std::optional<char32_t> zero;
    int separatorPosition = 0;
    for (auto it = pattern.rbegin(); it != pattern.rend(); ++it) {
        const char32_t c = *it;
        if (const auto family = digitFamily(c)) {
            ++picture.mandatoryDigits;
            ++separatorPosition;
            if (!zero) {
                zero = family;
            } else if (*zero != *family) {
                mixedFamilies = true;
                return;
            }
        } else if (c == U'#') {
            ++separatorPosition;
            ++picture.optionalDigits;
        } else {
            picture.separators.push_back({separatorPosition, c});
        }
    }
    if (picture.mandatoryDigits == 0) {
        picture.primary = IntegerPrimary::Sequence;
        picture.token = std::u32string(pattern);
        picture.separators.clear();
        return;
    }
    picture.zeroCode = *zero;
    const bool sameCharacter = std::all_of(picture.separators.begin(), picture.separators.end(),
        [&](const GroupingSeparator &s) { return s.character == picture.separators.front().character; });
    std::vector<int> positions;
    for (const auto &separator : picture.separators) {
        positions.push_back(separator.position);
    }
    const int interval = sameCharacter ? regularInterval(positions) : 0;
    if (interval > 0) {
        picture.regular = true;
        picture.regularPosition = interval;
        picture.regularCharacter = picture.separators.front().character;
    }
}

// String.prototype.substr(start, length) with JavaScript's clamping of negative arguments.
std::u32string jsSubstr(const std::u32string &text, long start, long length = -1)
{
    const long size = static_cast<long>(text.size());
    if (start < 0) {
        start = std::max(size + start, 0L);
    }
    start = std::min(start, size);
    const long end = length < 0 ? size : std::min(start + length, size);
    return text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(std::max(end - start, 0L)));
}

std::u32string insertAt(const std::u32string &text, long position, char32_t separator)
{
    // jsonata-js: text.substr(0, pos) + separator + text.substr(pos), negative pos included.
    const std::u32string head = position < 0 ? std::u32string() : jsSubstr(text, 0, position);
    return head + separator + jsSubstr(text, position);
}

std::u32string formatDecimal(double value, const IntegerPicture &picture)
{
    std::u32string text = toUtf32(js::numberToString(value));
    const long padLength = picture.mandatoryDigits - static_cast<long>(text.size());
    if (padLength > 0) {
        text.insert(0, static_cast<std::size_t>(padLength), U'0');
    }
    if (picture.zeroCode != U'0') {
        for (char32_t &c : text) {
            c = c + picture.zeroCode - U'0';
        }
    }
    if (picture.regular) {
        const long n = (static_cast<long>(text.size()) - 1) / picture.regularPosition;
        for (long ii = n; ii > 0; --ii) {
            const long pos = static_cast<long>(text.size()) - ii * picture.regularPosition;
            text = insertAt(text, pos, picture.regularCharacter);
        }
    } else {
        for (auto it = picture.separators.rbegin(); it != picture.separators.rend(); ++it) {
            const long pos = static_cast<long>(text.size()) - it->position;
            text = insertAt(text, pos, it->character);
        }
    }
    if (picture.ordinal) {
        const char32_t last = text.empty() ? 0 : text.back();
        const bool teen = text.size() > 1 && text[text.size() - 2] == U'1';
        std::u32string suffix = U"th";
        if (!teen && last == U'1') {
            suffix = U"st";
        } else if (!teen && last == U'2') {
            suffix = U"nd";
        } else if (!teen && last == U'3') {
            suffix = U"rd";
        }
        text += suffix;
    }
    return text;
}

std::u32string toLetters(double value, char32_t aChar)
{
    std::u32string letters;
    while (value > 0) {
        letters.insert(letters.begin(), static_cast<char32_t>(std::fmod(value - 1, 26) + aChar));
        value = std::floor((value - 1) / 26);
    }
    return letters;
}

std::u32string toRoman(double value)
{
    static const std::pair<int, const char32_t *> kNumerals[] = {
        {1000, U"m"}, {900, U"cm"}, {500, U"d"}, {400, U"cd"}, {100, U"c"}, {90, U"xc"},
        {50, U"l"},   {40, U"xl"},  {10, U"x"},  {9, U"ix"},   {5, U"v"},   {4, U"iv"}, {1, U"i"}};
    std::u32string roman;
    for (const auto &[amount, symbol] : kNumerals) {
        const double count = std::floor(value / amount);
        for (double i = 0; i < count; ++i) {
            roman += symbol;
        }
        value -= count * amount;
    }
    return roman;
}

double fromLetters(std::u32string_view letters, char32_t aChar)
{
    double decimal = 0;
    const std::size_t size = letters.size();
    for (std::size_t i = 0; i < size; ++i) {
        const double digit = static_cast<double>(letters[size - i - 1]) - static_cast<double>(aChar) + 1;
        decimal += digit * std::pow(26.0, static_cast<double>(i));
    }
    return decimal;
}

double fromRoman(std::u32string_view roman)
{
    double decimal = 0;
    int max = 1;
    for (std::size_t i = roman.size(); i-- > 0;) {
        int value = 0;
        switch (roman[i]) {
        case U'M': value = 1000; break;
        case U'D': value = 500; break;
        case U'C': value = 100; break;
        case U'L': value = 50; break;
        case U'X': value = 10; break;
        case U'V': value = 5; break;
        case U'I': value = 1; break;
        default: return std::numeric_limits<double>::quiet_NaN();
        }
        if (value < max) {
            decimal -= value;
        } else {
            max = value;
            decimal += value;
        }
    }
    return decimal;
}

std::u32string removeAll(std::u32string text, char32_t c)
{
    text.erase(std::remove(text.begin(), text.end(), c), text.end());
    return text;
}

} // namespace

std::string jsonQuote(std::u32string_view text)
{
    std::string out = "\"";
    for (const char32_t c : text) {
        switch (c) {
        case U'"': out += "\\\""; break;
        case U'\\': out += "\\\\"; break;
        case U'\n': out += "\\n"; break;
        case U'\r': out += "\\r"; break;
        case U'\t': out += "\\t"; break;
        case U'\b': out += "\\b"; break;
        case U'\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
                out += buffer;
            } else {
                out += toUtf8(std::u32string_view(&c, 1));
            }
        }
    }
    return out + "\"";
}

Error pictureError(std::string_view code, std::string_view valueJson)
{
    struct Message
    {
        std::string_view code;
        std::string_view before;
        std::string_view after;
    };
    static constexpr Message kMessages[] = {
        {"D3080", "The picture string must only contain a maximum of two sub-pictures", ""},
        {"D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character", ""},
        {"D3082", "The sub-picture must not contain more than one instance of the 'percent' character", ""},
        {"D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character", ""},
        {"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character", ""},
        {"D3085", "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'", ""},
        {"D3086", "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character", ""},
        {"D3087", "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character", ""},
        {"D3088", "The sub-picture must not contain a 'grouping-separator' at the end of the integer part", ""},
        {"D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character", ""},
        {"D3090", "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'", ""},
        {"D3091", "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'", ""},
        {"D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'", ""},
        {"D3093", "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'", ""},
        {"D3100", "The radix of the formatBase function must be between 2 and 36.  It was given ", ""},
        {"D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given ", ""},
        {"D3130", "Formatting or parsing an integer as a sequence starting with ", " is not supported by this implementation"},
        {"D3131", "In a decimal digit pattern, all digits must be from the same decimal group", ""},
        {"D3132", "Unknown component specifier ", " in date/time picture string"},
        {"D3133", "The 'name' modifier can only be applied to months and days in the date/time picture string, not ", ""},
        {"D3134", "The timezone integer format specifier cannot have more than four digits", ""},
        {"D3135", "No matching closing bracket ']' in date/time picture string", ""},
        {"D3136", "The date/time picture string is missing specifiers required to parse the timestamp", ""},
    };
    for (const auto &message : kMessages) {
        if (message.code != code) {
            continue;
        }
        const bool takesValue = message.before.back() == ' ';
        std::string text(message.before);
        if (takesValue) {
            text += valueJson.empty() ? std::string_view("undefined") : valueJson;
        }
        text += message.after;
        return Error::make(QString::fromUtf8(code.data(), static_cast<int>(code.size())),
                           QString::fromStdString(text));
    }
    return Error::make(QString::fromUtf8(code.data(), static_cast<int>(code.size())), QString());
}

Result<IntegerPicture> analyseIntegerPicture(std::u32string_view picture)
{
    IntegerPicture result;
    std::u32string_view primary = picture;
    const std::size_t semicolon = picture.rfind(U';');
    if (semicolon != std::u32string_view::npos) {
        primary = picture.substr(0, semicolon);
        const std::u32string_view modifier = picture.substr(semicolon + 1);
        result.ordinal = !modifier.empty() && modifier.front() == U'o';
    }
    if (primary == U"A" || primary == U"a") {
        result.primary = IntegerPrimary::Letters;
        result.letterCase = primary == U"A" ? LetterCase::Upper : LetterCase::Lower;
    } else if (primary == U"I" || primary == U"i") {
        result.primary = IntegerPrimary::Roman;
        result.letterCase = primary == U"I" ? LetterCase::Upper : LetterCase::Lower;
    } else if (primary == U"W" || primary == U"Ww" || primary == U"w") {
        result.primary = IntegerPrimary::Words;
        result.letterCase = primary == U"W" ? LetterCase::Upper
                            : primary == U"Ww" ? LetterCase::Title
                                               : LetterCase::Lower;
    } else {
        bool mixedFamilies = false;
        analyseDigitPattern(primary, result, mixedFamilies);
        if (mixedFamilies) {
            return pictureError("D3131");
        }
    }
    return result;
}

Result<std::u32string> formatWithPicture(double value, const IntegerPicture &picture)
{
    const bool negative = value < 0;
    value = std::fabs(value);
    if (!std::isfinite(value) && picture.primary != IntegerPrimary::Decimal
        && picture.primary != IntegerPrimary::Sequence) {
        return Error::make(QStringLiteral("D1001"),
                           QStringLiteral("Number out of range: %1").arg(QString::fromStdString(js::numberToString(value))));
    }
    std::u32string text;
    switch (picture.primary) {
    case IntegerPrimary::Letters:
        text = toLetters(value, picture.letterCase == LetterCase::Upper ? U'A' : U'a');
        break;
    case IntegerPrimary::Roman:
        // jsonata-js recurses once per numeral and overflows its stack long before this.
        if (value > kMaxRoman) {
            return Error::make(QStringLiteral("D1001"),
                               QStringLiteral("Number out of range: %1").arg(QString::fromStdString(js::numberToString(value))));
        }
        text = toRoman(value);
        if (picture.letterCase == LetterCase::Upper) {
            text = asciiUpper(std::move(text));
        }
        break;
    case IntegerPrimary::Words:
        text = numberToWords(value, picture.ordinal);
        if (picture.letterCase == LetterCase::Upper) {
            text = asciiUpper(std::move(text));
        } else if (picture.letterCase == LetterCase::Lower) {
            text = asciiLower(std::move(text));
        }
        break;
    case IntegerPrimary::Decimal:
        text = formatDecimal(value, picture);
        break;
    case IntegerPrimary::Sequence:
        return pictureError("D3130", jsonQuote(picture.token));
    }
    if (negative) {
        text.insert(text.begin(), U'-');
    }
    return text;
}

Result<IntegerMatcher> integerMatcher(const IntegerPicture &picture)
{
    IntegerMatcher matcher;
    matcher.picture = picture;
    const bool upper = picture.letterCase == LetterCase::Upper;
    switch (picture.primary) {
    case IntegerPrimary::Letters:
        matcher.regex = upper ? U"[A-Z]+" : U"[a-z]+";
        break;
    case IntegerPrimary::Roman:
        matcher.regex = upper ? U"[MDCLXVI]+" : U"[mdclxvi]+";
        break;
    case IntegerPrimary::Words:
        matcher.regex = wordsRegex();
        break;
    case IntegerPrimary::Decimal:
        matcher.regex = U"[0-9]";
        matcher.regex += picture.parseWidth && *picture.parseWidth > 0
            ? U"{" + toUtf32(std::to_string(*picture.parseWidth)) + U"}"
            : std::u32string(U"+");
        if (picture.ordinal) {
            matcher.regex += U"(?:th|st|nd|rd)";
        }
        break;
    case IntegerPrimary::Sequence:
        return pictureError("D3130", jsonQuote(picture.token));
    }
    return matcher;
}

double IntegerMatcher::parse(std::u32string_view text) const
{
    const bool upper = picture.letterCase == LetterCase::Upper;
    switch (picture.primary) {
    case IntegerPrimary::Letters:
        return fromLetters(text, upper ? U'A' : U'a');
    case IntegerPrimary::Roman:
        return fromRoman(upper ? std::u32string(text) : asciiUpper(std::u32string(text)));
    case IntegerPrimary::Words:
        return wordsToNumber(asciiLower(std::u32string(text)));
    case IntegerPrimary::Decimal: {
        std::u32string digits(text);
        if (picture.ordinal) {
            digits = digits.substr(0, digits.size() >= 2 ? digits.size() - 2 : 0);
        }
        // jsonata-js strips ',' for any regular picture, whatever its separator is.
        if (picture.regular) {
            digits = removeAll(std::move(digits), U',');
        } else {
            for (const auto &separator : picture.separators) {
                digits = removeAll(std::move(digits), separator.character);
            }
        }
        if (picture.zeroCode != U'0') {
            for (char32_t &c : digits) {
                c = c - picture.zeroCode + U'0';
            }
        }
        return js::parseInt(digits);
    }
    case IntegerPrimary::Sequence:
        break;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

} // namespace syncline::engine::expr::pictures
