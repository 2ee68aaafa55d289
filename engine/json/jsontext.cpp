// JSON text output for json::Value: compact and pretty serializers, and numbers printed exactly
// as JavaScript prints them.

#include "engine/json/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace syncline::engine::json {

void appendNumberText(std::string &out, double d)
{
    if (std::isnan(d)) {
        out += "NaN";
        return;
    }
    if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
        return;
    }
    if (d == 0) {
        out += '0'; // JavaScript prints -0 as "0"
        return;
    }
    // Shortest round-trip digits in scientific form: "d.ddde+XX".
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    const std::string_view sci(buf, static_cast<std::size_t>(result.ptr - buf));
    std::size_t pos = 0;
    if (sci[0] == '-') {
        out += '-';
        pos = 1;
    }
    const std::size_t ePos = sci.find('e');
    char digits[32];
    int k = 0;
    for (std::size_t i = pos; i < ePos; ++i) {
        if (sci[i] != '.') {
            digits[k++] = sci[i];
        }
    }
    int exponent = 0;
    std::from_chars(sci.data() + ePos + 1 + (sci[ePos + 1] == '+' ? 1 : 0),
                    sci.data() + sci.size(), exponent);
    const int n = exponent + 1; // value = 0.digits * 10^n
    if (k <= n && n <= 21) {
        out.append(digits, static_cast<std::size_t>(k));
        out.append(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out.append(digits, static_cast<std::size_t>(n));
        out += '.';
        out.append(digits + n, static_cast<std::size_t>(k - n));
    } else if (-6 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-n), '0');
        out.append(digits, static_cast<std::size_t>(k));
    } else {
        out += digits[0];
        if (k > 1) {
            out += '.';
            out.append(digits + 1, static_cast<std::size_t>(k - 1));
        }
        out += 'e';
        out += n - 1 < 0 ? '-' : '+';
        out += std::to_string(std::abs(n - 1));
    }
}

std::string numberToText(double d)
{
    std::string out;
    appendNumberText(out, d);
    return out;
}

void appendQuotedString(std::string &out, std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    const std::size_t n = text.size();
    std::size_t start = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char c = p[i];
        const char *escape = nullptr;
        char unicode[7] = {0};
        std::size_t skip = 1;
        if (c == '"') {
            escape = "\\\"";
        } else if (c == '\\') {
            escape = "\\\\";
        } else if (c < 0x20) {
            switch (c) {
            case '\b': escape = "\\b"; break;
            case '\f': escape = "\\f"; break;
            case '\n': escape = "\\n"; break;
            case '\r': escape = "\\r"; break;
            case '\t': escape = "\\t"; break;
            default:
                std::memcpy(unicode, "\\u00", 4);
                unicode[4] = kHex[c >> 4];
                unicode[5] = kHex[c & 0xf];
                escape = unicode;
            }
        } else if (c == 0xED && i + 2 < n && p[i + 1] >= 0xA0) {
            // A lone UTF-16 surrogate carried as WTF-8: JSON.stringify writes it as \udxxx.
            const unsigned cp = 0xD000u | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
            unicode[0] = '\\';
            unicode[1] = 'u';
            unicode[2] = 'd';
            unicode[3] = kHex[(cp >> 8) & 0xf];
            unicode[4] = kHex[(cp >> 4) & 0xf];
            unicode[5] = kHex[cp & 0xf];
            escape = unicode;
            skip = 3;
        }
        if (escape) {
            out.append(text.data() + start, i - start);
            out += escape;
            i += skip - 1;
            start = i + 1;
        }
    }
    out.append(text.data() + start, n - start);
    out += '"';
}

namespace {

void appendNewline(std::string &out, const TextOptions &options, int level)
{
    out += '\n';
    out.append(static_cast<std::size_t>(options.indent * level), ' ');
}

void appendValue(std::string &out, const Value &value, const TextOptions &options, int level);

void appendArray(std::string &out, const Value &value, const TextOptions &options, int level)
{
    const auto items = value.items();
    if (items.empty()) {
        out += "[]";
        return;
    }
    out += '[';
    bool first = true;
    for (const Value &item : items) {
        if (!first) {
            out += ',';
        }
        first = false;
        if (options.indent > 0) {
            appendNewline(out, options, level + 1);
        }
        // As JSON.stringify: an undefined element prints as null.
        if (item.isUndefined()) {
            out += "null";
        } else {
            appendValue(out, item, options, level + 1);
        }
    }
    if (options.indent > 0) {
        appendNewline(out, options, level);
    }
    out += ']';
}

void appendMember(std::string &out, const Member &m, const TextOptions &options, int level,
                  bool first)
{
    out += first ? '{' : ',';
    if (options.indent > 0) {
        appendNewline(out, options, level + 1);
    }
    appendQuotedString(out, m.key.view());
    out += options.indent > 0 ? ": " : ":";
    appendValue(out, m.value, options, level + 1);
}

void appendObject(std::string &out, const Value &value, const TextOptions &options, int level)
{
    bool first = true;
    if (options.sortKeys) {
        std::vector<const Member *> members;
        members.reserve(value.size());
        for (const Member &m : value.members()) {
            if (!m.value.isUndefined()) {
                members.push_back(&m);
            }
        }
        std::sort(members.begin(), members.end(), [](const Member *a, const Member *b) {
            return a->key.view() < b->key.view();
        });
        for (const Member *m : members) {
            appendMember(out, *m, options, level, first);
            first = false;
        }
    } else {
        // insertion order: straight from the object, without a list of the members
        for (const Member &m : value.members()) {
            if (!m.value.isUndefined()) {
                appendMember(out, m, options, level, first);
                first = false;
            }
        }
    }
    if (first) {
        out += "{}";
        return;
    }
    if (options.indent > 0) {
        appendNewline(out, options, level);
    }
    out += '}';
}

void appendValue(std::string &out, const Value &value, const TextOptions &options, int level)
{
    switch (value.type()) {
    case Type::Undefined:
        return;
    case Type::Null:
        out += "null";
        return;
    case Type::Boolean:
        out += value.toBool() ? "true" : "false";
        return;
    case Type::Number: {
        const std::string_view text = options.numberText ? value.numberText() : std::string_view();
        if (!text.empty()) {
            out += text;
        } else if (!std::isfinite(value.toNumber())) {
            out += "null";
        } else {
            appendNumberText(out, value.toNumber());
        }
        return;
    }
    case Type::String:
        appendQuotedString(out, value.toStringView());
        return;
    case Type::Function:
        out += "\"\"";
        return;
    case Type::Array:
        appendArray(out, value, options, level);
        return;
    case Type::Object:
        appendObject(out, value, options, level);
        return;
    }
}

} // namespace

void appendJsonText(std::string &out, const Value &value, const TextOptions &options)
{
    appendValue(out, value, options, 0);
}

std::string toJsonText(const Value &value, const TextOptions &options)
{
    // Messages are usually a few hundred bytes to a few KiB: start with room for one, so the
    // text is not regrown from 15 bytes up through every power of two.
    constexpr std::size_t kInitialCapacity = 1024;
    std::string out;
    if (value.isArray() || value.isObject()) {
        out.reserve(kInitialCapacity);
    }
    appendValue(out, value, options, 0);
    return out;
}

std::string toPrettyJsonText(const Value &value)
{
    TextOptions options;
    options.indent = 2;
    options.sortKeys = true;
    return toJsonText(value, options);
}

} // namespace syncline::engine::json
