#include "jsonhighlighter.h"

#include <QColor>
#include <QRegularExpression>

namespace syncline::ui {

namespace {

// One alternation so that numbers or keywords inside strings are never matched on their own.
// Group 1: a string (possibly unterminated), group 2: the colon that makes it a key,
// group 3: a number, group 4: a keyword, group 5: punctuation.
const QRegularExpression &tokenPattern()
{
    static const QRegularExpression pattern(
        QStringLiteral(R"RX(("(?:[^"\\]|\\.)*"?)(\s*:)?)RX")
        + QStringLiteral(R"RX(|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?))RX")
        + QStringLiteral(R"RX(|\b(true|false|null)\b|([{}\[\],:]))RX"));
    return pattern;
}

int index(JsonHighlighter::Token token)
{
    return static_cast<int>(token);
}

} // namespace

JsonHighlighter::JsonHighlighter(QTextDocument *document, bool darkBackground)
    : QSyntaxHighlighter(document)
{
    setDarkBackground(darkBackground);
}

void JsonHighlighter::setDarkBackground(bool dark)
{
    struct Colours
    {
        const char *key, *string, *number, *keyword, *punctuation;
    };
    // Chosen for contrast of at least 4.5:1 against white (light) and #1e1e1e (dark).
    static constexpr Colours kLight{"#1c4f9c", "#17713a", "#a0440b", "#8a2a8f", "#5c6670"};
    static constexpr Colours kDark{"#8cc4ff", "#9bd88f", "#f2b479", "#e39ef0", "#a4acb4"};
    const Colours &colours = dark ? kDark : kLight;

    const auto make = [](const char *colour, bool bold) {
        QTextCharFormat format;
        format.setForeground(QColor(QLatin1String(colour)));
        if (bold) {
            format.setFontWeight(QFont::DemiBold);
        }
        return format;
    };
    m_formats[index(Token::Key)] = make(colours.key, true);
    m_formats[index(Token::String)] = make(colours.string, false);
    m_formats[index(Token::Number)] = make(colours.number, false);
    m_formats[index(Token::Keyword)] = make(colours.keyword, true);
    m_formats[index(Token::Punctuation)] = make(colours.punctuation, false);
    rehighlight();
}

QTextCharFormat JsonHighlighter::format(Token token) const
{
    return m_formats[index(token)];
}

void JsonHighlighter::highlightBlock(const QString &text)
{
    QRegularExpressionMatchIterator it = tokenPattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        if (match.capturedLength(1) > 0) {
            const bool isKey = match.capturedLength(2) > 0;
            setFormat(match.capturedStart(1), match.capturedLength(1),
                      format(isKey ? Token::Key : Token::String));
            if (isKey) {
                setFormat(match.capturedEnd(2) - 1, 1, format(Token::Punctuation));
            }
        } else if (match.capturedLength(3) > 0) {
            setFormat(match.capturedStart(3), match.capturedLength(3), format(Token::Number));
        } else if (match.capturedLength(4) > 0) {
            setFormat(match.capturedStart(4), match.capturedLength(4), format(Token::Keyword));
        } else {
            setFormat(match.capturedStart(5), match.capturedLength(5), format(Token::Punctuation));
        }
    }
}

} // namespace syncline::ui
