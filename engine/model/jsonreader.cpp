#include "jsonreader.h"

#include "engine/json/trackingiterator.h"
#include "engine/model/problemcodes.h"

#include <iterator>
#include <vector>

namespace syncline::engine::model {

namespace {

class PositionedSax
{
public:
    using json = nlohmann::json;

    PositionedSax(const QByteArray &bytes, ParsedJson &result)
        : m_begin(bytes.constData())
        , m_end(bytes.constData() + bytes.size())
        , m_cursor(bytes.constData())
        , m_previousEnd(bytes.constData())
        , m_result(result)
    {}

    const char **cursorProbe() { return &m_cursor; }

    bool null() { return addValue(json(nullptr)); }
    bool boolean(bool value) { return addValue(json(value)); }
    bool number_integer(json::number_integer_t value) { return addValue(json(value)); }
    bool number_unsigned(json::number_unsigned_t value) { return addValue(json(value)); }
    bool number_float(json::number_float_t value, const std::string &) { return addValue(json(value)); }
    bool string(std::string &value) { return addValue(json(std::move(value))); }
    bool binary(json::binary_t &) { return false; }

    bool start_object(std::size_t) { return openContainer(json::object()); }
    bool start_array(std::size_t) { return openContainer(json::array()); }
    bool end_object() { return closeContainer(); }
    bool end_array() { return closeContainer(); }

    bool key(std::string &name)
    {
        Frame &frame = m_stack.back();
        const std::size_t offset = startOfToken();
        const std::string pointer = frame.pointer + '/' + escapePointerToken(name);
        if (frame.value->contains(name)) {
            addProblem(pointer, offset, kProblemDuplicateKey,
                       QStringLiteral("the key \"%1\" appears more than once in this object; "
                                      "only its last value is kept")
                           .arg(QString::fromStdString(name)));
        } else {
            m_result.offsets.insert_or_assign(pointer, offset);
        }
        frame.pendingKey = std::move(name);
        m_previousEnd = m_cursor;
        return true;
    }

    bool parse_error(std::size_t bytesRead, const std::string &lastToken,
                     const nlohmann::detail::exception &error)
    {
        // Point at the start of the offending token rather than its last byte. The token text
        // shows control characters as "<U+XXXX>", which would skew the count; keep the end then.
        std::size_t offset = bytesRead > 0 ? bytesRead - 1 : 0;
        if (!lastToken.empty() && lastToken.find("<U+") == std::string::npos
            && lastToken.size() - 1 <= offset) {
            offset -= lastToken.size() - 1;
        }
        addProblem(m_stack.empty() ? std::string() : m_stack.back().pointer,
                   std::min(offset, std::size_t(m_end - m_begin)), kProblemJsonSyntax,
                   QStringLiteral("not valid JSON: %1").arg(describe(error)));
        return false;
    }

private:
    struct Frame
    {
        json *value;
        std::string pointer;
        std::size_t nextIndex = 0;
        std::string pendingKey;
    };

    // The pointer of the value about to be added, and whether its position is already known
    // (members are located by their key).
    std::string childPointer(bool &positioned)
    {
        if (m_stack.empty()) {
            positioned = false;
            return {};
        }
        Frame &frame = m_stack.back();
        if (frame.value->is_object()) {
            positioned = true;
            return frame.pointer + '/' + escapePointerToken(frame.pendingKey);
        }
        positioned = false;
        return frame.pointer + '/' + std::to_string(frame.nextIndex);
    }

    json *insert(json value)
    {
        if (m_stack.empty()) {
            m_result.document = std::move(value);
            return &m_result.document;
        }
        Frame &frame = m_stack.back();
        if (frame.value->is_object()) {
            json &slot = (*frame.value)[frame.pendingKey];
            slot = std::move(value);
            return &slot;
        }
        ++frame.nextIndex;
        frame.value->push_back(std::move(value));
        return &frame.value->back();
    }

    bool addValue(json value)
    {
        bool positioned = false;
        const std::string pointer = childPointer(positioned);
        if (!positioned) {
            m_result.offsets.insert_or_assign(pointer, startOfToken());
        }
        insert(std::move(value));
        m_previousEnd = m_cursor;
        return true;
    }

    bool openContainer(json empty)
    {
        bool positioned = false;
        std::string pointer = childPointer(positioned);
        if (m_stack.size() >= kMaxJsonDepth) {
            addProblem(pointer, startOfToken(), kProblemJsonSyntax,
                       QStringLiteral("nested more than %1 levels deep").arg(kMaxJsonDepth));
            return false;
        }
        if (!positioned) {
            m_result.offsets.insert_or_assign(pointer, startOfToken());
        }
        json *container = insert(std::move(empty));
        m_stack.push_back(Frame{container, std::move(pointer), 0, {}});
        m_previousEnd = m_cursor;
        return true;
    }

    bool closeContainer()
    {
        m_stack.pop_back();
        m_previousEnd = m_cursor;
        return true;
    }

    // The lexer has read past the current token; it starts at the first byte after the previous
    // token that is not whitespace or a separator (a number's one byte of look-ahead is always
    // one of those, so it never hides the start of the next token).
    std::size_t startOfToken() const
    {
        const char *p = m_previousEnd;
        while (p < m_end) {
            const char c = *p;
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':') {
                ++p;
                continue;
            }
            if (p == m_begin && m_end - p >= 3 && std::string_view(p, 3) == "\xEF\xBB\xBF") {
                p += 3;
                continue;
            }
            break;
        }
        return std::size_t(p - m_begin);
    }

    static QString describe(const nlohmann::detail::exception &error)
    {
        // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while
        // parsing object - unexpected ..." -> "syntax error while parsing object - unexpected ..."
        QString text = QString::fromUtf8(error.what());
        const qsizetype columnAt = text.indexOf(QLatin1String(", column "));
        const qsizetype colon = text.indexOf(QLatin1String(": "), std::max<qsizetype>(columnAt, 0));
        if (colon >= 0) {
            text = text.mid(colon + 2);
        }
        // The echo of what was read shows newlines as "<U+000A>"; line and column say it better.
        if (const qsizetype lastRead = text.indexOf(QLatin1String("; last read: ")); lastRead >= 0) {
            text.truncate(lastRead);
        }
        return text;
    }

    void addProblem(const std::string &pointer, std::size_t offset, QLatin1StringView code,
                    const QString &message)
    {
        const JsonPosition position = m_result.positionAt(offset);
        Problem problem;
        problem.pointer = QString::fromStdString(pointer);
        problem.message = message;
        problem.code = QString(code);
        problem.line = position.line;
        problem.column = position.column;
        m_result.problems.append(problem);
    }

    const char *m_begin;
    const char *m_end;
    const char *m_cursor;
    const char *m_previousEnd;
    ParsedJson &m_result;
    std::vector<Frame> m_stack;
};

} // namespace

JsonPosition ParsedJson::positionOf(const QString &pointer) const
{
    std::string key = pointer.toStdString();
    while (true) {
        const auto it = offsets.find(key);
        if (it != offsets.end()) {
            return positionAt(it->second);
        }
        if (key.empty()) {
            return {};
        }
        key.resize(key.rfind('/'));
    }
}

JsonPosition ParsedJson::positionAt(std::size_t offset) const
{
    if (lineStarts.empty()) {
        return {};
    }
    const auto next = std::upper_bound(lineStarts.begin(), lineStarts.end(), offset);
    const std::size_t lineIndex = std::size_t(next - lineStarts.begin()) - 1;
    int column = 1;
    const std::size_t end = std::min(offset, std::size_t(bytes.size()));
    for (std::size_t i = lineStarts[lineIndex]; i < end; ++i) {
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        if ((static_cast<unsigned char>(bytes.at(qsizetype(i))) & 0xC0) != 0x80) {
            ++column;
        }
    }
    return JsonPosition{int(lineIndex) + 1, column};
}

ParsedJson readWorkspaceJson(const QByteArray &bytes)
{
    ParsedJson result;
    result.bytes = bytes;
    result.lineStarts.push_back(0);
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (bytes.at(i) == '\n') {
            result.lineStarts.push_back(std::size_t(i) + 1);
        }
    }
    PositionedSax sax(result.bytes, result);
    const char **probe = sax.cursorProbe();
    json::TrackingIterator first(result.bytes.constData(), probe);
    json::TrackingIterator last(result.bytes.constData() + result.bytes.size(), probe);
    result.valid = nlohmann::json::sax_parse(first, last, &sax);
    if (!result.valid) {
        result.document = nullptr;
    }
    return result;
}

std::string escapePointerToken(const std::string &token)
{
    std::string escaped;
    escaped.reserve(token.size());
    for (const char c : token) {
        if (c == '~') {
            escaped += "~0";
        } else if (c == '/') {
            escaped += "~1";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

QString escapePointerToken(const QString &token)
{
    QString escaped = token;
    escaped.replace(u'~', QLatin1String("~0"));
    escaped.replace(u'/', QLatin1String("~1"));
    return escaped;
}

} // namespace syncline::engine::model
