#include "fastintake.h"

#include <simdjson.h>

#include <algorithm>
#include <iterator>
#include <cstring>
#include <vector>

namespace syncline::engine::json {

namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool hasNonZeroMantissa(std::string_view text)
{
    const std::string_view mantissa = text.substr(0, text.find_first_of("eE"));
    return mantissa.find_first_of("123456789") != std::string_view::npos;
}

// The four hex digits at `at` as a UTF-16 code unit, or a value above 0xFFFF when they are not
// four hex digits.
std::uint32_t codeUnit(const char *at)
{
    std::uint32_t unit = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = at[i];
        unit <<= 4;
        if (c >= '0' && c <= '9') {
            unit |= std::uint32_t(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            unit |= std::uint32_t(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            unit |= std::uint32_t(c - 'A' + 10);
        } else {
            return 0x110000;
        }
    }
    return unit;
}

// simdjson 3.0 decodes a high surrogate escape followed by any \u escape as one code point
// ("\ud800\u0041" becomes U+2441) and writes a lone low surrogate as three bytes; the strict
// parser refuses both (UTF8_INVALID). So every \u escape in the surrogate range must be one
// half of a proper pair. `at` is the first byte after the opening quote.
bool surrogatesPair(const char *at, const char *end)
{
    while (at < end && *at != '"') {
        if (*at != '\\') {
            ++at;
            continue;
        }
        if (end - at < 2) {
            return false;
        }
        if (at[1] != 'u') {
            at += 2;
            continue;
        }
        if (end - at < 6) {
            return false;
        }
        const std::uint32_t unit = codeUnit(at + 2);
        at += 6;
        if (unit > 0xFFFF || (unit >= 0xDC00 && unit <= 0xDFFF)) {
            return false;
        }
        if (unit < 0xD800 || unit > 0xDBFF) {
            continue;
        }
        if (end - at < 6 || at[0] != '\\' || at[1] != 'u') {
            return false;
        }
        const std::uint32_t low = codeUnit(at + 2);
        if (low < 0xDC00 || low > 0xDFFF) {
            return false;
        }
        at += 6;
    }
    return at < end;
}

// The string whose raw bytes start at `raw` (after the opening quote) when it has no escapes:
// then it is those bytes up to the closing quote, and needs no unescaping (most names and
// values). Nothing when it has escapes.
std::optional<std::string_view> plainString(const char *raw, const char *end)
{
    const void *quote = std::memchr(raw, '"', std::size_t(end - raw));
    if (quote == nullptr) {
        return std::nullopt;
    }
    const std::size_t length = std::size_t(static_cast<const char *>(quote) - raw);
    if (std::memchr(raw, '\\', length) != nullptr) {
        return std::nullopt;
    }
    return std::string_view(raw, length);
}

std::string_view trimTrailingWhitespace(std::string_view token)
{
    while (!token.empty() && isWhitespace(token.back())) {
        token.remove_suffix(1);
    }
    return token;
}

// Members and elements read so far, of every open container; they move into their object or
// array once it is complete, so each gets an exactly sized vector and no container grows step
// by step. Kept with the thread's parser between bodies.
struct Scratch
{
    std::vector<Member> members;
    std::vector<Value> items;

    void clear()
    {
        members.clear();
        items.clear();
    }
};

// Walks simdjson's on-demand document and builds Values. Every function returns false as soon
// as anything is off; the caller then leaves the body to the strict parser.
class Reader
{
public:
    Reader(int maxDepth, const char *end, Scratch &scratch)
        : m_maxDepth(maxDepth)
        , m_end(end)
        , m_scratch(scratch)
    {}

    bool object(od::object object, int depth, Value &out)
    {
        std::vector<Member> &members = m_scratch.members;
        const std::size_t first = members.size();
        // Results are used in place: moving a field out of its result cost a store-forwarding
        // stall per member.
        for (auto &&result : object) {
            if (result.error() != simdjson::SUCCESS) {
                return false;
            }
            od::field &field = result.value_unsafe();
            const char *raw = field.key().raw();
            std::string_view name;
            if (const auto plain = plainString(raw, m_end)) {
                name = *plain;
            } else if (field.unescaped_key().get(name) != simdjson::SUCCESS
                       || !surrogatesPair(raw, m_end)) {
                return false;
            }
            Value member;
            if (!value(field.value(), depth, member)) {
                return false;
            }
            // The one place the name is interned.
            members.push_back(Member{Key(name), std::move(member)});
        }
        ObjectBuilder builder(members.size() - first);
        for (std::size_t i = first; i < members.size(); ++i) {
            // insert() refuses a repeated name; DUP_KEY is the strict parser's to report, with
            // its position.
            if (!builder.insert(std::move(members[i].key), std::move(members[i].value))) {
                return false;
            }
        }
        members.resize(first);
        out = builder.build();
        return true;
    }

    bool array(od::array array, int depth, Value &out)
    {
        std::vector<Value> &items = m_scratch.items;
        const std::size_t first = items.size();
        for (auto &&result : array) {
            if (result.error() != simdjson::SUCCESS) {
                return false;
            }
            od::value &item = result.value_unsafe();
            Value element;
            if (!value(item, depth, element)) {
                return false;
            }
            items.push_back(std::move(element));
        }
        std::vector<Value> elements(std::make_move_iterator(items.begin() + std::ptrdiff_t(first)),
                                    std::make_move_iterator(items.end()));
        items.resize(first);
        out = Value::array(std::move(elements));
        return true;
    }

private:
    // `depth` is the nesting of the container holding `item` (the root container is 1).
    bool value(od::value &item, int depth, Value &out)
    {
        od::json_type type;
        if (item.type().get(type) != simdjson::SUCCESS) {
            return false;
        }
        switch (type) {
        case od::json_type::object: {
            od::object object;
            return depth < m_maxDepth && item.get_object().get(object) == simdjson::SUCCESS
                   && this->object(object, depth + 1, out);
        }
        case od::json_type::array: {
            od::array array;
            return depth < m_maxDepth && item.get_array().get(array) == simdjson::SUCCESS
                   && this->array(array, depth + 1, out);
        }
        case od::json_type::number:
            // The token is not consumed; the enclosing iteration skips it (an unread scalar
            // other than a string is skipped as exactly one token). Its text is what Value
            // keeps, and simdjson's own number parsing is not needed.
            return number(item.raw_json_token(), out);
        case od::json_type::string:
            return string(item, out);
        case od::json_type::boolean: {
            bool flag = false;
            if (item.get_bool().get(flag) != simdjson::SUCCESS) {
                return false;
            }
            out = Value::boolean(flag);
            return true;
        }
        case od::json_type::null: {
            bool isNull = false;
            if (item.is_null().get(isNull) != simdjson::SUCCESS || !isNull) {
                return false;
            }
            out = Value::null();
            return true;
        }
        }
        return false;
    }

    static bool number(std::string_view token, Value &out)
    {
        // The raw token runs up to the next structural character, whitespace included.
        std::optional<Value> value = intakeNumber(trimTrailingWhitespace(token));
        if (!value) {
            return false;
        }
        out = std::move(*value);
        return true;
    }

    bool string(od::value &item, Value &out) const
    {
        // A plain string is copied straight from the body; only strings with escapes are
        // unescaped by simdjson. Either way the value is consumed: when simdjson skips an
        // unread string it takes a ':' after it for a member name's and skips that too, so
        // ["a":1] would pass.
        const char *raw = item.raw_json_token().data() + 1;
        if (const auto plain = plainString(raw, m_end)) {
            od::raw_json_string consumed;
            if (item.get_raw_json_string().get(consumed) != simdjson::SUCCESS) {
                return false;
            }
            out = Value::string(*plain);
            return true;
        }
        std::string_view text;
        if (item.get_string().get(text) != simdjson::SUCCESS || !surrogatesPair(raw, m_end)) {
            return false;
        }
        out = Value::string(text);
        return true;
    }

    int m_maxDepth;
    const char *m_end;
    Scratch &m_scratch;
};

// A simdjson parser with the padded copy of the body it reads (simdjson reads up to
// SIMDJSON_PADDING bytes past the end, which the caller's buffer need not have).
class Workspace
{
public:
    std::optional<Value> parse(std::string_view bytes, int maxDepth)
    {
        const std::size_t capacity = bytes.size() + simdjson::SIMDJSON_PADDING;
        if (m_buffer.size() < capacity) {
            m_buffer.resize(capacity);
        }
        std::memcpy(m_buffer.data(), bytes.data(), bytes.size());
        std::memset(m_buffer.data() + bytes.size(), ' ', simdjson::SIMDJSON_PADDING);

        od::document document;
        if (m_parser.iterate(m_buffer.data(), bytes.size(), m_buffer.size()).get(document)
            != simdjson::SUCCESS) {
            return std::nullopt;
        }
        od::json_type type;
        if (maxDepth < 1 || document.type().get(type) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        m_scratch.clear();
        Reader reader(maxDepth, m_buffer.data() + bytes.size(), m_scratch);
        Value root;
        if (type == od::json_type::object) {
            od::object object;
            if (document.get_object().get(object) != simdjson::SUCCESS
                || !reader.object(object, 1, root)) {
                return std::nullopt;
            }
        } else if (type == od::json_type::array) {
            od::array array;
            if (document.get_array().get(array) != simdjson::SUCCESS
                || !reader.array(array, 1, root)) {
                return std::nullopt;
            }
        } else {
            // Scalar bodies are rare and simdjson treats them apart; the strict parser reads them.
            return std::nullopt;
        }
        // simdjson does not look past the value it was asked for; anything after it (another
        // value, a stray bracket) is TRAILING_CONTENT or JSON_SYNTAX for the strict parser.
        // An error met while moving to the next member or element (a missing comma) ends
        // simdjson's iteration loop without a failed result; it leaves the document dead,
        // which is caught here too.
        if (!document.is_alive()
            || document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
            return std::nullopt;
        }
        return root;
    }

    /// Drops what a refused body left in the scratch stacks, and gives back the memory a very
    /// wide body made them take.
    void trim()
    {
        m_scratch.clear();
        constexpr std::size_t kKeptEntries = 4096;
        if (m_scratch.members.capacity() > kKeptEntries
            || m_scratch.items.capacity() > kKeptEntries) {
            m_scratch = Scratch();
        }
    }

private:
    od::parser m_parser;
    std::vector<char> m_buffer;
    Scratch m_scratch;
};

} // namespace

std::optional<Value> intakeNumber(std::string_view text)
{
    std::optional<Value> value = Value::parseNumber(text);
    // from_chars reads 1e-400 as zero; a zero the digits do not spell is no number to compute
    // with.
    if (value && value->toNumber() == 0 && hasNonZeroMantissa(text)) {
        return std::nullopt;
    }
    return value;
}

std::optional<Value> FastIntake::tryParse(std::string_view bytes, const IntakeLimits &limits)
{
    if (std::int64_t(bytes.size()) > limits.maxBytes || bytes.empty()
        || bytes.substr(0, kByteOrderMark.size()) == kByteOrderMark
        || std::memchr(bytes.data(), '\0', bytes.size()) != nullptr) {
        return std::nullopt;
    }
    const int maxDepth = std::min(std::clamp(limits.maxDepth, 0, IntakeLimits::kDepthCeiling),
                                  kMaxDepth);
    try {
        if (bytes.size() <= kReusedBytes) {
            thread_local Workspace workspace;
            std::optional<Value> value = workspace.parse(bytes, maxDepth);
            workspace.trim();
            return value;
        }
        Workspace workspace;
        return workspace.parse(bytes, maxDepth);
    } catch (const std::exception &) {
        // Allocation failure: the strict parser reports it.
        return std::nullopt;
    }
}

} // namespace syncline::engine::json
