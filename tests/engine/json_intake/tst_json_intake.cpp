#include "engine/json/intake.h"

#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace syncline::engine::json;
using namespace Qt::StringLiterals;

namespace {

IntakeResult parseText(const QByteArray &text, const IntakeLimits &limits = {})
{
    return JsonIntake::parse(text, limits);
}

QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

// Parses on a thread whose stack is only 1 MiB, as a worker in a busy engine might have.
class SmallStackParse : public QThread
{
public:
    explicit SmallStackParse(QByteArray body, IntakeLimits limits)
        : m_body(std::move(body))
        , m_limits(limits)
    {
        setStackSize(1024 * 1024);
    }
    std::optional<IntakeResult> result;

protected:
    void run() override { result = JsonIntake::parse(m_body, m_limits); }

private:
    QByteArray m_body;
    IntakeLimits m_limits;
};

} // namespace

class TestJsonIntake : public QObject
{
    Q_OBJECT

private slots:
    void duplicateKeyIsRefused()
    {
        const IntakeResult result = parseText(R"({"amount": 1, "amount": -1})");
        QVERIFY(!result.ok());
        const IntakeRefusal &refusal = result.refusal();
        QCOMPARE(refusal.code(), u"DUP_KEY"_s);
        QCOMPARE(refusal.byteOffset, 14);
        QCOMPARE(refusal.line, 1);
        QCOMPARE(refusal.column, 15);
        QCOMPARE(refusal.pointer, std::optional<QString>(u"/amount"_s));
        QVERIFY(refusal.describe().startsWith(u"DUP_KEY at line 1, column 15 (byte 14) in /amount"_s));
        QCOMPARE(result.toResult().error().code, u"DUP_KEY"_s);
    }

    void bigNumbersSurviveRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("text");
        for (const char *text : {"18446744073709551616", "9007199254740993", "[0.10,1.0,-0,1E3]",
                                 "{\"id\":123456789012345678901234567890,\"amount\":\"12.30\"}",
                                 "-123123123123123123123123123123", "1.000000000000000000001",
                                 "[1e-7,100e-2,0.0]"}) {
            QTest::newRow(text) << QByteArray(text);
        }
    }

    void bigNumbersSurviveRoundTrip()
    {
        QFETCH(QByteArray, text);
        const IntakeResult result = parseText(text);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.refusal().describe()));
        QCOMPARE(QByteArray::fromStdString(toJsonText(result.value())), text);
    }

    void acceptedValuesAreComplete()
    {
        const IntakeResult result = parseText(
            "{\"lines\":[{\"amount\":\"1.00\"},{\"amount\":\"2.50\"}],\"paid\":true,"
            "\"note\":null,\"name\":\"Caf\xC3\xA9 \\u20AC\\ud83d\\ude00\",\"empty\":{}}");
        QVERIFY(result.ok());
        const Value &value = result.value();
        QCOMPARE(value.size(), 5u);
        QCOMPARE(value.get("lines").size(), 2u);
        QCOMPARE(value.get("lines")[1].get("amount").toStringView(), "2.50");
        QVERIFY(value.get("paid").toBool());
        QVERIFY(value.get("note").isNull());
        QCOMPARE(value.get("name").toQString(), QString::fromUtf8("Café €😀"));
        QVERIFY(value.get("empty").isObject());
        // Member order is the body's order.
        QCOMPARE(value.members()[0].key.view(), "lines");
        QCOMPARE(value.members()[4].key.view(), "empty");
    }

    void escapedNulIsKept()
    {
        const IntakeResult result = parseText(R"(["a\u0000b"])");
        QVERIFY(result.ok());
        QCOMPARE(result.value()[0].toStringView(), std::string_view("a\0b", 3));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("offset");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("pointer"); // "-" when none is reported

        QTest::newRow("empty") << QByteArray() << u"JSON_SYNTAX"_s << 0 << 1 << 1 << u""_s;
        QTest::newRow("truncated") << QByteArray(R"({"a":[1,2)") << u"JSON_SYNTAX"_s << 9 << 1 << 10
                                   << u"/a/2"_s;
        QTest::newRow("trailing comma") << QByteArray("[1,2,]") << u"JSON_SYNTAX"_s << 5 << 1 << 6
                                        << u"/2"_s;
        QTest::newRow("single quotes") << QByteArray("{'a':1}") << u"JSON_SYNTAX"_s << 1 << 1 << 2
                                       << u""_s;
        QTest::newRow("second line") << QByteArray("{\n  \"a\": tru\n}") << u"JSON_SYNTAX"_s << 12
                                     << 2 << 11 << u"/a"_s;
        QTest::newRow("trailing value") << QByteArray("{\"a\":1} {\"b\":2}") << u"TRAILING_CONTENT"_s
                                        << 8 << 1 << 9 << u"-"_s;
        QTest::newRow("trailing number") << QByteArray("12 3") << u"TRAILING_CONTENT"_s << 3 << 1
                                         << 4 << u"-"_s;
        QTest::newRow("latin-1") << QByteArray("[\"caf\xE9\"]") << u"UTF8_INVALID"_s << 5 << 1 << 6
                                 << u"/0"_s;
        QTest::newRow("invalid byte outside strings") << QByteArray("[1,\xFF]") << u"UTF8_INVALID"_s
                                                      << 3 << 1 << 4 << u"/1"_s;
        QTest::newRow("encoded surrogate") << QByteArray("[\"\xED\xA0\x80\"]") << u"UTF8_INVALID"_s
                                           << 2 << 1 << 3 << u"/0"_s;
        QTest::newRow("lone surrogate escape") << QByteArray(R"({"n":"\ud800x"})")
                                               << u"UTF8_INVALID"_s << 6 << 1 << 7 << u"/n"_s;
        QTest::newRow("raw nul in string") << QByteArray("[\"a\0\"]", 6) << u"NUL_BYTE"_s << 3 << 1
                                           << 4 << u"/0"_s;
        QTest::newRow("utf-16") << QByteArray("[\0\"\0a\0\"\0]\0", 10) << u"NUL_BYTE"_s << 1 << 1
                                << 2 << u"/0"_s;
        QTest::newRow("nul after the value") << QByteArray("123\0", 4) << u"NUL_BYTE"_s << 3 << 1
                                             << 4 << u"-"_s;
        QTest::newRow("byte order mark") << QByteArray("\xEF\xBB\xBF{}") << u"JSON_SYNTAX"_s << 0
                                         << 1 << 1 << u"-"_s;
        QTest::newRow("overflow") << QByteArray(R"({"total":1e400})") << u"NUMBER_PRECISION"_s
                                  << 9 << 1 << 10 << u"/total"_s;
        QTest::newRow("underflow") << QByteArray("[0,1e-400]") << u"NUMBER_PRECISION"_s << 3 << 1
                                   << 4 << u"/1"_s;
        QTest::newRow("nested duplicate") << QByteArray("{\"a\":[{\"x\":1,\n\"x\":2}]}")
                                          << u"DUP_KEY"_s << 14 << 2 << 1 << u"/a/0/x"_s;
        QTest::newRow("escaped duplicate") << QByteArray(R"({"a":1,"\u0061":2})") << u"DUP_KEY"_s
                                           << 7 << 1 << 8 << u"/a"_s;
        QTest::newRow("comment") << QByteArray("[1 /* c */]") << u"JSON_SYNTAX"_s << 3 << 1 << 4
                                 << u"/1"_s;
        QTest::newRow("NaN") << QByteArray("[NaN]") << u"JSON_SYNTAX"_s << 1 << 1 << 2 << u"/0"_s;
        QTest::newRow("leading zero") << QByteArray("[012]") << u"JSON_SYNTAX"_s << 1 << 1 << 2
                                      << u"/1"_s;
    }

    void refusals()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, code);
        QFETCH(int, offset);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, pointer);
        const IntakeResult result = parseText(text);
        QVERIFY(!result.ok());
        const IntakeRefusal &refusal = result.refusal();
        QCOMPARE(refusal.code(), code);
        QCOMPARE(refusal.byteOffset, offset);
        QCOMPARE(refusal.line, line);
        QCOMPARE(refusal.column, column);
        if (pointer == u"-"_s) {
            QVERIFY(!refusal.pointer.has_value());
        } else {
            QCOMPARE(refusal.pointer, std::optional<QString>(pointer));
        }
        QVERIFY(!refusal.message.isEmpty());
    }

    void depthLimit()
    {
        QVERIFY(parseText(nested(64)).ok());
        const IntakeResult deep = parseText(nested(65));
        QVERIFY(!deep.ok());
        QCOMPARE(deep.refusal().code(), u"DEPTH_LIMIT"_s);
        QCOMPARE(deep.refusal().byteOffset, 64);

        IntakeLimits shallow;
        shallow.maxDepth = 2;
        QVERIFY(parseText(R"({"a":[1]})", shallow).ok());
        const IntakeResult tooDeep = parseText(R"({"a":[{"b":1}]})", shallow);
        QCOMPARE(tooDeep.refusal().code(), u"DEPTH_LIMIT"_s);
        QCOMPARE(tooDeep.refusal().pointer, std::optional<QString>(u"/a/0"_s));
        QCOMPARE(tooDeep.refusal().byteOffset, 6);

        IntakeLimits scalarsOnly;
        scalarsOnly.maxDepth = 0;
        QVERIFY(parseText("42", scalarsOnly).ok());
        QCOMPARE(parseText("[]", scalarsOnly).refusal().code(), u"DEPTH_LIMIT"_s);
    }

    void millionDeepOnSmallStack()
    {
        SmallStackParse worker(nested(1000000), IntakeLimits());
        worker.start();
        QVERIFY(worker.wait(60000));
        QVERIFY(worker.result.has_value());
        QVERIFY(!worker.result->ok());
        QCOMPARE(worker.result->refusal().code(), u"DEPTH_LIMIT"_s);
        QCOMPARE(worker.result->refusal().byteOffset, 64);

        // Even the largest allowed depth limit parses and releases within 1 MiB of stack.
        IntakeLimits ceiling;
        ceiling.maxDepth = 5000000;
        SmallStackParse deepest(nested(IntakeLimits::kDepthCeiling), ceiling);
        deepest.start();
        QVERIFY(deepest.wait(60000));
        QVERIFY(deepest.result->ok());
        SmallStackParse beyond(nested(IntakeLimits::kDepthCeiling + 1), ceiling);
        beyond.start();
        QVERIFY(beyond.wait(60000));
        QCOMPARE(beyond.result->refusal().code(), u"DEPTH_LIMIT"_s);
    }

    void sizeLimit()
    {
        IntakeLimits small;
        small.maxBytes = 10;
        QVERIFY(parseText("[1,2,3,4]", small).ok());
        const IntakeResult big = parseText("[1,2,3,4,5]", small);
        QVERIFY(!big.ok());
        QCOMPARE(big.refusal().code(), u"SIZE_LIMIT"_s);
        QCOMPARE(big.refusal().byteOffset, 10);
        QVERIFY(!big.refusal().pointer.has_value());

        // The default is 5 MiB.
        QByteArray justUnder = "\"" + QByteArray(5 * 1024 * 1024 - 2, 'x') + "\"";
        QVERIFY(parseText(justUnder).ok());
        QCOMPARE(parseText(justUnder + ' ').refusal().code(), u"SIZE_LIMIT"_s);
    }

    void readsFilesWithinTheLimit()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath(u"body.json"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[" + QByteArray(100, ' ') + "1]");
        file.close();
        const auto whole = JsonIntake::readFile(file.fileName());
        QVERIFY(whole.ok() && whole->ok());
        IntakeLimits small;
        small.maxBytes = 10;
        const auto cut = JsonIntake::readFile(file.fileName(), small);
        QVERIFY(cut.ok());
        QCOMPARE(cut->refusal().code(), u"SIZE_LIMIT"_s);
        const auto missing = JsonIntake::readFile(dir.filePath(u"missing.json"_s));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, u"FILE_UNREADABLE"_s);
    }

    void columnsCountCharacters()
    {
        const IntakeResult result = parseText("{\"\xE2\x82\xAC\":1,\"\xE2\x82\xAC\":2}");
        QCOMPARE(result.refusal().code(), u"DUP_KEY"_s);
        QCOMPARE(result.refusal().byteOffset, 9);
        QCOMPARE(result.refusal().column, 8);
    }
};

QTEST_GUILESS_MAIN(TestJsonIntake)
#include "tst_json_intake.moc"
