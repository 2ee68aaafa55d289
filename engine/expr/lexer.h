#pragma once

#include "engine/json/value.h"

#include <string>
#include <string_view>

namespace syncline::engine::expr {

enum class TokenType : std::uint8_t { End, Name, Variable, Operator, String, Number, Value, Regex };

struct Token
{
    TokenType type = TokenType::End;
    std::string text;   // name, variable name (without '$'), operator, string value, regex pattern
    std::string flags;  // regex flags
    json::Value value;  // number / true / false / null
    int position = 0;   // byte offset just past the token
};

/// Splits a JSONata expression into tokens the way jsonata-js's tokenizer does (comments,
/// string escapes with surrogate pairs, backquoted names, regex literals in operand position).
/// Errors are thrown as ExprException (S0101..S0106, S0301, S0302).
class Lexer
{
public:
    explicit Lexer(std::string_view source)
        : m_src(source)
    {}

    /// The next token. `prefix` is true where an operand may not start (after an operand), so a
    /// '/' is the division operator rather than the start of a regex.
    Token next(bool prefix);
    int position() const { return static_cast<int>(m_pos); }

private:
    Token make(TokenType type, std::string text) const;
    Token scanRegex();
    Token scanString(char quote);
    char at(std::size_t i) const { return i < m_src.size() ? m_src[i] : '\0'; }

    std::string_view m_src;
    std::size_t m_pos = 0;
};

/// True when `c` is one of the single-character operators that end a name.
bool isOperatorChar(char c);

/// Appends the UTF-8 (WTF-8 for a lone surrogate) encoding of a code point.
void appendUtf8(std::string &out, std::uint32_t codePoint);

} // namespace syncline::engine::expr
