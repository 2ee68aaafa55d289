#include "engine/expr/lexer.h"

#include "engine/expr/exprerror.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace syncline::engine::expr {

bool isOperatorChar(char c)
{
    return c != '\0' && std::strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", c) != nullptr;
}

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

int hexValue(char c)
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

} // namespace

void appendUtf8(std::string &out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

Token Lexer::make(TokenType type, std::string text) const
{
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.position = static_cast<int>(m_pos);
    return t;
}

Token Lexer::scanRegex()
{
    // The opening '/' has been consumed. Find the closing one, skipping escaped slashes and
    // slashes inside brackets, as jsonata-js does.
    const std::size_t start = m_pos;
    int depth = 0;
    while (m_pos < m_src.size()) {
        const char c = m_src[m_pos];
        if (c == '/' && depth == 0) {
            std::size_t backslashes = 0;
            while (m_pos >= backslashes + 1 && m_src[m_pos - backslashes - 1] == '\\') {
                ++backslashes;
            }
            if (backslashes % 2 == 0) {
                std::string pattern(m_src.substr(start, m_pos - start));
                if (pattern.empty()) {
                    throw ExprException("S0301", static_cast<int>(m_pos));
                }
                ++m_pos;
                const std::size_t flagStart = m_pos;
                while (at(m_pos) == 'i' || at(m_pos) == 'm') {
                    ++m_pos;
                }
                Token t = make(TokenType::Regex, std::move(pattern));
                t.flags = std::string(m_src.substr(flagStart, m_pos - flagStart));
                return t;
            }
        }
        const bool escaped = m_pos > 0 && m_src[m_pos - 1] == '\\';
        if ((c == '(' || c == '[' || c == '{') && !escaped) {
            ++depth;
        }
        if ((c == ')' || c == ']' || c == '}') && !escaped) {
            --depth;
        }
        ++m_pos;
    }
    throw ExprException("S0302", static_cast<int>(m_pos));
}

Token Lexer::scanString(char quote)
{
    ++m_pos;
    std::string value;
    std::uint32_t pendingHigh = 0; // a high surrogate from \uD8xx waiting for its pair
    auto flushHigh = [&] {
        if (pendingHigh) {
            appendUtf8(value, pendingHigh);
            pendingHigh = 0;
        }
    };
    while (m_pos < m_src.size()) {
        char c = m_src[m_pos];
        if (c == '\\') {
            ++m_pos;
            c = at(m_pos);
            const char *simple = nullptr;
            switch (c) {
            case '"': simple = "\""; break;
            case '\\': simple = "\\"; break;
            case '/': simple = "/"; break;
            case 'b': simple = "\b"; break;
            case 'f': simple = "\f"; break;
            case 'n': simple = "\n"; break;
            case 'r': simple = "\r"; break;
            case 't': simple = "\t"; break;
            default: break;
            }
            if (simple) {
                flushHigh();
                value += simple;
            } else if (c == 'u') {
                std::uint32_t cp = 0;
                for (int k = 1; k <= 4; ++k) {
                    const int h = hexValue(at(m_pos + static_cast<std::size_t>(k)));
                    if (h < 0) {
                        throw ExprException("S0104", static_cast<int>(m_pos));
                    }
                    cp = cp * 16 + static_cast<std::uint32_t>(h);
                }
                m_pos += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF && pendingHigh) {
                    appendUtf8(value, 0x10000 + ((pendingHigh - 0xD800) << 10) + (cp - 0xDC00));
                    pendingHigh = 0;
                } else {
                    flushHigh();
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        pendingHigh = cp;
                    } else {
                        appendUtf8(value, cp);
                    }
                }
            } else {
                throw ExprException("S0103", static_cast<int>(m_pos)).withToken(std::string(1, c));
            }
        } else if (c == quote) {
            flushHigh();
            ++m_pos;
            return make(TokenType::String, std::move(value));
        } else {
            flushHigh();
            value += c;
        }
        ++m_pos;
    }
    throw ExprException("S0101", static_cast<int>(m_pos));
}

Token Lexer::next(bool prefix)
{
    for (;;) {
        while (m_pos < m_src.size() && isSpace(m_src[m_pos])) {
            ++m_pos;
        }
        if (at(m_pos) == '/' && at(m_pos + 1) == '*') {
            const std::size_t commentStart = m_pos;
            const std::size_t end = m_src.find("*/", m_pos + 2);
            if (end == std::string_view::npos) {
                throw ExprException("S0106", static_cast<int>(commentStart));
            }
            m_pos = end + 2;
            continue;
        }
        break;
    }
    if (m_pos >= m_src.size()) {
        return make(TokenType::End, {});
    }
    const char c = m_src[m_pos];
    if (!prefix && c == '/') {
        ++m_pos;
        return scanRegex();
    }
    static constexpr std::string_view kDouble[] = {"..", ":=", "!=", ">=", "<=", "**", "~>", "?:",
                                                   "??"};
    for (std::string_view op : kDouble) {
        if (m_src.substr(m_pos, 2) == op) {
            m_pos += 2;
            return make(TokenType::Operator, std::string(op));
        }
    }
    if (isOperatorChar(c)) {
        ++m_pos;
        return make(TokenType::Operator, std::string(1, c));
    }
    if (c == '"' || c == '\'') {
        return scanString(c);
    }
    if (isDigit(c)) {
        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?  (the sign is always an operator here)
        std::size_t i = m_pos;
        if (c == '0') {
            ++i;
        } else {
            while (isDigit(at(i))) {
                ++i;
            }
        }
        if (at(i) == '.' && isDigit(at(i + 1))) {
            i += 1;
            while (isDigit(at(i))) {
                ++i;
            }
        }
        if (at(i) == 'e' || at(i) == 'E') {
            std::size_t j = i + 1;
            if (at(j) == '+' || at(j) == '-') {
                ++j;
            }
            if (isDigit(at(j))) {
                while (isDigit(at(j))) {
                    ++j;
                }
                i = j;
            }
        }
        const std::string_view text = m_src.substr(m_pos, i - m_pos);
        double d = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
        const bool underflow = ec == std::errc::result_out_of_range
                               && text.find("e-") != std::string_view::npos;
        if (underflow) {
            d = 0; // parseFloat gives 0 for magnitudes below the smallest double
        } else if (ec != std::errc() || !std::isfinite(d)) {
            throw ExprException("S0102", static_cast<int>(m_pos)).withToken(std::string(text));
        }
        m_pos = i;
        Token t = make(TokenType::Number, std::string(text));
        t.value = json::Value::number(d);
        return t;
    }
    if (c == '`') {
        ++m_pos;
        const std::size_t end = m_src.find('`', m_pos);
        if (end == std::string_view::npos) {
            m_pos = m_src.size();
            throw ExprException("S0105", static_cast<int>(m_pos));
        }
        std::string name(m_src.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return make(TokenType::Name, std::move(name));
    }
    std::size_t i = m_pos;
    while (i < m_src.size() && !isSpace(m_src[i]) && !isOperatorChar(m_src[i])) {
        ++i;
    }
    if (c == '$') {
        std::string name(m_src.substr(m_pos + 1, i - m_pos - 1));
        m_pos = i;
        return make(TokenType::Variable, std::move(name));
    }
    std::string name(m_src.substr(m_pos, i - m_pos));
    m_pos = i;
    if (name == "or" || name == "in" || name == "and") {
        return make(TokenType::Operator, std::move(name));
    }
    if (name == "true" || name == "false" || name == "null") {
        Token t = make(TokenType::Value, name);
        t.value = name == "null" ? json::Value::null() : json::Value::boolean(name == "true");
        return t;
    }
    return make(TokenType::Name, std::move(name));
}

} // namespace syncline::engine::expr
