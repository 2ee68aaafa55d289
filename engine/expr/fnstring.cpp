// String built-ins: $string $substring $substringBefore $substringAfter $lowercase $uppercase
// $length $trim $pad $contains $split $join $match $replace, URL and base64 coding.

#include "engine/expr/fnhelpers.h"
#include "engine/expr/functions.h"
#include "engine/expr/lexer.h"
#include "engine/expr/regexholder.h"

#include <QByteArray>
#include <QString>

#include <cmath>

namespace syncline::engine::expr {

namespace {

using fn::arg;
using fn::has;

std::string_view sv(const Value &v)
{
    return v.toStringView();
}

Value fnString(CallContext &, std::span<const Value> args)
{
    auto s = toJsString(arg(args, 0), has(args, 1) && arg(args, 1).toBool());
    return s ? Value::string(*s) : Value::undefined();
}

// JavaScript's Array.prototype.slice index rules over code points.
std::size_t sliceIndex(double i, std::size_t length)
{
    if (std::isnan(i)) {
        return 0;
    }
    i = std::trunc(i);
    if (i < 0) {
        i = std::max(0.0, static_cast<double>(length) + i);
    }
    return static_cast<std::size_t>(std::min(i, static_cast<double>(length)));
}

Value fnSubstring(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    const std::size_t length = codePointCount(s);
    double start = arg(args, 1).toNumber();
    if (static_cast<double>(length) + start < 0) {
        start = 0;
    }
    double end = static_cast<double>(length);
    if (has(args, 2)) {
        const double count = args[2].toNumber();
        if (count <= 0 || std::isnan(count)) {
            return Value::string("");
        }
        end = start >= 0 ? start + count : static_cast<double>(length) + start + count;
    }
    const std::size_t from = sliceIndex(start, length);
    const std::size_t to = sliceIndex(end, length);
    if (to <= from) {
        return Value::string("");
    }
    const std::size_t b0 = codePointOffset(s, from);
    const std::size_t b1 = codePointOffset(s, to);
    return Value::string(s.substr(b0, b1 - b0));
}

Value fnSubstringBefore(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    const std::size_t pos = s.find(sv(arg(args, 1)));
    return pos == std::string_view::npos ? args[0] : Value::string(s.substr(0, pos));
}

Value fnSubstringAfter(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    const std::string_view chars = sv(arg(args, 1));
    const std::size_t pos = s.find(chars);
    return pos == std::string_view::npos ? args[0] : Value::string(s.substr(pos + chars.size()));
}

bool isAscii(std::string_view s)
{
    for (const char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return false;
        }
    }
    return true;
}

Value changeCase(std::span<const Value> args, bool upper)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    if (isAscii(s)) {
        std::string out(s);
        for (char &c : out) {
            if (upper && c >= 'a' && c <= 'z') {
                c = static_cast<char>(c - 32);
            } else if (!upper && c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c + 32);
            }
        }
        return Value::string(out);
    }
    const QString q = QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
    return Value::string(upper ? q.toUpper() : q.toLower());
}

Value fnLowercase(CallContext &, std::span<const Value> args)
{
    return changeCase(args, false);
}

Value fnUppercase(CallContext &, std::span<const Value> args)
{
    return changeCase(args, true);
}

Value fnLength(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    return Value::number(static_cast<double>(codePointCount(sv(args[0]))));
}

Value fnTrim(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    std::string out;
    bool inSpace = false;
    for (const char c : sv(args[0])) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            inSpace = true;
            continue;
        }
        if (inSpace) {
            out += ' ';
            inSpace = false;
        }
        out += c;
    }
    if (inSpace) {
        out += ' ';
    }
    std::string_view t = out;
    if (!t.empty() && t.front() == ' ') {
        t.remove_prefix(1);
    }
    if (!t.empty() && t.back() == ' ') {
        t.remove_suffix(1);
    }
    return Value::string(t);
}

Value fnPad(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    std::string padChar = has(args, 2) ? std::string(sv(args[2])) : std::string(" ");
    if (padChar.empty()) {
        padChar = " ";
    }
    const double width = std::trunc(arg(args, 1).toNumber());
    const double padLength = std::abs(width) - static_cast<double>(codePointCount(s));
    if (!(padLength > 0)) {
        return args[0];
    }
    const auto n = static_cast<std::size_t>(padLength);
    const std::size_t charPoints = codePointCount(padChar);
    std::string padding;
    for (std::size_t points = 0; points < n; points += charPoints) {
        padding += padChar;
    }
    padding.resize(codePointOffset(padding, n));
    return Value::string(width > 0 ? std::string(s) + padding : padding + std::string(s));
}

// --- matchers ----------------------------------------------------------------------------------

struct FoundMatch
{
    const std::string &text() const { return raw.text; }
    std::size_t startByte = 0;
    std::size_t endByte = 0;
    double index = 0;         // UTF-16 offset, as jsonata-js reports it
    std::vector<Value> groups;
    regex::Match raw;
};

const RegexFunction *asRegex(const Value &v)
{
    const FunctionValue *f = asFunction(v);
    return f && f->kind == CallableKind::Regex ? static_cast<const RegexFunction *>(f) : nullptr;
}

[[noreturn]] void throwRegexError(const Error &error, int position)
{
    ExprException e(error.code.toStdString(), position);
    e.detail = error.message.toStdString();
    throw e;
}

// The object a matcher function returned, checked as jsonata-js evaluateMatcher does.
Value checkMatcherResult(const Value &result)
{
    if (!toBoolean(result).value_or(false) && !result.isObject()) {
        return result.isUndefined() || result.isNull() ? Value::undefined() : result;
    }
    const Value *start = result.find("start");
    const Value *end = result.find("end");
    const Value *groups = result.find("groups");
    const Value *next = result.find("next");
    const bool shaped = (start && start->isNumber()) || (end && end->isNumber())
                        || (groups && groups->isArray()) || (next && next->isFunction());
    if (!shaped) {
        throw ExprException("T1010");
    }
    return result;
}

std::vector<FoundMatch> collectMatches(CallContext &cx, const Value &matcher, std::string_view s,
                                       std::optional<std::size_t> limit)
{
    std::vector<FoundMatch> out;
    if (const RegexFunction *re = asRegex(matcher)) {
        auto all = re->regex->regex().findAll(s, limit);
        if (!all.ok()) {
            throwRegexError(all.error(), re->position);
        }
        for (regex::Match &m : all.value()) {
            FoundMatch f;
            f.startByte = m.start;
            f.endByte = m.end;
            f.index = static_cast<double>(regex::utf16Offset(s, m.start));
            for (const auto &g : m.groups) {
                f.groups.push_back(g ? Value::string(*g) : Value::undefined());
            }
            f.raw = std::move(m);
            out.push_back(std::move(f));
        }
        return out;
    }
    const Value subject = Value::string(s);
    Value result = checkMatcherResult(fn::call(cx, matcher, std::span<const Value>(&subject, 1)));
    while (!result.isUndefined() && (!limit || out.size() < *limit)) {
        FoundMatch f;
        f.raw.text = std::string(result.get("match").toStringView());
        f.index = result.get("start").toNumber();
        f.startByte = utf16ToByteOffset(s, static_cast<std::size_t>(std::max(0.0, f.index)));
        const double end = result.get("end").toNumber();
        f.endByte = utf16ToByteOffset(s, static_cast<std::size_t>(std::max(0.0, end)));
        for (const Value &g : result.get("groups").items()) {
            f.groups.push_back(g);
        }
        f.raw.start = f.startByte;
        f.raw.end = f.endByte;
        for (const Value &g : f.groups) {
            f.raw.groups.push_back(g.isString() ? std::optional<std::string>(std::string(g.toStringView()))
                                                : std::nullopt);
        }
        out.push_back(std::move(f));
        const Value next = result.get("next");
        if (!next.isFunction()) {
            break;
        }
        result = checkMatcherResult(fn::call(cx, next, {}));
    }
    return out;
}

std::optional<std::size_t> limitArg(std::span<const Value> args, std::size_t i, const char *code)
{
    if (!has(args, i)) {
        return std::nullopt;
    }
    const double limit = args[i].toNumber();
    if (limit < 0) {
        throw ExprException(code).withValue(args[i]);
    }
    return static_cast<std::size_t>(limit);
}

Value fnContains(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &token = arg(args, 1);
    if (token.isString()) {
        return Value::boolean(sv(args[0]).find(sv(token)) != std::string_view::npos);
    }
    if (const RegexFunction *re = asRegex(token)) {
        auto found = re->regex->regex().test(sv(args[0]));
        if (!found.ok()) {
            throwRegexError(found.error(), re->position);
        }
        return Value::boolean(found.value());
    }
    return Value::boolean(!collectMatches(cx, token, sv(args[0]), 1).empty());
}

Value fnSplit(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    const std::optional<std::size_t> limit = limitArg(args, 2, "D3020");
    std::vector<Value> result;
    if (limit && *limit == 0) {
        return Value::array({});
    }
    const Value &separator = arg(args, 1);
    if (separator.isString()) {
        const std::string_view sep = sv(separator);
        auto full = [&] { return limit && result.size() >= *limit; };
        if (sep.empty()) {
            for (std::size_t i = 0; i < s.size() && !full();) {
                const std::size_t next = codePointOffset(s.substr(i), 1) + i;
                result.push_back(Value::string(s.substr(i, next - i)));
                i = next;
            }
        } else {
            std::size_t start = 0;
            for (;;) {
                if (full()) {
                    break;
                }
                const std::size_t pos = s.find(sep, start);
                if (pos == std::string_view::npos) {
                    result.push_back(Value::string(s.substr(start)));
                    break;
                }
                result.push_back(Value::string(s.substr(start, pos - start)));
                start = pos + sep.size();
            }
        }
        return Value::array(std::move(result));
    }
    const std::vector<FoundMatch> matches = collectMatches(cx, separator, s, limit);
    std::size_t start = 0;
    for (const FoundMatch &m : matches) {
        result.push_back(Value::string(s.substr(start, m.startByte >= start ? m.startByte - start : 0)));
        start = m.endByte;
    }
    if (!limit || matches.size() < *limit) {
        result.push_back(Value::string(s.substr(std::min(start, s.size()))));
    }
    return Value::array(std::move(result));
}

Value fnJoin(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view sep = sv(arg(args, 1));
    std::string out;
    bool first = true;
    for (const Value &item : args[0].items()) {
        if (!first) {
            out += sep;
        }
        first = false;
        out += sv(item);
    }
    return Value::string(out);
}

Value fnMatch(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::optional<std::size_t> limit = limitArg(args, 2, "D3040");
    std::vector<Value> result;
    if (limit && *limit == 0) {
        return makeSequence({});
    }
    for (FoundMatch &m : collectMatches(cx, arg(args, 1), sv(args[0]), limit)) {
        json::ObjectBuilder obj(3);
        obj.insert("match", Value::string(m.text()));
        obj.insert("index", Value::number(m.index));
        obj.insert("groups", Value::array(std::move(m.groups)));
        result.push_back(obj.build());
    }
    return makeSequence(std::move(result));
}

Value fnReplace(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    const Value &pattern = arg(args, 1);
    const Value &replacement = arg(args, 2);
    if (pattern.isString() && pattern.toStringView().empty()) {
        throw ExprException("D3010").withValue(pattern);
    }
    const std::optional<std::size_t> limit = limitArg(args, 3, "D3011");
    if (limit && *limit == 0) {
        return args[0];
    }
    std::string out;
    if (pattern.isString()) {
        const std::string_view p = sv(pattern);
        const std::string_view r = sv(replacement);
        std::size_t position = 0;
        std::size_t count = 0;
        for (std::size_t index = s.find(p); index != std::string_view::npos
                                            && (!limit || count < *limit);
             index = s.find(p, position)) {
            out.append(s.substr(position, index - position));
            out.append(r);
            position = index + p.size();
            ++count;
        }
        out.append(s.substr(position));
        return Value::string(out);
    }
    const std::vector<FoundMatch> matches = collectMatches(cx, pattern, s, limit);
    if (matches.empty()) {
        return args[0];
    }
    std::size_t position = 0;
    for (const FoundMatch &m : matches) {
        out.append(s.substr(position, m.startByte >= position ? m.startByte - position : 0));
        if (replacement.isString()) {
            out += regex::expandReplacement(sv(replacement), m.raw);
        } else {
            json::ObjectBuilder obj(4);
            obj.insert("match", Value::string(m.text()));
            obj.insert("start", Value::number(m.index));
            obj.insert("end", Value::number(m.index + static_cast<double>(regex::utf16Offset(
                                                           m.text(), m.text().size()))));
            obj.insert("groups", Value::array(m.groups));
            const Value matchValue = obj.build();
            const Value replaced = fn::call(cx, replacement, std::span<const Value>(&matchValue, 1));
            if (!replaced.isString()) {
                throw ExprException("D3012").withValue(replaced);
            }
            out += sv(replaced);
        }
        position = m.startByte + m.text().size();
    }
    out.append(s.substr(std::min(position, s.size())));
    return Value::string(out);
}

// --- URL and base64 ----------------------------------------------------------------------------

[[noreturn]] void malformedUrl(const Value &value, const char *function)
{
    ExprException e("D3140");
    e.value = value;
    e.detail = function;
    throw e;
}

bool hasLoneSurrogate(std::string_view s)
{
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
            return true;
        }
    }
    return false;
}

Value encode(std::span<const Value> args, std::string_view keep, const char *function)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    if (hasLoneSurrogate(s)) {
        malformedUrl(args[0], function);
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
                           || (u < 0x80 && keep.find(c) != std::string_view::npos);
        if (plain) {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return Value::string(out);
}

Value fnEncodeUrlComponent(CallContext &, std::span<const Value> args)
{
    return encode(args, "-_.!~*'()", "encodeUrlComponent");
}

Value fnEncodeUrl(CallContext &, std::span<const Value> args)
{
    return encode(args, "-_.!~*'();/?:@&=+$,#", "encodeUrl");
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// decodeURI / decodeURIComponent: escapes must form valid UTF-8; decodeURI keeps escapes of
// reserved characters as they are.
Value decode(std::span<const Value> args, std::string_view reserved, const char *function)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] != '%') {
            out += s[i++];
            continue;
        }
        auto byteAt = [&](std::size_t k) {
            if (k + 2 >= s.size() || s[k] != '%') {
                malformedUrl(args[0], function);
            }
            const int hi = hexDigit(s[k + 1]);
            const int lo = hexDigit(s[k + 2]);
            if (hi < 0 || lo < 0) {
                malformedUrl(args[0], function);
            }
            return static_cast<unsigned char>(hi * 16 + lo);
        };
        const unsigned char lead = byteAt(i);
        int extra = 0;
        if (lead >= 0x80) {
            if (lead >= 0xC2 && lead <= 0xDF) {
                extra = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                extra = 2;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                extra = 3;
            } else {
                malformedUrl(args[0], function);
            }
        }
        std::string bytes(1, static_cast<char>(lead));
        std::size_t k = i + 3;
        for (int e = 0; e < extra; ++e, k += 3) {
            if (k >= s.size()) {
                malformedUrl(args[0], function);
            }
            const unsigned char b = byteAt(k);
            if ((b & 0xC0) != 0x80) {
                malformedUrl(args[0], function);
            }
            bytes += static_cast<char>(b);
        }
        if (extra == 2 && static_cast<unsigned char>(bytes[0]) == 0xED
            && static_cast<unsigned char>(bytes[1]) >= 0xA0) {
            malformedUrl(args[0], function); // surrogates are not valid in UTF-8
        }
        if (extra == 0 && reserved.find(static_cast<char>(lead)) != std::string_view::npos) {
            out.append(s.substr(i, 3));
        } else {
            out += bytes;
        }
        i = k;
    }
    return Value::string(out);
}

Value fnDecodeUrlComponent(CallContext &, std::span<const Value> args)
{
    return decode(args, {}, "decodeUrlComponent");
}

Value fnDecodeUrl(CallContext &, std::span<const Value> args)
{
    return decode(args, ";/?:@&=+$,#", "decodeUrl");
}

// jsonata-js encodes with Buffer.from(str, 'binary'): every UTF-16 code unit becomes one byte
// (its low 8 bits), and decodes back the same way. Text beyond Latin-1 does not survive, exactly
// as in jsonata-js.
Value fnBase64Encode(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const QString text = args[0].toQString();
    QByteArray latin1;
    latin1.reserve(text.size());
    for (const QChar c : text) {
        latin1 += static_cast<char>(c.unicode() & 0xFF);
    }
    const QByteArray encoded = latin1.toBase64();
    return Value::string(std::string_view(encoded.constData(), static_cast<std::size_t>(encoded.size())));
}

Value fnBase64Decode(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const std::string_view s = sv(args[0]);
    const QByteArray decoded = QByteArray::fromBase64(QByteArray(s.data(), static_cast<qsizetype>(s.size())));
    return Value::string(QString::fromLatin1(decoded));
}

const Builtin kStringBuiltins[] = {
    {"string", "<x-b?:s>", 1, fnString},
    {"substring", "<s-nn?:s>", 3, fnSubstring},
    {"substringBefore", "<s-s:s>", 2, fnSubstringBefore},
    {"substringAfter", "<s-s:s>", 2, fnSubstringAfter},
    {"lowercase", "<s-:s>", 1, fnLowercase},
    {"uppercase", "<s-:s>", 1, fnUppercase},
    {"length", "<s-:n>", 1, fnLength},
    {"trim", "<s-:s>", 1, fnTrim},
    {"pad", "<s-ns?:s>", 3, fnPad},
    {"contains", "<s-(sf):b>", 2, fnContains},
    {"split", "<s-(sf)n?:a<s>>", 3, fnSplit},
    {"join", "<a<s>s?:s>", 2, fnJoin},
    {"match", "<s-f<s:o>n?:a<o>>", 3, fnMatch},
    {"replace", "<s-(sf)(sf)n?:s>", 4, fnReplace},
    {"encodeUrlComponent", "<s-:s>", 1, fnEncodeUrlComponent},
    {"encodeUrl", "<s-:s>", 1, fnEncodeUrl},
    {"decodeUrlComponent", "<s-:s>", 1, fnDecodeUrlComponent},
    {"decodeUrl", "<s-:s>", 1, fnDecodeUrl},
    {"base64encode", "<s-:s>", 1, fnBase64Encode},
    {"base64decode", "<s-:s>", 1, fnBase64Decode},
};

} // namespace

std::span<const Builtin> stringBuiltins()
{
    return kStringBuiltins;
}

} // namespace syncline::engine::expr
