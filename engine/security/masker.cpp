#include "engine/security/masker.h"

#include "engine/security/maskformats.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace syncline::engine::security {

namespace {

constexpr int kMaxDepth = 512;

// What a string or number (its text) becomes; nothing when it stays as it is.
std::optional<std::string>
maskedText(const std::optional<PiiMatch> &match, std::string text, Masker::View view)
{
    const bool marked = match && (!match->byKeyword || looksLike(match->cls, text));
    if (marked && view == Masker::View::Masked) {
        std::string masked = maskAs(match->cls, text);
        return masked == text ? std::nullopt : std::optional<std::string>(std::move(masked));
    }
    if (marked && match->cls == PiiClass::CardNumber) {
        std::string cut = lastFourOnly(text);
        return cut == text ? std::nullopt : std::optional<std::string>(std::move(cut));
    }
    bool changed = cutCardNumbers(text);
    if (view == Masker::View::Masked) {
        changed = maskEmails(text) || changed;
    }
    return changed ? std::optional<std::string>(std::move(text)) : std::nullopt;
}

std::string jsonString(const std::string &text)
{
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Copies JSON text to `out`, replacing the strings and numbers that are personal data. Returns
// false on text that is not JSON (the caller then falls back to rule 3 over the whole text).
class TextRewriter
{
public:
    TextRewriter(const PiiMarks &marks, Masker::View view, std::string_view in, std::string &out)
        : m_marks(marks)
        , m_view(view)
        , m_in(in)
        , m_out(out)
    {
    }

    bool document()
    {
        whitespace();
        if (!value(std::string(), std::nullopt, 0)) {
            return false;
        }
        whitespace();
        return m_at == m_in.size();
    }

private:
    // `owner`: the normalised name of the member this value belongs to (arrays pass theirs on).
    bool value(const std::string &owner, const std::optional<PiiMatch> &match, int depth)
    {
        if (m_at >= m_in.size() || depth > kMaxDepth) {
            return false;
        }
        switch (m_in[m_at]) {
        case '{':
            return object(owner, match, depth);
        case '[':
            return array(owner, match, depth);
        case '"':
            return string(match);
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return number(match);
        }
    }

    bool object(const std::string &owner, const std::optional<PiiMatch> &match, int depth)
    {
        return sequence('}', [&] {
            std::optional<std::string> name = stringToken(true);
            if (!name) {
                return false;
            }
            whitespace();
            if (!peek(':')) {
                return false;
            }
            punctuation();
            whitespace();
            const std::string key = PiiMarks::normalise(*name);
            const std::optional<PiiMatch> member = match ? match : m_marks.classify(owner, key);
            return value(key, member, depth + 1);
        });
    }

    bool array(const std::string &owner, const std::optional<PiiMatch> &match, int depth)
    {
        return sequence(']', [&] { return value(owner, match, depth + 1); });
    }

    // The opening bracket, then `item`s separated by commas up to `close`.
    template<typename Item>
    bool sequence(char close, const Item &item)
    {
        punctuation();
        whitespace();
        if (peek(close)) {
            punctuation();
            return true;
        }
        while (true) {
            if (!item()) {
                return false;
            }
            whitespace();
            if (peek(close)) {
                punctuation();
                return true;
            }
            if (!peek(',')) {
                return false;
            }
            punctuation();
            whitespace();
        }
    }

    bool string(const std::optional<PiiMatch> &match)
    {
        const std::size_t start = m_at;
        std::optional<std::string> text = stringToken(false);
        if (!text) {
            return false;
        }
        if (std::optional<std::string> masked = maskedText(match, std::move(*text), m_view)) {
            m_out += jsonString(*masked);
        } else {
            m_out.append(m_in.substr(start, m_at - start));
        }
        return true;
    }

    // Reads a string token; its decoded text. With `copy` the token goes to the output as is.
    std::optional<std::string> stringToken(bool copy)
    {
        if (!peek('"')) {
            return std::nullopt;
        }
        const std::size_t start = m_at++;
        bool escaped = false;
        while (m_at < m_in.size() && m_in[m_at] != '"') {
            if (static_cast<unsigned char>(m_in[m_at]) < 0x20) {
                return std::nullopt;
            }
            if (m_in[m_at] == '\\') {
                escaped = true;
                ++m_at;
            }
            ++m_at;
        }
        if (m_at >= m_in.size()) {
            return std::nullopt;
        }
        ++m_at;
        const std::string_view token = m_in.substr(start, m_at - start);
        if (copy) {
            m_out.append(token);
        }
        if (!escaped) {
            return std::string(token.substr(1, token.size() - 2));
        }
        try {
            return nlohmann::json::parse(token).get<std::string>();
        } catch (const nlohmann::json::exception &) {
            return std::nullopt;
        }
    }

    bool number(const std::optional<PiiMatch> &match)
    {
        const std::size_t start = m_at;
        const auto digits = [this] {
            const std::size_t from = m_at;
            while (m_at < m_in.size() && m_in[m_at] >= '0' && m_in[m_at] <= '9') {
                ++m_at;
            }
            return m_at > from;
        };
        if (peek('-')) {
            ++m_at;
        }
        if (!digits()) {
            return false;
        }
        if (peek('.')) {
            ++m_at;
            if (!digits()) {
                return false;
            }
        }
        if (peek('e') || peek('E')) {
            ++m_at;
            if (peek('+') || peek('-')) {
                ++m_at;
            }
            if (!digits()) {
                return false;
            }
        }
        const std::string text(m_in.substr(start, m_at - start));
        if (std::optional<std::string> masked = maskedText(match, text, m_view)) {
            m_out += jsonString(*masked);
        } else {
            m_out += text;
        }
        return true;
    }

    bool literal(std::string_view word)
    {
        if (m_in.substr(m_at, word.size()) != word) {
            return false;
        }
        m_out.append(word);
        m_at += word.size();
        return true;
    }

    bool peek(char c) const { return m_at < m_in.size() && m_in[m_at] == c; }

    void punctuation() { m_out += m_in[m_at++]; }

    void whitespace()
    {
        while (m_at < m_in.size() && (m_in[m_at] == ' ' || m_in[m_at] == '\n' ||
                                      m_in[m_at] == '\r' || m_in[m_at] == '\t')) {
            m_out += m_in[m_at++];
        }
    }

    const PiiMarks &m_marks;
    const Masker::View m_view;
    const std::string_view m_in;
    std::string &m_out;
    std::size_t m_at = 0;
};

void applyToTree(const PiiMarks &marks,
                 Masker::View view,
                 nlohmann::json &node,
                 const std::string &owner,
                 const std::optional<PiiMatch> &match)
{
    if (node.is_object()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = PiiMarks::normalise(it.key());
            applyToTree(marks, view, it.value(), key, match ? match : marks.classify(owner, key));
        }
    } else if (node.is_array()) {
        for (nlohmann::json &item : node) {
            applyToTree(marks, view, item, owner, match);
        }
    } else if (node.is_string()) {
        if (std::optional<std::string> masked = maskedText(match, node.get<std::string>(), view)) {
            node = std::move(*masked);
        }
    } else if (node.is_number()) {
        if (std::optional<std::string> masked = maskedText(match, node.dump(), view)) {
            node = std::move(*masked);
        }
    }
}

} // namespace

Masker::Masker(PiiMarks marks)
    : m_marks(std::move(marks))
{
}

Masker Masker::forWorkspace(const model::Workspace &workspace)
{
    return Masker(PiiMarks::fromWorkspace(workspace));
}

std::string Masker::apply(std::string_view json, View view) const
{
    std::string out;
    out.reserve(json.size());
    if (TextRewriter(m_marks, view, json, out).document()) {
        return out;
    }
    std::string text(json);
    cutCardNumbers(text);
    if (view == View::Masked) {
        maskEmails(text);
    }
    return text;
}

QByteArray Masker::apply(QByteArrayView json, View view) const
{
    const std::string out = apply(std::string_view(json.data(), std::size_t(json.size())), view);
    return QByteArray(out.data(), qsizetype(out.size()));
}

void Masker::apply(nlohmann::json &document, View view) const
{
    applyToTree(m_marks, view, document, std::string(), std::nullopt);
}

} // namespace syncline::engine::security
