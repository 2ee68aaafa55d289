#include "intake.h"

#include "engine/json/fastintake.h"
#include "engine/json/trackingiterator.h"
#include "engine/json/utf8check.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QRegularExpression>

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

namespace syncline::engine::json {

namespace {

using Sax = nlohmann::json_sax<nlohmann::json>;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void appendPointerToken(QString &pointer, std::string_view token)
{
    QString text = QString::fromUtf8(token.data(), qsizetype(token.size()));
    text.replace(u'~', QStringLiteral("~0"));
    text.replace(u'/', QStringLiteral("~1"));
    pointer += u'/' + text;
}

// Builds Values from SAX events; refuses duplicate names, excess depth and unrepresentable
// numbers as they are met.
class IntakeHandler final : public Sax
{
public:
    IntakeHandler(std::string_view input, const char *const *furthest, const IntakeLimits &limits)
        : m_input(input)
        , m_furthest(furthest)
        , m_maxDepth(std::clamp(limits.maxDepth, 0, IntakeLimits::kDepthCeiling))
    {}

    bool null() override { return addValue(Value::null()); }
    bool boolean(bool value) override { return addValue(Value::boolean(value)); }
    bool number_integer(number_integer_t value) override
    {
        // JSON integers have one spelling per value, except that nlohmann reports "-0" as a
        // signed zero (a plain "0" arrives as unsigned).
        return number(value == 0 ? std::string("-0") : std::to_string(value));
    }
    bool number_unsigned(number_unsigned_t value) override
    {
        return number(std::to_string(value));
    }
    bool number_float(number_float_t, const string_t &text) override { return number(text); }
    bool string(string_t &value) override { return addValue(Value::string(value)); }
    bool binary(binary_t &) override { return false; }

    bool start_object(std::size_t) override
    {
        if (!enter()) {
            return false;
        }
        m_stack.push_back(Frame{true, {}, {}, Key(), false});
        return true;
    }

    bool key(string_t &name) override
    {
        Frame &frame = m_stack.back();
        // Interned once: the same Key checks for a duplicate and becomes the member's name.
        Key key(name);
        if (frame.object.find(key) != nullptr) {
            QString pointer = currentPointer();
            appendPointerToken(pointer, name);
            refuse(IntakeReason::DupKey,
                   QStringLiteral("the member \"%1\" appears twice in the same object; "
                                  "a body with repeated names is ambiguous and is not read")
                       .arg(QString::fromStdString(name)),
                   keyStart(), pointer);
            return false;
        }
        frame.key = std::move(key);
        frame.hasKey = true;
        return true;
    }

    bool end_object() override
    {
        Value object = m_stack.back().object.build();
        m_stack.pop_back();
        return addValue(std::move(object));
    }

    bool start_array(std::size_t) override
    {
        if (!enter()) {
            return false;
        }
        m_stack.push_back(Frame{false, {}, {}, Key(), false});
        return true;
    }

    bool end_array() override
    {
        Value array = Value::array(std::move(m_stack.back().items));
        m_stack.pop_back();
        return addValue(std::move(array));
    }

    bool parse_error(std::size_t position, const std::string &,
                     const nlohmann::detail::exception &error) override
    {
        if (m_refusal) {
            return false;
        }
        // A well-formed token in the wrong place ("unexpected ']'") is reported after the
        // token; point at its start. Lexer errors are reported at the byte that broke a token.
        const std::string what = error.what();
        if (what.find(" - unexpected ") != std::string::npos
            && what.find("unexpected end of input") == std::string::npos) {
            position = tokenStart(std::min(position, m_input.size())) + 1;
        }
        classify(position, error);
        return false;
    }

    bool complete() const { return m_rootDone && !m_refusal; }
    Value takeRoot() { return std::move(m_root); }
    const std::optional<IntakeRefusal> &refusal() const { return m_refusal; }

    void refuse(IntakeReason reason, QString message, std::size_t offset,
                std::optional<QString> pointer)
    {
        m_refusal = makeRefusal(m_input, reason, std::move(message), offset, std::move(pointer));
    }

    static IntakeRefusal makeRefusal(std::string_view input, IntakeReason reason, QString message,
                                     std::size_t offset, std::optional<QString> pointer)
    {
        IntakeRefusal refusal;
        refusal.reason = reason;
        refusal.message = std::move(message);
        refusal.byteOffset = std::int64_t(std::min(offset, input.size()));
        refusal.pointer = std::move(pointer);
        for (std::size_t i = 0; i < std::size_t(refusal.byteOffset); ++i) {
            const auto byte = static_cast<unsigned char>(input[i]);
            if (byte == '\n') {
                ++refusal.line;
                refusal.column = 1;
            } else if ((byte & 0xC0u) != 0x80u) {
                ++refusal.column;
            }
        }
        return refusal;
    }

private:
    struct Frame
    {
        bool isObject;
        ObjectBuilder object;
        std::vector<Value> items;
        Key key;
        bool hasKey;
    };

    std::size_t position() const { return std::size_t(*m_furthest - m_input.data()); }

    bool enter()
    {
        if (int(m_stack.size()) < m_maxDepth) {
            return true;
        }
        refuse(IntakeReason::DepthLimit,
               QStringLiteral("arrays and objects are nested more than %1 levels deep")
                   .arg(m_maxDepth),
               position() - 1, currentPointer());
        return false;
    }

    bool addValue(Value value)
    {
        if (m_stack.empty()) {
            m_root = std::move(value);
            m_rootDone = true;
            m_rootEnd = position();
            return true;
        }
        Frame &frame = m_stack.back();
        if (frame.isObject) {
            frame.object.insert(std::move(frame.key), std::move(value));
            frame.hasKey = false;
        } else {
            frame.items.push_back(std::move(value));
        }
        return true;
    }

    bool number(const std::string &text)
    {
        // The lexer has read one byte past the number unless the number ends the input.
        std::size_t end = position();
        if (end > 0 && !isDigit(m_input[end - 1])) {
            --end;
        }
        const std::size_t start = end >= text.size() ? end - text.size() : 0;
        const std::optional<Value> value = intakeNumber(text);
        if (!value) {
            refuse(IntakeReason::NumberPrecision,
                   QStringLiteral("the number %1 is beyond the range of numbers Syncline can "
                                  "compute with")
                       .arg(QString::fromStdString(text.size() > 40 ? text.substr(0, 40) + "..."
                                                                    : text)),
                   start, currentPointer());
            return false;
        }
        const bool ok = addValue(*value);
        if (m_stack.empty()) {
            m_rootEnd = end;
        }
        return ok;
    }

    // The opening quote of the member name the lexer has just read.
    std::size_t keyStart() const
    {
        const std::size_t end = position();
        return stringStart(end > 0 ? end - 1 : 0);
    }

    // The opening quote of the string whose closing quote is at `closingQuote`.
    std::size_t stringStart(std::size_t closingQuote) const
    {
        std::size_t at = closingQuote;
        while (at > 0) {
            --at;
            if (m_input[at] != '"') {
                continue;
            }
            std::size_t backslashes = 0;
            while (at > backslashes && m_input[at - 1 - backslashes] == '\\') {
                ++backslashes;
            }
            if (backslashes % 2 == 0) {
                return at;
            }
        }
        return 0;
    }

    QString currentPointer() const
    {
        QString pointer;
        for (const Frame &frame : m_stack) {
            if (frame.isObject && frame.hasKey) {
                appendPointerToken(pointer, frame.key.view());
            } else if (!frame.isObject) {
                pointer += u'/' + QString::number(frame.items.size());
            }
        }
        return pointer;
    }

    void classify(std::size_t position, const nlohmann::detail::exception &error)
    {
        // nlohmann counts the byte that failed, so the offending byte is one before.
        const std::size_t offset = std::min(position > 0 ? position - 1 : 0, m_input.size());
        const std::string what = error.what();
        if (offset < m_input.size() && m_input[offset] == '\0') {
            refuse(IntakeReason::NulByte,
                   QStringLiteral("the body contains a NUL byte (is it UTF-16 instead of UTF-8?)"),
                   offset, currentPointer());
            return;
        }
        const std::string_view upToError = m_input.substr(0, std::min(offset + 4, m_input.size()));
        if (const auto invalid = firstInvalidUtf8(upToError); invalid && *invalid <= offset) {
            refuse(IntakeReason::Utf8Invalid,
                   QStringLiteral("the bytes here are not valid UTF-8 (is the body in another "
                                  "encoding, such as Latin-1?)"),
                   *invalid, currentPointer());
            return;
        }
        if (what.find("surrogate") != std::string::npos) {
            refuse(IntakeReason::Utf8Invalid,
                   QStringLiteral("a \\u escape names half of a UTF-16 surrogate pair without "
                                  "the other half; that is no character"),
                   escapeStart(offset), currentPointer());
            return;
        }
        if (error.id == 406) {
            refuse(IntakeReason::NumberPrecision,
                   QStringLiteral("a number is beyond the range of numbers Syncline can compute "
                                  "with"),
                   numberStart(offset), currentPointer());
            return;
        }
        if (m_rootDone) {
            std::size_t start = m_rootEnd;
            while (start < m_input.size() && isWhitespace(m_input[start])) {
                ++start;
            }
            refuse(IntakeReason::TrailingContent,
                   QStringLiteral("something follows the complete JSON value; a body holds "
                                  "exactly one value"),
                   start, std::nullopt);
            return;
        }
        refuse(IntakeReason::JsonSyntax, syntaxMessage(what), offset, currentPointer());
    }

    // Start of the token that ends just before `end`: a structural character, a literal, a
    // number or a string.
    std::size_t tokenStart(std::size_t end) const
    {
        if (end == 0) {
            return 0;
        }
        const char last = m_input[end - 1];
        if (last == '"') {
            return stringStart(end - 1);
        }
        if (isDigit(last)) {
            return numberStart(end);
        }
        std::size_t start = end - 1;
        while (start > 0 && m_input[start - 1] >= 'a' && m_input[start - 1] <= 'z'
               && last >= 'a' && last <= 'z') {
            --start;
        }
        return start;
    }

    // Overflowing numbers are reported after the number; point at its first character.
    std::size_t numberStart(std::size_t offset) const
    {
        std::size_t start = std::min(offset, m_input.size());
        while (start > 0 && std::string_view("0123456789+-.eE").find(m_input[start - 1])
                                != std::string_view::npos) {
            --start;
        }
        return start;
    }

    // Lone surrogate errors are reported after the escape; point at its backslash.
    std::size_t escapeStart(std::size_t offset) const
    {
        std::size_t at = std::min(offset, m_input.size() - 1);
        for (std::size_t back = 0; back < 12 && at > 0; ++back, --at) {
            if (m_input[at] == '\\' && at + 1 < m_input.size() && m_input[at + 1] == 'u') {
                return at;
            }
        }
        return offset;
    }

    QString syntaxMessage(const std::string &what) const
    {
        if (m_input.find_first_not_of(" \t\r\n") == std::string_view::npos) {
            return QStringLiteral("the body is empty");
        }
        if (what.find("unexpected end of input") != std::string::npos) {
            return QStringLiteral("the body ends before the JSON value is complete (was it cut "
                                  "off?)");
        }
        // nlohmann's detail is precise ("unexpected ']'; expected '[', '{', or a literal");
        // drop its "[json.exception...] syntax error while parsing value - " preamble.
        std::string detail = what;
        const std::size_t dash = detail.find(" - ");
        if (dash != std::string::npos) {
            detail = detail.substr(dash + 3);
        }
        // "; last read: '<bytes>'" repeats what the position already shows.
        static const QRegularExpression lastRead(QStringLiteral("; last read: '.*?'(?=;|$)"));
        return QStringLiteral("not valid JSON: %1")
            .arg(QString::fromStdString(detail).remove(lastRead));
    }

    std::string_view m_input;
    const char *const *m_furthest;
    int m_maxDepth;
    std::vector<Frame> m_stack;
    Value m_root;
    bool m_rootDone = false;
    std::size_t m_rootEnd = 0;
    std::optional<IntakeRefusal> m_refusal;
};

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

} // namespace

Result<Value> IntakeResult::toResult() const
{
    if (ok()) {
        return value();
    }
    return refusal().toError();
}

IntakeResult JsonIntake::parse(std::string_view bytes, const IntakeLimits &limits)
{
    if (std::optional<Value> value = FastIntake::tryParse(bytes, limits)) {
        return std::move(*value);
    }
    return parseStrict(bytes, limits);
}

IntakeResult JsonIntake::parseStrict(std::string_view bytes, const IntakeLimits &limits)
{
    if (std::int64_t(bytes.size()) > limits.maxBytes) {
        return IntakeHandler::makeRefusal(
            bytes, IntakeReason::SizeLimit,
            QStringLiteral("the body is larger than the limit of %1 bytes").arg(limits.maxBytes),
            std::size_t(std::max<std::int64_t>(limits.maxBytes, 0)), std::nullopt);
    }
    if (bytes.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
        // nlohmann would skip it silently; RFC 8259 forbids senders to add one.
        return IntakeHandler::makeRefusal(
            bytes, IntakeReason::JsonSyntax,
            QStringLiteral("the body starts with a byte order mark (EF BB BF); JSON must be sent "
                           "without one"),
            0, std::nullopt);
    }
    const char *furthest = bytes.data();
    IntakeHandler handler(bytes, &furthest, limits);
    try {
        nlohmann::json::sax_parse(TrackingIterator(bytes.data(), &furthest),
                                  TrackingIterator(bytes.data() + bytes.size(), &furthest),
                                  &handler, nlohmann::json::input_format_t::json, true, false);
    } catch (const std::exception &error) {
        // sax_parse reports errors through the handler; this only catches allocation failure.
        return IntakeHandler::makeRefusal(bytes, IntakeReason::SizeLimit,
                                          QStringLiteral("the body could not be held in memory: %1")
                                              .arg(QString::fromUtf8(error.what())),
                                          0, std::nullopt);
    }
    if (handler.refusal()) {
        return *handler.refusal();
    }
    if (const std::size_t nul = bytes.find('\0'); nul != std::string_view::npos) {
        // nlohmann reads a NUL byte as the end of the input and would ignore what follows.
        return IntakeHandler::makeRefusal(
            bytes, IntakeReason::NulByte,
            QStringLiteral("the body contains a NUL byte (is it UTF-16 instead of UTF-8?)"), nul,
            std::nullopt);
    }
    if (!handler.complete()) {
        return IntakeHandler::makeRefusal(bytes, IntakeReason::JsonSyntax,
                                          QStringLiteral("the body is not a complete JSON value"),
                                          bytes.size(), QString());
    }
    return handler.takeRoot();
}

IntakeResult JsonIntake::parse(const QByteArray &bytes, const IntakeLimits &limits)
{
    return parse(std::string_view(bytes.constData(), std::size_t(bytes.size())), limits);
}

Result<IntakeResult> JsonIntake::read(QIODevice &device, const IntakeLimits &limits)
{
    if (!device.isReadable()) {
        return Error::make(QStringLiteral("READ_FAILED"),
                           QStringLiteral("cannot read: %1").arg(device.errorString()));
    }
    QByteArray bytes;
    const std::int64_t wanted = std::max<std::int64_t>(limits.maxBytes, 0) + 1;
    constexpr std::int64_t kChunkBytes = 64 * 1024;
    constexpr int kWaitMs = 30000;
    while (std::int64_t(bytes.size()) < wanted) {
        const QByteArray chunk = device.read(std::min(kChunkBytes, wanted - std::int64_t(bytes.size())));
        // Files and pipes block in read() and return nothing only at the end; sockets wait here.
        if (chunk.isEmpty() && !device.waitForReadyRead(kWaitMs)) {
            break;
        }
        bytes += chunk;
    }
    return parse(bytes, limits);
}

Result<IntakeResult> JsonIntake::readFile(const QString &path, const IntakeLimits &limits)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Error::make(QStringLiteral("FILE_UNREADABLE"),
                           QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    }
    return read(file, limits);
}

} // namespace syncline::engine::json
