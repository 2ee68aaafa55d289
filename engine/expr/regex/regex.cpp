#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/expr/regex/regex.h"

#include <QString>

#include <pcre2.h>

namespace syncline::engine::expr::regex {

namespace {

struct CodeDeleter
{
    void operator()(pcre2_code *code) const { pcre2_code_free(code); }
};
struct MatchContextDeleter
{
    void operator()(pcre2_match_context *context) const { pcre2_match_context_free(context); }
};
struct CompileContextDeleter
{
    void operator()(pcre2_compile_context *context) const { pcre2_compile_context_free(context); }
};
struct MatchDataDeleter
{
    void operator()(pcre2_match_data *data) const { pcre2_match_data_free(data); }
};

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

// The code unit of a "\uHHHH" escape starting at `pos`, or -1.
long unicodeEscape(std::string_view pattern, std::size_t pos)
{
    if (pos + 6 > pattern.size() || pattern[pos] != '\\' || pattern[pos + 1] != 'u') {
        return -1;
    }
    long value = 0;
    for (std::size_t i = pos + 2; i < pos + 6; ++i) {
        const int digit = hexValue(pattern[i]);
        if (digit < 0) {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

// ECMAScript patterns written for UTF-16 spell astral characters as surrogate pairs
// ("\uD83D\uDCA9"); PCRE2 in UTF mode wants the code point.
std::string joinSurrogatePairs(std::string_view pattern)
{
    std::string out;
    out.reserve(pattern.size());
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\' && i + 1 < pattern.size() && pattern[i + 1] != 'u') {
            out += pattern.substr(i, 2);
            ++i;
            continue;
        }
        const long high = unicodeEscape(pattern, i);
        const long low = high >= 0xD800 && high <= 0xDBFF ? unicodeEscape(pattern, i + 6) : -1;
        if (low >= 0xDC00 && low <= 0xDFFF) {
            const long codePoint = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            // ALT_BSUX has no \x{...}; an astral character is never a metacharacter, so write it.
            out.push_back(static_cast<char>(0xF0 | (codePoint >> 18)));
            out.push_back(static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
            i += 11;
            continue;
        }
        out.push_back(pattern[i]);
    }
    return out;
}

QString pcreMessage(int code)
{
    PCRE2_UCHAR buffer[256];
    const int length = pcre2_get_error_message(code, buffer, sizeof buffer);
    return QString::fromUtf8(reinterpret_cast<const char *>(buffer), length > 0 ? length : 0);
}

std::size_t nextCharBoundary(std::string_view text, std::size_t offset)
{
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
        ++offset;
    }
    return offset;
}

} // namespace

struct Regex::Compiled
{
    std::string source;
    std::string flags;
    std::unique_ptr<pcre2_code, CodeDeleter> code;
    std::unique_ptr<pcre2_match_context, MatchContextDeleter> matchContext;
    std::size_t groupCount = 0;
    bool jit = false;
};

Regex::Regex(std::shared_ptr<const Compiled> compiled)
    : m_compiled(std::move(compiled))
{}

Result<Regex> Regex::compile(std::string_view pattern, std::string_view flags, MatchLimits limits)
{
    if (pattern.empty()) {
        return Error::make(QStringLiteral("S0301"), QStringLiteral("Empty regular expressions are not allowed"));
    }
    // UTF subjects; \u escapes, $ only at the very end, [^] and [] as in ECMAScript; an unset
    // group's back-reference matches the empty string.
    uint32_t options = PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_UNSET_BACKREF
                       | PCRE2_ALLOW_EMPTY_CLASS | PCRE2_NEVER_BACKSLASH_C;
    for (const char flag : flags) {
        if (flag == 'i') {
            options |= PCRE2_CASELESS;
        } else if (flag == 'm') {
            options |= PCRE2_MULTILINE;
        } else {
            return Error::make(QStringLiteral("S0303"),
                               QStringLiteral("Invalid regular expression flag: %1").arg(QChar::fromLatin1(flag)));
        }
    }
    std::unique_ptr<pcre2_compile_context, CompileContextDeleter> compileContext(pcre2_compile_context_create(nullptr));
    pcre2_set_newline(compileContext.get(), PCRE2_NEWLINE_ANYCRLF);
    const std::string translated = joinSurrogatePairs(pattern);
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                     options, &errorCode, &errorOffset, compileContext.get());
    if (code == nullptr) {
        return Error::make(QStringLiteral("S0303"),
                           QStringLiteral("Invalid regular expression /%1/: %2 at offset %3")
                               .arg(QString::fromUtf8(pattern.data(), static_cast<int>(pattern.size())),
                                    pcreMessage(errorCode))
                               .arg(static_cast<qulonglong>(errorOffset)));
    }
    auto compiled = std::make_shared<Compiled>();
    compiled->source = std::string(pattern);
    compiled->flags = std::string(flags);
    compiled->code.reset(code);
    compiled->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    uint32_t captures = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
    compiled->groupCount = captures;
    compiled->matchContext.reset(pcre2_match_context_create(nullptr));
    pcre2_set_match_limit(compiled->matchContext.get(), limits.matchLimit);
    pcre2_set_depth_limit(compiled->matchContext.get(), limits.depthLimit);
    return Regex(std::move(compiled));
}

Result<std::optional<Match>> Regex::exec(std::string_view subject, std::size_t from) const
{
    if (from > subject.size()) {
        return std::optional<Match>();
    }
    from = nextCharBoundary(subject, from);
    const Compiled &c = *m_compiled;
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
        pcre2_match_data_create_from_pattern(c.code.get(), nullptr));
    auto run = [&](uint32_t options) {
        return pcre2_match(c.code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                           from, options, data.get(), c.matchContext.get());
    };
    int rc = run(0);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        // The JIT's stack is small; the interpreter keeps its backtracking on the heap.
        rc = run(PCRE2_NO_JIT);
    }
    if (rc == PCRE2_ERROR_NOMATCH) {
        return std::optional<Match>();
    }
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT) {
        return Error::make(QStringLiteral("D1005"),
                           QStringLiteral("Regular expression is too complex for this input (/%1/ gave up "
                                          "after its match limit); simplify the pattern")
                               .arg(QString::fromStdString(c.source)));
    }
    if (rc < 0) {
        return Error::make(QStringLiteral("D1006"),
                           QStringLiteral("Regular expression match failed: %1").arg(pcreMessage(rc)));
    }
    const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(data.get());
    Match match;
    match.start = ovector[0];
    match.end = ovector[1];
    match.text = std::string(subject.substr(match.start, match.end - match.start));
    match.groups.reserve(c.groupCount);
    for (std::size_t i = 1; i <= c.groupCount; ++i) {
        const PCRE2_SIZE begin = ovector[2 * i];
        const PCRE2_SIZE end = ovector[2 * i + 1];
        if (static_cast<int>(i) >= rc || begin == PCRE2_UNSET) {
            match.groups.emplace_back(std::nullopt);
        } else {
            match.groups.emplace_back(std::string(subject.substr(begin, end - begin)));
        }
    }
    return std::optional<Match>(std::move(match));
}

Result<bool> Regex::test(std::string_view subject) const
{
    auto found = exec(subject);
    if (!found) {
        return found.error();
    }
    return found->has_value();
}

Result<std::vector<Match>> Regex::findAll(std::string_view subject, std::optional<std::size_t> limit) const
{
    std::vector<Match> matches;
    if (limit && *limit == 0) {
        return matches;
    }
    auto found = exec(subject, 0);
    // jsonata-js asks for the next match before it checks the limit, so a zero-length match right
    // after the last one wanted still fails; kept for identical errors.
    while (true) {
        if (!found) {
            return found.error();
        }
        if (!*found || (limit && matches.size() >= *limit)) {
            break;
        }
        matches.push_back(std::move(**found));
        const std::size_t next = matches.back().end;
        if (next >= subject.size()) {
            break;
        }
        found = exec(subject, next);
        if (found && *found && (*found)->text.empty()) {
            return Error::make(QStringLiteral("D1004"), QStringLiteral("Regular expression matches zero length string"));
        }
    }
    return matches;
}

const std::string &Regex::source() const
{
    return m_compiled->source;
}

const std::string &Regex::flags() const
{
    return m_compiled->flags;
}

std::size_t Regex::groupCount() const
{
    return m_compiled->groupCount;
}

std::size_t utf16Offset(std::string_view text, std::size_t byteOffset)
{
    std::size_t units = 0;
    const std::size_t end = std::min(byteOffset, text.size());
    for (std::size_t i = 0; i < end; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if ((byte & 0xC0) == 0x80) {
            continue;
        }
        units += byte >= 0xF0 ? 2 : 1;
    }
    return units;
}

} // namespace syncline::engine::expr::regex
