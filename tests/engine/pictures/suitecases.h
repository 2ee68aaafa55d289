#pragma once

// Reads the official JSONata test suite (shared/external-data/jsonata-test-suite) and picks the
// cases whose expression is one direct call of a function with literal arguments, so the picture
// and regex units can check their functions against jsonata-js's expected values without the
// expression engine. Header-only; shared by tst_pictures and tst_regex.

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace syncline::tests {

/// A literal argument: string, number, object of strings, or a regex literal /pattern/flags.
struct SuiteArg
{
    enum class Kind { String, Number, Object, Regex } kind = Kind::String;
    QString text;  ///< string value, or regex pattern
    QString flags; ///< regex flags
    double number = 0;
    QList<QPair<QString, QString>> members;
};

struct SuiteCall
{
    QString file;
    QString expr;
    QString function; ///< without '$'
    std::vector<SuiteArg> args;
    QJsonObject testCase;
};

class LiteralReader
{
public:
    explicit LiteralReader(const QString &text)
        : m_text(text)
    {}

    std::optional<SuiteCall> call()
    {
        skipSpace();
        if (!eat(QLatin1Char('$'))) {
            return std::nullopt;
        }
        SuiteCall result;
        while (m_pos < m_text.size() && m_text[m_pos].isLetterOrNumber()) {
            result.function += m_text[m_pos++];
        }
        skipSpace();
        if (!eat(QLatin1Char('('))) {
            return std::nullopt;
        }
        skipSpace();
        if (!eat(QLatin1Char(')'))) {
            while (true) {
                auto arg = literal();
                if (!arg) {
                    return std::nullopt;
                }
                result.args.push_back(*arg);
                skipSpace();
                if (eat(QLatin1Char(')'))) {
                    break;
                }
                if (!eat(QLatin1Char(','))) {
                    return std::nullopt;
                }
            }
        }
        skipSpace();
        if (m_pos != m_text.size()) {
            return std::nullopt;
        }
        return result;
    }

private:
    void skipSpace()
    {
        while (m_pos < m_text.size() && m_text[m_pos].isSpace()) {
            ++m_pos;
        }
    }

    bool eat(QChar c)
    {
        if (m_pos < m_text.size() && m_text[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }

    std::optional<QString> string()
    {
        const QChar quote = m_text[m_pos++];
        QString out;
        while (m_pos < m_text.size() && m_text[m_pos] != quote) {
            QChar c = m_text[m_pos++];
            if (c == QLatin1Char('\\') && m_pos < m_text.size()) {
                const QChar e = m_text[m_pos++];
                if (e == QLatin1Char('n')) {
                    c = QLatin1Char('\n');
                } else if (e == QLatin1Char('t')) {
                    c = QLatin1Char('\t');
                } else if (e == QLatin1Char('u')) {
                    c = QChar(m_text.mid(m_pos, 4).toUShort(nullptr, 16));
                    m_pos += 4;
                } else {
                    c = e;
                }
            }
            out += c;
        }
        if (!eat(quote)) {
            return std::nullopt;
        }
        return out;
    }

    std::optional<SuiteArg> literal()
    {
        skipSpace();
        if (m_pos >= m_text.size()) {
            return std::nullopt;
        }
        const QChar c = m_text[m_pos];
        SuiteArg arg;
        if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            auto s = string();
            if (!s) {
                return std::nullopt;
            }
            arg.text = *s;
            return arg;
        }
        if (c == QLatin1Char('/')) {
            ++m_pos;
            QString pattern;
            while (m_pos < m_text.size() && m_text[m_pos] != QLatin1Char('/')) {
                if (m_text[m_pos] == QLatin1Char('\\') && m_pos + 1 < m_text.size()) {
                    pattern += m_text[m_pos++];
                }
                pattern += m_text[m_pos++];
            }
            if (!eat(QLatin1Char('/'))) {
                return std::nullopt;
            }
            arg.kind = SuiteArg::Kind::Regex;
            arg.text = pattern;
            while (m_pos < m_text.size() && (m_text[m_pos] == QLatin1Char('i') || m_text[m_pos] == QLatin1Char('m'))) {
                arg.flags += m_text[m_pos++];
            }
            return arg;
        }
        if (c == QLatin1Char('{')) {
            ++m_pos;
            arg.kind = SuiteArg::Kind::Object;
            skipSpace();
            while (!eat(QLatin1Char('}'))) {
                skipSpace();
                auto key = m_pos < m_text.size() ? string() : std::nullopt;
                skipSpace();
                if (!key || !eat(QLatin1Char(':'))) {
                    return std::nullopt;
                }
                skipSpace();
                auto value = m_pos < m_text.size() ? string() : std::nullopt;
                if (!value) {
                    return std::nullopt;
                }
                arg.members.append({*key, *value});
                skipSpace();
                eat(QLatin1Char(','));
                skipSpace();
            }
            return arg;
        }
        const int start = m_pos;
        while (m_pos < m_text.size()
               && (m_text[m_pos].isDigit() || QStringLiteral("+-.eE").contains(m_text[m_pos]))) {
            ++m_pos;
        }
        bool ok = false;
        arg.kind = SuiteArg::Kind::Number;
        arg.number = m_text.mid(start, m_pos - start).toDouble(&ok);
        if (!ok) {
            return std::nullopt;
        }
        return arg;
    }

    QString m_text;
    int m_pos = 0;
};

/// Every direct literal call of one of `functions` in the suite's `groups`.
inline std::vector<SuiteCall> suiteCalls(const QStringList &groups, const QStringList &functions)
{
    std::vector<SuiteCall> calls;
    const QString root = QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/jsonata-test-suite/groups/");
    for (const QString &group : groups) {
        QDir dir(root + group);
        for (const QString &name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
            QFile file(dir.filePath(name));
            if (!file.open(QIODevice::ReadOnly)) {
                continue;
            }
            const QJsonDocument doc = QJsonDocument::fromJson(file.readAll());
            QJsonArray cases = doc.isArray() ? doc.array() : QJsonArray{doc.object()};
            int index = 0;
            for (const QJsonValue &value : cases) {
                const QJsonObject testCase = value.toObject();
                auto call = LiteralReader(testCase.value(QStringLiteral("expr")).toString()).call();
                if (call && functions.contains(call->function)) {
                    call->file = group + QLatin1Char('/') + name
                                 + (doc.isArray() ? QStringLiteral("#%1").arg(index) : QString());
                    call->expr = testCase.value(QStringLiteral("expr")).toString();
                    call->testCase = testCase;
                    calls.push_back(*call);
                }
                ++index;
            }
        }
    }
    return calls;
}

} // namespace syncline::tests
