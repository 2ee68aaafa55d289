#pragma once

#include "engine/core/result.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::engine::expr::regex {

/// One match of a Regex in a subject string. Offsets are UTF-8 byte offsets into the subject
/// that was searched; use utf16Offset() for the "index" JSONata reports.
struct Match
{
    std::size_t start = 0; ///< byte offset of the first byte of the match
    std::size_t end = 0;   ///< byte offset one past the match
    std::string text;      ///< the matched text (subject[start, end))
    /// Capture groups 1..n; nullopt for a group that did not take part in the match (JavaScript's
    /// undefined in the exec() array).
    std::vector<std::optional<std::string>> groups;
};

/// Limits that make a catastrophic pattern fail with an error instead of hanging.
struct MatchLimits
{
    /// PCRE2 match limit: how many times the matcher may call its internal match() per search.
    std::uint32_t matchLimit = 10'000'000;
    /// PCRE2 depth limit (backtracking depth); bounds heap use per search.
    std::uint32_t depthLimit = 100'000;
};

/// An ECMAScript-flavoured regular expression (a JSONata regex literal /pattern/flags) compiled
/// with PCRE2. See docs/jsonata-regex.md for the options chosen and where it differs from
/// ECMAScript.
///
/// Thread safety: a compiled Regex is immutable; exec() allocates its match data per call, so one
/// Regex may be used from several threads at once. Copies share the compiled pattern.
class Regex
{
public:
    /// Compiles `pattern` (UTF-8, ECMAScript syntax). `flags` may hold 'i' (ignore case) and 'm'
    /// (^ and $ at line breaks); any other flag character is rejected. Errors: code "S0303"
    /// ("Invalid regular expression: …" with PCRE2's reason and offset) for a pattern PCRE2 cannot
    /// compile, S0301 for an empty pattern.
    static Result<Regex> compile(std::string_view pattern, std::string_view flags = {},
                                 MatchLimits limits = {});

    /// The first match starting at or after byte offset `from` (like JavaScript's exec() with
    /// lastIndex = from on a global regex). nullopt when there is none, or `from` is past the end.
    /// `from` is moved forward to a UTF-8 character boundary when it points inside a character.
    /// Error D1005 ("Regular expression is too complex…") when the match limit is hit, so a
    /// catastrophic pattern ends instead of hanging; Error D1006 for invalid UTF-8 in `subject`.
    Result<std::optional<Match>> exec(std::string_view subject, std::size_t from = 0) const;

    /// True when the pattern matches somewhere in `subject` (no captures kept).
    Result<bool> test(std::string_view subject) const;

    /// Every match from the start, the way jsonata-js walks a regex: after a match the next search
    /// starts at its end. A zero-length match after the first one is error D1004 ("Regular
    /// expression matches zero length string"), as in jsonata-js; a zero-length first match is
    /// returned. At most `limit` matches when given.
    Result<std::vector<Match>> findAll(std::string_view subject,
                                       std::optional<std::size_t> limit = std::nullopt) const;

    /// The pattern source as given to compile() (JavaScript's RegExp.prototype.source).
    const std::string &source() const;
    /// The flags as given to compile().
    const std::string &flags() const;
    /// Number of capture groups in the pattern.
    std::size_t groupCount() const;

private:
    struct Compiled;
    explicit Regex(std::shared_ptr<const Compiled> compiled);
    std::shared_ptr<const Compiled> m_compiled;
};

/// JSONata's $replace replacement string: "$$" is a literal '$', "$0" the whole match, "$n"/"$nn"
/// capture group n (the longest group number that exists, an unmatched or missing group giving
/// ""), and a '$' not followed by a digit is kept literally — exactly as jsonata-js expands it.
std::string expandReplacement(std::string_view replacement, const Match &match);

/// The UTF-16 code-unit offset of byte offset `byteOffset` in the UTF-8 string `text`: the
/// "index" that jsonata-js reports in $match results. Offsets inside a character count up to it.
std::size_t utf16Offset(std::string_view text, std::size_t byteOffset);

} // namespace syncline::engine::expr::regex
