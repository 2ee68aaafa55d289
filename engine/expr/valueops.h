#pragma once

// JavaScript-flavoured operations on values that the evaluator and the function library share:
// truthiness ($boolean), $string's rendering, deep equality, array append, string comparison in
// UTF-16 order, code point helpers.

#include "engine/expr/runtime.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace syncline::engine::expr {

/// jsonata-js isNumeric: a number that is not NaN; throws D1001 for an infinite one.
bool isNumeric(const Value &v);
/// $boolean: nullopt for undefined.
std::optional<bool> toBoolean(const Value &v);
inline bool boolize(const Value &v)
{
    return toBoolean(v).value_or(false);
}
/// JavaScript truthiness (empty arrays and objects are true, unlike $boolean).
bool jsTruthy(const Value &v);
/// $string(v, prettify): undefined stays undefined (nullopt); numbers with 15 significant digits;
/// functions as ""; D3001 for Infinity/NaN.
std::optional<std::string> toJsString(const Value &v, bool prettify = false);
/// Number formatting as Number(n.toPrecision(15)).toString().
std::string formatNumber15(double d);
/// jsonata-js isDeepEqual.
bool deepEqual(const Value &a, const Value &b);
/// JavaScript === on JSON values: objects and arrays by identity.
bool strictEqual(const Value &a, const Value &b);
/// fn.append: undefined ignored; non-arrays wrapped; arrays concatenated.
Value appendValues(const Value &a, const Value &b);
/// Compares two UTF-8 strings in JavaScript order (UTF-16 code units).
int compareJsStrings(std::string_view a, std::string_view b);
/// Code points in a UTF-8 string (JavaScript Array.from(str).length).
std::size_t codePointCount(std::string_view s);
/// Byte offset of code point `index` (clamped to the end).
std::size_t codePointOffset(std::string_view s, std::size_t index);
/// Byte offset of UTF-16 code unit `units` in a UTF-8 string (clamped to the end).
std::size_t utf16ToByteOffset(std::string_view s, std::size_t units);
/// Wraps a freshly created callable (reference count 1) into a Value without another reference.
Value adoptFunction(FunctionValue *fn);
/// Flattens nested arrays into `out` (jsonata-js flatten).
void flattenInto(const Value &v, std::vector<Value> &out);
/// True for an array whose items are all numbers (empty counts); jsonata-js isArrayOfNumbers.
bool isArrayOfNumbers(const Value &v);
bool isArrayOfStrings(const Value &v);

/// True for a canonical array index ("0", "42", below 2^32 - 1): JavaScript lists such
/// property names first, in numeric order, whatever order they were added in.
bool isArrayIndexKey(std::string_view key);

/// The members of an object in JavaScript property order (array-index names ascending, then the
/// rest in insertion order), as jsonata-js enumerates them in $keys, $each, '*' and $string.
/// Insertion order is kept when no name is an array index (the common case, checked cheaply).
template<typename F>
void forEachMemberJs(const Value &object, F &&f)
{
    const auto members = object.members();
    bool anyIndex = false;
    for (const json::Member &m : members) {
        const std::string_view k = m.key.view();
        if (!k.empty() && k[0] >= '0' && k[0] <= '9' && isArrayIndexKey(k)) {
            anyIndex = true;
            break;
        }
    }
    if (!anyIndex) {
        for (const json::Member &m : members) {
            f(m);
        }
        return;
    }
    std::vector<std::pair<double, const json::Member *>> indexed;
    for (const json::Member &m : members) {
        if (isArrayIndexKey(m.key.view())) {
            indexed.emplace_back(std::strtod(std::string(m.key.view()).c_str(), nullptr), &m);
        }
    }
    std::stable_sort(indexed.begin(), indexed.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &entry : indexed) {
        f(*entry.second);
    }
    for (const json::Member &m : members) {
        if (!isArrayIndexKey(m.key.view())) {
            f(m);
        }
    }
}

/// Stable top-down merge sort making the same comparisons as jsonata-js's $sort, so that a user
/// comparator sees the same calls. `after(a, b)` is true when a must come after b.
template<typename T, typename After>
void mergeSort(std::vector<T> &items, After &&after)
{
    if (items.size() <= 1) {
        return;
    }
    const std::size_t middle = items.size() / 2;
    std::vector<T> left(std::make_move_iterator(items.begin()),
                        std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(middle)));
    std::vector<T> right(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(middle)),
                         std::make_move_iterator(items.end()));
    mergeSort(left, after);
    mergeSort(right, after);
    items.clear();
    std::size_t l = 0;
    std::size_t r = 0;
    while (l < left.size() && r < right.size()) {
        if (after(left[l], right[r])) {
            items.push_back(std::move(right[r++]));
        } else {
            items.push_back(std::move(left[l++]));
        }
    }
    for (; l < left.size(); ++l) {
        items.push_back(std::move(left[l]));
    }
    for (; r < right.size(); ++r) {
        items.push_back(std::move(right[r]));
    }
}

} // namespace syncline::engine::expr
