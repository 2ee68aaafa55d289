#include "engine/expr/pictures/words.h"

#include "engine/expr/pictures/jsnumber.h"
#include "engine/expr/pictures/utf32.h"

#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace syncline::engine::expr::pictures {

namespace {

const char32_t *const kFew[] = {U"Zero", U"One", U"Two", U"Three", U"Four", U"Five", U"Six",
    U"Seven", U"Eight", U"Nine", U"Ten", U"Eleven", U"Twelve", U"Thirteen", U"Fourteen",
    U"Fifteen", U"Sixteen", U"Seventeen", U"Eighteen", U"Nineteen"};
const char32_t *const kOrdinals[] = {U"Zeroth", U"First", U"Second", U"Third", U"Fourth",
    U"Fifth", U"Sixth", U"Seventh", U"Eighth", U"Ninth", U"Tenth", U"Eleventh", U"Twelfth",
    U"Thirteenth", U"Fourteenth", U"Fifteenth", U"Sixteenth", U"Seventeenth", U"Eighteenth",
    U"Nineteenth"};
const char32_t *const kDecades[] = {U"Twenty", U"Thirty", U"Forty", U"Fifty", U"Sixty",
    U"Seventy", U"Eighty", U"Ninety", U"Hundred"};
const char32_t *const kMagnitudes[] = {U"Thousand", U"Million", U"Billion", U"Trillion"};
constexpr int kMagnitudeCount = 4;

std::u32string lookup(double num, bool prev, bool ord)
{
    std::u32string words;
    if (num <= 19) {
        const int index = static_cast<int>(num);
        words = std::u32string(prev ? U" and " : U"") + (ord ? kOrdinals[index] : kFew[index]);
    } else if (num < 100) {
        const int tens = static_cast<int>(std::floor(num / 10));
        const double remainder = std::fmod(num, 10);
        words = std::u32string(prev ? U" and " : U"") + kDecades[tens - 2];
        if (remainder > 0) {
            words += U"-" + lookup(remainder, false, ord);
        } else if (ord) {
            words = words.substr(0, words.size() - 1) + U"ieth";
        }
    } else if (num < 1000) {
        const int hundreds = static_cast<int>(std::floor(num / 100));
        const double remainder = std::fmod(num, 100);
        words = std::u32string(prev ? U", " : U"") + kFew[hundreds] + U" Hundred";
        if (remainder > 0) {
            words += lookup(remainder, true, ord);
        } else if (ord) {
            words += U"th";
        }
    } else {
        int mag = static_cast<int>(std::floor(std::log10(num) / 3));
        if (mag > kMagnitudeCount) {
            mag = kMagnitudeCount;
        }
        const double factor = std::pow(10.0, mag * 3);
        const double mant = std::floor(num / factor);
        const double remainder = num - mant * factor;
        words = std::u32string(prev ? U", " : U"") + lookup(mant, false, false) + U" " + kMagnitudes[mag - 1];
        if (remainder > 0) {
            words += lookup(remainder, true, ord);
        } else if (ord) {
            words += U"th";
        }
    }
    return words;
}

// Number words in jsonata-js's insertion order (it matters for the order of the regex
// alternatives) with their values.
const std::vector<std::pair<std::u32string, double>> &wordValues()
{
    static const std::vector<std::pair<std::u32string, double>> values = [] {
        std::vector<std::pair<std::u32string, double>> list;
        auto add = [&list](std::u32string word, double value) {
            for (auto &entry : list) {
                if (entry.first == word) {
                    entry.second = value;
                    return;
                }
            }
            list.emplace_back(std::move(word), value);
        };
        for (int i = 0; i < 20; ++i) {
            add(asciiLower(kFew[i]), i);
        }
        for (int i = 0; i < 20; ++i) {
            add(asciiLower(kOrdinals[i]), i);
        }
        for (int i = 0; i < 9; ++i) {
            const std::u32string word = asciiLower(kDecades[i]);
            add(word, (i + 2) * 10);
            add(word.substr(0, word.size() - 1) + U"ieth", (i + 2) * 10);
        }
        add(U"hundredth", 100);
        for (int i = 0; i < kMagnitudeCount; ++i) {
            const std::u32string word = asciiLower(kMagnitudes[i]);
            const double value = std::pow(10.0, (i + 1) * 3);
            add(word, value);
            add(word + U"th", value);
        }
        return list;
    }();
    return values;
}

std::optional<double> wordValue(std::u32string_view word)
{
    for (const auto &[name, value] : wordValues()) {
        if (name == word) {
            return value;
        }
    }
    return std::nullopt;
}

// Splits as text.split(/,\s|\sand\s|[\s\\-]/) does.
std::vector<std::u32string> splitWords(std::u32string_view text)
{
    std::vector<std::u32string> parts;
    std::u32string current;
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t c = text[i];
        if (c == U',' && i + 1 < text.size() && js::isJsSpace(text[i + 1])) {
            parts.push_back(std::exchange(current, {}));
            i += 2;
            continue;
        }
        if (js::isJsSpace(c) && text.substr(i + 1, 3) == U"and" && i + 4 < text.size()
            && js::isJsSpace(text[i + 4])) {
            parts.push_back(std::exchange(current, {}));
            i += 5;
            continue;
        }
        if (js::isJsSpace(c) || c == U'\\' || c == U'-') {
            parts.push_back(std::exchange(current, {}));
            ++i;
            continue;
        }
        current.push_back(c);
        ++i;
    }
    parts.push_back(current);
    return parts;
}

} // namespace

std::u32string numberToWords(double value, bool ordinal)
{
    return lookup(value, false, ordinal);
}

double wordsToNumber(std::u32string_view text)
{
    std::vector<double> segments{0};
    for (const auto &part : splitWords(text)) {
        const auto value = wordValue(part);
        if (!value) {
            // jsonata-js multiplies by undefined here, which poisons the sum.
            return std::numeric_limits<double>::quiet_NaN();
        }
        if (*value < 100) {
            double top = segments.back();
            segments.pop_back();
            if (top >= 1000) {
                segments.push_back(top);
                top = 0;
            }
            segments.push_back(top + *value);
        } else {
            const double top = segments.back();
            segments.pop_back();
            segments.push_back(top * *value);
        }
    }
    double sum = 0;
    for (const double segment : segments) {
        sum += segment;
    }
    return sum;
}

std::u32string wordsRegex()
{
    std::u32string regex = U"(?:";
    for (const auto &entry : wordValues()) {
        regex += entry.first + U"|";
    }
    return regex + U"and|[\\-, ])+";
}

} // namespace syncline::engine::expr::pictures
