#include "engine/expr/valueops.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace syncline::engine::expr {

bool isNumeric(const Value &v)
{
    if (!v.isNumber()) {
        return false;
    }
    const double d = v.toNumber();
    if (std::isnan(d)) {
        return false;
    }
    if (!std::isfinite(d)) {
        throw ExprException("D1001").withValue(v);
    }
    return true;
}

std::optional<bool> toBoolean(const Value &v)
{
    switch (v.type()) {
    case json::Type::Undefined:
        return std::nullopt;
    case json::Type::Null:
        return false;
    case json::Type::Boolean:
        return v.toBool();
    case json::Type::Number:
        return isNumeric(v) && v.toNumber() != 0;
    case json::Type::String:
        return !v.toStringView().empty();
    case json::Type::Object:
        return v.size() > 0;
    case json::Type::Function:
        return false;
    case json::Type::Array: {
        const auto items = v.items();
        if (items.size() == 1) {
            return toBoolean(items[0]).value_or(false);
        }
        for (const Value &item : items) {
            if (toBoolean(item).value_or(false)) {
                return true;
            }
        }
        return false;
    }
    }
    return false;
}

bool jsTruthy(const Value &v)
{
    switch (v.type()) {
    case json::Type::Undefined:
    case json::Type::Null:
        return false;
    case json::Type::Boolean:
        return v.toBool();
    case json::Type::Number:
        return v.toNumber() != 0 && !std::isnan(v.toNumber());
    case json::Type::String:
        return !v.toStringView().empty();
    default:
        return true;
    }
}

std::string formatNumber15(double d)
{
    if (std::trunc(d) == d) {
        return json::numberToText(d); // integers are printed in full (jsonata-js 2.2)
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.14e", d);
    return json::numberToText(std::strtod(buf, nullptr));
}

namespace {

void appendStringified(std::string &out, const Value &v, int indent, int level);

void newline(std::string &out, int indent, int level)
{
    if (indent > 0) {
        out += '\n';
        out.append(static_cast<std::size_t>(indent * level), ' ');
    }
}

void appendStringified(std::string &out, const Value &v, int indent, int level)
{
    switch (v.type()) {
    case json::Type::Undefined:
    case json::Type::Null:
        out += "null";
        return;
    case json::Type::Boolean:
        out += v.toBool() ? "true" : "false";
        return;
    case json::Type::Number: {
        const double d = v.toNumber();
        out += std::isfinite(d) ? formatNumber15(d) : std::string("null");
        return;
    }
    case json::Type::String:
        json::appendQuotedString(out, v.toStringView());
        return;
    case json::Type::Function:
        out += "\"\"";
        return;
    case json::Type::Array: {
        if (v.size() == 0) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const Value &item : v.items()) {
            if (!first) {
                out += ',';
            }
            first = false;
            newline(out, indent, level + 1);
            appendStringified(out, item, indent, level + 1);
        }
        newline(out, indent, level);
        out += ']';
        return;
    }
    case json::Type::Object: {
        bool first = true;
        out += '{';
        forEachMemberJs(v, [&](const json::Member &m) {
            if (m.value.isUndefined()) {
                return;
            }
            if (!first) {
                out += ',';
            }
            first = false;
            newline(out, indent, level + 1);
            json::appendQuotedString(out, m.key.view());
            out += indent > 0 ? ": " : ":";
            appendStringified(out, m.value, indent, level + 1);
        });
        if (!first) {
            newline(out, indent, level);
        }
        out += '}';
        return;
    }
    }
}

} // namespace

std::optional<std::string> toJsString(const Value &v, bool prettify)
{
    switch (v.type()) {
    case json::Type::Undefined:
        return std::nullopt;
    case json::Type::String:
        return std::string(v.toStringView());
    case json::Type::Function:
        return std::string();
    case json::Type::Number:
        if (!std::isfinite(v.toNumber())) {
            throw ExprException("D3001").withValue(v);
        }
        return formatNumber15(v.toNumber());
    default:
        break;
    }
    const Value &target = (v.flags() & kOuterWrapper) && v.size() > 0 ? v.items()[0] : v;
    std::string out;
    appendStringified(out, target, prettify ? 2 : 0, 0);
    return out;
}

bool deepEqual(const Value &a, const Value &b)
{
    if (a.isUndefined() || b.isUndefined()) {
        return false;
    }
    if (a.isNumber() && b.isNumber()) {
        return a.toNumber() == b.toNumber();
    }
    return a == b;
}

bool strictEqual(const Value &a, const Value &b)
{
    if (a.type() != b.type()) {
        return false;
    }
    switch (a.type()) {
    case json::Type::Array:
    case json::Type::Object:
    case json::Type::Function:
        return a.sameAs(b);
    case json::Type::Number:
        return a.toNumber() == b.toNumber();
    default:
        return a == b;
    }
}

Value appendValues(const Value &a, const Value &b)
{
    if (a.isUndefined()) {
        return b;
    }
    if (b.isUndefined()) {
        return a;
    }
    std::vector<Value> items;
    items.reserve((a.isArray() ? a.size() : 1) + (b.isArray() ? b.size() : 1));
    if (a.isArray()) {
        items.assign(a.items().begin(), a.items().end());
    } else {
        items.push_back(a);
    }
    if (b.isArray()) {
        items.insert(items.end(), b.items().begin(), b.items().end());
    } else {
        items.push_back(b);
    }
    // Array.prototype.concat returns a plain array: sequence annotations are not carried over.
    return Value::array(std::move(items));
}

int compareJsStrings(std::string_view a, std::string_view b)
{
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i]) {
        ++i;
    }
    if (i == n) {
        return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
    }
    // Byte order is code point order; UTF-16 order differs only between supplementary
    // characters (4-byte, lead F0..F4) and U+E000..U+FFFF (3-byte, lead EE/EF).
    std::size_t start = i;
    while (start > 0 && (static_cast<unsigned char>(a[start]) & 0xC0) == 0x80) {
        --start;
    }
    const auto la = static_cast<unsigned char>(a[start]);
    const auto lb = static_cast<unsigned char>(b[start]);
    const bool aSupp = la >= 0xF0;
    const bool bSupp = lb >= 0xF0;
    const bool aHigh = la == 0xEE || la == 0xEF;
    const bool bHigh = lb == 0xEE || lb == 0xEF;
    if (aSupp && bHigh) {
        return -1;
    }
    if (bSupp && aHigh) {
        return 1;
    }
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) ? -1 : 1;
}

std::size_t codePointCount(std::string_view s)
{
    std::size_t count = 0;
    for (const char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++count;
        }
    }
    return count;
}

std::size_t codePointOffset(std::string_view s, std::size_t index)
{
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (count == index) {
                return i;
            }
            ++count;
        }
    }
    return s.size();
}

std::size_t utf16ToByteOffset(std::string_view s, std::size_t units)
{
    std::size_t counted = 0;
    std::size_t i = 0;
    while (i < s.size() && counted < units) {
        const auto lead = static_cast<unsigned char>(s[i]);
        const std::size_t len = lead < 0x80 ? 1 : (lead < 0xE0 ? 2 : (lead < 0xF0 ? 3 : 4));
        counted += len == 4 ? 2 : 1;
        i += len;
    }
    return std::min(i, s.size());
}

Value adoptFunction(FunctionValue *fn)
{
    Value v = Value::function(fn);
    json::detail::release(fn);
    return v;
}

void flattenInto(const Value &v, std::vector<Value> &out)
{
    if (v.isArray()) {
        for (const Value &item : v.items()) {
            flattenInto(item, out);
        }
    } else {
        out.push_back(v);
    }
}

bool isArrayIndexKey(std::string_view key)
{
    if (key.empty() || key.size() > 10 || (key[0] == '0' && key.size() > 1)) {
        return false;
    }
    std::uint64_t n = 0;
    for (const char c : key) {
        if (c < '0' || c > '9') {
            return false;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n < 4294967295ULL;
}

bool isArrayOfNumbers(const Value &v)
{
    if (!v.isArray()) {
        return false;
    }
    for (const Value &item : v.items()) {
        if (!item.isNumber()) {
            return false;
        }
    }
    return true;
}

bool isArrayOfStrings(const Value &v)
{
    if (!v.isArray()) {
        return false;
    }
    for (const Value &item : v.items()) {
        if (!item.isString()) {
            return false;
        }
    }
    return true;
}

} // namespace syncline::engine::expr
