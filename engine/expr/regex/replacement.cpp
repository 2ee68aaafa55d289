#include "engine/expr/regex/regex.h"

#include <cmath>
#include <limits>

namespace syncline::engine::expr::regex {

namespace {

// parseInt(text, 10) on at most `maxUnits` characters of `text`, as jsonata-js reads "$nn":
// leading white space and a sign are allowed; NaN when no digit follows.
double parseGroupNumber(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) {
        ++i;
    }
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        negative = text[i] == '-';
        ++i;
    }
    const std::size_t digitsStart = i;
    double value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        value = value * 10 + (text[i] - '0');
        ++i;
    }
    if (i == digitsStart) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return negative ? -value : value;
}

// The first `units` characters of `text` (UTF-8), so the window matches jsonata-js's substring.
std::string_view leadingCharacters(std::string_view text, std::size_t units)
{
    std::size_t end = 0;
    for (std::size_t taken = 0; end < text.size() && taken < units; ++taken) {
        ++end;
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
            ++end;
        }
    }
    return text.substr(0, end);
}

} // namespace

std::string expandReplacement(std::string_view replacement, const Match &match)
{
    std::string out;
    const std::size_t groupCount = match.groups.size();
    // How many digits after '$' may name a group: enough for the highest group number.
    const std::size_t maxDigits = groupCount == 0
        ? 1
        : static_cast<std::size_t>(std::floor(std::log(static_cast<double>(groupCount)) * 0.4342944819032518)) + 1;
    std::size_t position = 0;
    std::size_t dollar = replacement.find('$', position);
    while (dollar != std::string_view::npos && position < replacement.size()) {
        out += replacement.substr(position, dollar - position);
        position = dollar + 1;
        const char next = position < replacement.size() ? replacement[position] : '\0';
        if (next == '$') {
            out += '$';
            ++position;
        } else if (next == '0') {
            out += match.text;
            ++position;
        } else {
            const std::string_view rest = replacement.substr(position);
            double index = parseGroupNumber(leadingCharacters(rest, maxDigits));
            if (maxDigits > 1 && index > static_cast<double>(groupCount)) {
                index = parseGroupNumber(leadingCharacters(rest, maxDigits - 1));
            }
            if (std::isnan(index)) {
                out += '$';
            } else {
                if (groupCount > 0 && index >= 1 && index <= static_cast<double>(groupCount)) {
                    const auto &group = match.groups[static_cast<std::size_t>(index) - 1];
                    if (group) {
                        out += *group;
                    }
                }
                // jsonata-js skips as many characters as the number has when printed.
                const std::string printed = std::to_string(static_cast<long long>(index));
                position += printed.size();
            }
        }
        dollar = replacement.find('$', position);
    }
    if (position < replacement.size()) {
        out += replacement.substr(position);
    }
    return out;
}

} // namespace syncline::engine::expr::regex
