#include "instanceview.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace syncline::engine::schema::instance {

namespace {

// Doubles from here on no longer hold every integer; toNlohmann keeps such values as doubles.
constexpr double kTwoPow53 = 9007199254740992.0;

template<typename Int>
bool parseWhole(std::string_view text, Int &out)
{
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
}

} // namespace

Number number(const json::Value &value)
{
    // Kept text is an integer's exact digits when it has no fraction or exponent and fits.
    if (const std::string_view text = value.numberText();
        !text.empty() && text.find_first_of(".eE") == std::string_view::npos) {
        if (text.front() == '-') {
            std::int64_t signedValue = 0;
            if (parseWhole(text, signedValue)) {
                return Number{true, signedValue, 0.0};
            }
        } else if (std::uint64_t unsignedValue = 0; parseWhole(text, unsignedValue)) {
            return Number{true, static_cast<std::int64_t>(unsignedValue), 0.0};
        }
    }
    const double d = value.toNumber();
    if (std::isfinite(d) && d == std::trunc(d) && std::abs(d) < kTwoPow53) {
        return Number{true, static_cast<std::int64_t>(d), 0.0};
    }
    return Number{false, 0, d};
}

std::vector<const json::Member *> orderedMembers(const json::Value &object)
{
    std::vector<const json::Member *> members;
    members.reserve(object.size());
    for (const json::Member &m : object.members()) {
        if (!m.value.isUndefined()) {
            members.push_back(&m);
        }
    }
    // string_view compares through char_traits<char>, i.e. as unsigned bytes, like std::string.
    std::sort(members.begin(), members.end(), [](const json::Member *a, const json::Member *b) {
        return a->key.view() < b->key.view();
    });
    return members;
}

std::size_t memberCount(const json::Value &object)
{
    const auto members = object.members();
    return std::size_t(std::count_if(members.begin(), members.end(), [](const json::Member &m) {
        return !m.value.isUndefined();
    }));
}

} // namespace syncline::engine::schema::instance
