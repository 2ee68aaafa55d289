#pragma once

#include "engine/json/value.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace syncline::engine::schema {

/// How validation sees an instance json::Value. Until the json::Value adapter, instances were
/// converted with json::toNlohmann() and validated as nlohmann::json; every rule below is what
/// that conversion produced, so verdicts, messages and their order stay exactly as they were.
/// Internal to engine/schema.
namespace instance {

/// Undefined reads as null (toNlohmann writes null for it).
inline bool isNull(const json::Value &value)
{
    return value.isNull() || value.isUndefined();
}

/// Strings, and functions, which convert to "".
inline bool isText(const json::Value &value)
{
    return value.isString() || value.isFunction();
}

/// The text of a string; "" for anything else (functions included).
inline std::string_view text(const json::Value &value)
{
    return value.toStringView();
}

/// A number as nlohmann::json held it after the conversion: an integer (number_integer or
/// number_unsigned) or a double (number_float).
struct Number
{
    bool integer = false;
    /// For integers, what nlohmann's get<int64_t>() returned: an unsigned beyond INT64_MAX
    /// comes back wrapped to a negative value, as it always did.
    std::int64_t integerValue = 0;
    double doubleValue = 0.0; // for doubles
};

/// The number's form after conversion: kept integer text that fits 64 bits is an integer;
/// otherwise an integral double below 2^53 in magnitude is an integer ("1.0", "1e3", "-0"
/// included); everything else (fractions, huge values, NaN) is a double.
Number number(const json::Value &value);

/// The member `name` of an object, or nullptr when absent, undefined, or not an object.
inline const json::Value *member(const json::Value &object, std::string_view name)
{
    const json::Value *found = object.find(name);
    return found != nullptr && !found->isUndefined() ? found : nullptr;
}

/// The members nlohmann::json would list: undefined ones left out, sorted by name in byte
/// order (its std::map), which decides the order of valijson's errors and of their wording
/// ("a property that could not be validated: 'x'" names the first such member).
std::vector<const json::Member *> orderedMembers(const json::Value &object);

/// The number of members orderedMembers() would list.
std::size_t memberCount(const json::Value &object);

} // namespace instance

} // namespace syncline::engine::schema
