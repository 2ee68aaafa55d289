#include "ui/widgets/jsontext.h"

#include <QTest>

using namespace syncline::ui;

class TestJsonText : public QObject
{
    Q_OBJECT

private slots:
    void layoutMatchesWorkspaceFiles_data();
    void layoutMatchesWorkspaceFiles();
    void lineOfPointer_data();
    void lineOfPointer();
};

void TestJsonText::layoutMatchesWorkspaceFiles_data()
{
    QTest::addColumn<QByteArray>("json");

    QTest::newRow("nested") << QByteArray(R"({"b": [1, {"c": null}], "a": {"x": true}})");
    QTest::newRow("empty containers") << QByteArray(R"({"o": {}, "a": []})");
    QTest::newRow("escapes and unicode") << QByteArray(R"({"k\"ey": "tab\there", "ü": "€"})");
    QTest::newRow("scalar") << QByteArray("42");
    QTest::newRow("decimals") << QByteArray(R"({"amount": 12.5, "count": -3, "big": 1e300})");
}

// The view must show a document exactly as the workspace files are written, so a user who
// opens the file in an editor sees the same thing.
void TestJsonText::layoutMatchesWorkspaceFiles()
{
    QFETCH(QByteArray, json);
    const nlohmann::json document = nlohmann::json::parse(json.toStdString());
    const QString expected = QString::fromStdString(document.dump(2)) + QLatin1Char('\n');
    QCOMPARE(JsonText::render(document).text(), expected);
}

void TestJsonText::lineOfPointer_data()
{
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("line");

    // {
    //   "a/b": 1,            line 1
    //   "list": [            line 2
    //     "x",               line 3
    //     {                  line 4
    //       "m~n": true      line 5
    //     }
    //   ]
    // }
    QTest::newRow("whole document") << QString() << 0;
    QTest::newRow("escaped slash") << QStringLiteral("/a~1b") << 1;
    QTest::newRow("array") << QStringLiteral("/list") << 2;
    QTest::newRow("array item") << QStringLiteral("/list/0") << 3;
    QTest::newRow("object in array") << QStringLiteral("/list/1") << 4;
    QTest::newRow("escaped tilde") << QStringLiteral("/list/1/m~0n") << 5;
    QTest::newRow("missing property falls back to parent") << QStringLiteral("/list/1/gone") << 4;
    QTest::newRow("missing top-level key falls back to root") << QStringLiteral("/nope") << 0;
}

void TestJsonText::lineOfPointer()
{
    QFETCH(QString, pointer);
    QFETCH(int, line);
    const auto document = nlohmann::json::parse(R"({"a/b": 1, "list": ["x", {"m~n": true}]})");
    QCOMPARE(JsonText::render(document).lineOf(pointer), line);
}

QTEST_MAIN(TestJsonText)
#include "tst_jsontext.moc"
