#include "ui/widgets/jsonhighlighter.h"
#include "ui/widgets/jsonview.h"

#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>

using namespace syncline::ui;
using Token = JsonHighlighter::Token;

Q_DECLARE_METATYPE(JsonHighlighter::Token)

namespace {

// The colour the highlighter gave the character at `position` of the first line.
QColor colourAt(const QTextDocument &document, int position)
{
    const QTextBlock block = document.firstBlock();
    for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
        if (position >= range.start && position < range.start + range.length) {
            return range.format.foreground().color();
        }
    }
    return {};
}

} // namespace

class TestJsonHighlighter : public QObject
{
    Q_OBJECT

private slots:
    void tokens_data();
    void tokens();
    void tokenColoursDiffer();
    void darkBackgroundUsesLighterColours();
    void viewUsesMonospaceAndIsReadOnly();
    void viewMarksPointerLine();
};

void TestJsonHighlighter::tokens_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("position");
    QTest::addColumn<Token>("token");

    const QString member = QStringLiteral(R"(  "amount": 12.50,)");
    QTest::newRow("key") << member << 3 << Token::Key;
    QTest::newRow("colon after key") << member << 10 << Token::Punctuation;
    QTest::newRow("number") << member << 13 << Token::Number;
    QTest::newRow("comma") << member << 17 << Token::Punctuation;
    QTest::newRow("string value") << QStringLiteral(R"("k": "USD")") << 7 << Token::String;
    QTest::newRow("true") << QStringLiteral(R"("k": true)") << 6 << Token::Keyword;
    QTest::newRow("null") << QStringLiteral(R"("k": null)") << 6 << Token::Keyword;
    QTest::newRow("negative exponent") << QStringLiteral("-1.5e-3") << 0 << Token::Number;
    QTest::newRow("brace") << QStringLiteral("{") << 0 << Token::Punctuation;
    QTest::newRow("number inside a string stays a string")
        << QStringLiteral(R"("a 42 b")") << 3 << Token::String;
    QTest::newRow("keyword inside a string stays a string")
        << QStringLiteral(R"(["is null"])") << 5 << Token::String;
    QTest::newRow("escaped quote does not end the string")
        << QStringLiteral(R"("say \"hi\": 1")") << 12 << Token::String;
}

void TestJsonHighlighter::tokens()
{
    QFETCH(QString, line);
    QFETCH(int, position);
    QFETCH(Token, token);

    QTextDocument document(line);
    JsonHighlighter highlighter(&document);
    QCOMPARE(colourAt(document, position), highlighter.format(token).foreground().color());
}

void TestJsonHighlighter::tokenColoursDiffer()
{
    QTextDocument document;
    const JsonHighlighter highlighter(&document);
    const QList<Token> tokens{Token::Key, Token::String, Token::Number, Token::Keyword,
                              Token::Punctuation};
    for (int i = 0; i < tokens.size(); ++i) {
        for (int j = i + 1; j < tokens.size(); ++j) {
            QVERIFY(highlighter.format(tokens[i]).foreground().color()
                    != highlighter.format(tokens[j]).foreground().color());
        }
    }
}

void TestJsonHighlighter::darkBackgroundUsesLighterColours()
{
    QTextDocument document;
    JsonHighlighter highlighter(&document, false);
    const int lightKey = highlighter.format(Token::Key).foreground().color().lightness();
    highlighter.setDarkBackground(true);
    QVERIFY(highlighter.format(Token::Key).foreground().color().lightness() > lightKey);
}

void TestJsonHighlighter::viewUsesMonospaceAndIsReadOnly()
{
    JsonView view;
    view.showDocument(nlohmann::json::parse(R"({"b": 1, "a": 2})"));
    QVERIFY(view.isReadOnly());
    QVERIFY(QFontInfo(view.font()).fixedPitch());
    QCOMPARE(view.toPlainText(), QStringLiteral("{\n  \"a\": 2,\n  \"b\": 1\n}\n"));
}

void TestJsonHighlighter::viewMarksPointerLine()
{
    JsonView view;
    view.showDocument(nlohmann::json::parse(R"({"a": 1, "b": {"c": 2}})"));
    view.markPointer(QStringLiteral("/b/c"));
    QCOMPARE(view.markedLine(), 3);
    QCOMPARE(view.textCursor().blockNumber(), 3);
    view.showText(QStringLiteral("{ not json"));
    QCOMPARE(view.markedLine(), -1);
}

QTEST_MAIN(TestJsonHighlighter)
#include "tst_jsonhighlighter.moc"
