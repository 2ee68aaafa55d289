// Pins the evaluator's shortcuts to the general path's results: the calendar-date picture of
// $fromMillis, $round on integers, signature matching of one argument per parameter, tail calls
// made without thunk closures, and JSON text of objects written without a member list.

#include "engine/expr/evalrequest.h"
#include "engine/expr/expression.h"
#include "engine/json/value.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace syncline::engine;
using expr::EvalOptions;
using json::Value;

namespace {

QString run(const QString &expression, const char *input = nullptr, const EvalOptions &options = {})
{
    Value data = Value::undefined();
    if (input) {
        auto parsed = expr::parseJsonText(input);
        if (!parsed.ok()) {
            qFatal("bad test JSON: %s", input);
        }
        data = parsed.value();
    }
    return QString::fromStdString(
        expr::evaluateToJsonLine(expression.toStdString(), data, Value::undefined(), options));
}

// The error code of an evaluateToJsonLine answer, or the whole answer when it is no error.
QString codeOf(const QString &answer)
{
    const QJsonObject line = QJsonDocument::fromJson(answer.toUtf8()).object();
    if (!line.contains(QStringLiteral("error"))) {
        return answer;
    }
    const QJsonObject error = line.value(QStringLiteral("error")).toObject();
    return error.value(QStringLiteral("code")).toString() + QLatin1Char(' ')
           + error.value(QStringLiteral("token")).toString();
}

// The current row's expression answers `expected` (see codeOf).
void compareAnswer()
{
    QFETCH(QString, expression);
    QFETCH(QString, expected);
    QCOMPARE(codeOf(run(expression)), expected);
}

} // namespace

class TestExprFastPaths : public QObject
{
    Q_OBJECT

private slots:
    void datePictureMatchesGeneralPath_data();
    void datePictureMatchesGeneralPath();
    void datePictureUnhappyPaths_data();
    void datePictureUnhappyPaths();
    void roundOfIntegers_data();
    void roundOfIntegers();
    void signatures_data();
    void signatures();
    void tailCalls_data();
    void tailCalls();
    void deepTailRecursionRunsInALoop();
    void tailCallErrorsNameTheirFunction_data();
    void tailCallErrorsNameTheirFunction();
    void objectText_data();
    void objectText();
};

void TestExprFastPaths::datePictureMatchesGeneralPath_data()
{
    QTest::addColumn<double>("millis");
    QTest::newRow("epoch") << 0.0;
    QTest::newRow("invoice due date") << 1722902400000.0;
    QTest::newRow("one before the epoch") << -1.0;
    QTest::newRow("leap day") << 951782400000.0;
    QTest::newRow("year 1") << -62135596800000.0;
    QTest::newRow("year 0") << -62167219200000.0;
    QTest::newRow("year -1") << -62198755200000.0;
    QTest::newRow("year 9999 last ms") << 253402300799999.0;
    QTest::newRow("year 10000") << 253402300800000.0;
    QTest::newRow("fraction of a ms") << 1722902400000.75;
    QTest::newRow("largest date") << 8.64e15;
}

// The shortcut answers the date picture without a time zone; with "+0000" the same picture goes
// through the picture engine, which must give the same text.
void TestExprFastPaths::datePictureMatchesGeneralPath()
{
    QFETCH(double, millis);
    const QString number = QString::fromStdString(json::numberToText(millis));
    const QString fast = run(QStringLiteral("$fromMillis(%1, '[Y0001]-[M01]-[D01]')").arg(number));
    const QString general
        = run(QStringLiteral("$fromMillis(%1, '[Y0001]-[M01]-[D01]', '+0000')").arg(number));
    QCOMPARE(fast, general);
    QVERIFY2(fast.startsWith(QStringLiteral("{\"result\":\"")), qPrintable(fast));
}

void TestExprFastPaths::datePictureUnhappyPaths_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    QTest::newRow("undefined input") << QStringLiteral("$fromMillis(missing, '[Y0001]-[M01]-[D01]')")
                                     << QStringLiteral(R"({"undefined":true})");
    // jsonata-js answers nothing for a string, as it does without the picture
    QTest::newRow("string input") << QStringLiteral("$fromMillis('1', '[Y0001]-[M01]-[D01]')")
                                  << QStringLiteral(R"({"undefined":true})");
    QTest::newRow("beyond the date range")
        << QStringLiteral("$fromMillis(8.64e15 + 1, '[Y0001]-[M01]-[D01]')")
        << QStringLiteral(R"({"result":"0NaN-NaN-NaN"})");
    QTest::newRow("picture with time") << QStringLiteral("$fromMillis(0, '[Y0001]-[M01]-[D01] [H01]')")
                                       << QStringLiteral(R"({"result":"1970-01-01 00"})");
    QTest::newRow("other zone") << QStringLiteral("$fromMillis(0, '[Y0001]-[M01]-[D01]', '-0100')")
                                << QStringLiteral(R"({"result":"1969-12-31"})");
    QTest::newRow("context argument") << QStringLiteral("$fromMillis()")
                                      << QStringLiteral(R"({"undefined":true})");
}

void TestExprFastPaths::datePictureUnhappyPaths()
{
    compareAnswer();
}

void TestExprFastPaths::roundOfIntegers_data()
{
    // Expected values follow jsonata-js: shift the decimal point in the number's shortest text,
    // round half to even, shift back (computed independently with decimal arithmetic).
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    auto row = [](const char *e, const char *r) {
        QTest::newRow(e) << QString::fromUtf8(e) << QString::fromUtf8(r);
    };
    row("$round(2793 / 100, 2)", "27.93");
    row("$round(17493 / 100, 2)", "174.93");
    row("$round(-285 / 100, 2)", "-2.85");
    row("$round(147, 2)", "147");
    row("$round(-15, 2)", "-15");
    row("$round(0, 2)", "0");
    row("$round(12345, -2)", "12300");
    row("$round(12350, -2)", "12400");
    row("$round(12250, -2)", "12200");
    row("$round(-12350, -2)", "-12400");
    row("$round(25, -1)", "20");
    row("$round(35, -1)", "40");
    row("$round(-35, -1)", "-40");
    row("$round(9007199254740991, 2)", "9007199254740991");
    row("$round(9007199254740991, -3)", "9007199254741000");
    row("$round(4503599627370497, -1)", "4503599627370500");
    row("$round(123456789, -22)", "0");
    row("$round(5, 22)", "5");
    row("$round(3, 23)", "3");
    row("$round(1e22, -22)", "1e+22");
    row("$round(1e300, 10)", "null"); // 1e310 is Infinity, written as null
    row("$round(2.5)", "2");
    row("$round(2.675, 2)", "2.68");
}

void TestExprFastPaths::roundOfIntegers()
{
    QFETCH(QString, expression);
    QFETCH(QString, expected);
    QCOMPARE(run(expression), QStringLiteral("{\"result\":%1}").arg(expected));
}

void TestExprFastPaths::signatures_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    auto row = [](const char *name, const char *e, const char *r) {
        QTest::newRow(name) << QString::fromUtf8(e) << QString::fromUtf8(r);
    };
    row("one per parameter", "$substring('abcdef', 1, 3)", R"({"result":"bcd"})");
    row("optional left out", "$substring('abcdef', 4)", R"({"result":"ef"})");
    row("undefined argument", "$uppercase(missing)", R"({"undefined":true})");
    row("context argument", "'abc' ~> $uppercase()", R"({"result":"ABC"})");
    row("wrong type", "$uppercase(1)", "T0410 uppercase");
    row("too many arguments", "$uppercase('a', 'b')", "T0410 uppercase");
    row("missing mandatory", "$lookup()", "T0410 lookup");
    row("single value to an array", "$sum(5)", R"({"result":5})");
    row("array of the wrong items", "$sum(['a'])", "T0412 sum");
    row("empty array", "$sum([])", R"({"result":0})");
    row("join of an empty array", "$join([], ',')", R"({"result":""})");
    row("join of non-strings", "$join([1, 2], ',')", "T0412 join");
    row("one or more", "$max(1)", R"({"result":1})");
    row("lookup in an array", "$lookup([{'a': 1}, {'a': 2}], 'a')", R"({"result":[1,2]})");
    row("lookup of a missing key", "$lookup({'a': 1}, 'b')", R"({"undefined":true})");
    row("choice type", "$string(true)", R"({"result":"true"})");
    row("each over an object", "$each({'a': 1, 'b': 2}, function($v, $k) { $k & $v })",
        R"({"result":["a1","b2"]})");
    row("each over a non-object", "$each(1, function($v) { $v })", "T0410 each");
}

void TestExprFastPaths::signatures()
{
    compareAnswer();
}

void TestExprFastPaths::tailCalls_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    auto row = [](const char *name, const char *e, const char *r) {
        QTest::newRow(name) << QString::fromUtf8(e) << QString::fromUtf8(r);
    };
    row("built-in in tail position", "($money := function($c) { $round($c / 100, 2) }; $money(2793))",
        R"({"result":27.93})");
    row("tail call with undefined argument",
        "($money := function($c) { $round($c / 100, 2) }; $money(missing))", R"({"undefined":true})");
    row("tail call with a string", "($money := function($c) { $round($c / 100, 2) }; $money('x'))",
        "T2001 /");
    row("condition true", "($iso := function($s) { $exists($s) ? $fromMillis($s * 1000) : null }; "
                          "$iso(1721740950))",
        R"({"result":"2024-07-23T13:22:30.000Z"})");
    row("condition false", "($iso := function($s) { $exists($s) ? $fromMillis($s * 1000) : null }; "
                           "$iso(missing))",
        R"({"result":null})");
    row("condition without else", "($f := function($x) { $x ? $string($x) }; [$f(0), $f(2)])",
        R"({"result":["2"]})");
    row("nested conditions", "($f := function($x) { $x < 0 ? 'neg' : $x = 0 ? $string($x) : "
                             "$uppercase('pos') }; [$f(-1), $f(0), $f(1)])",
        R"({"result":["neg","0","POS"]})");
    row("lambda to lambda", "($g := function($x) { $x * 2 }; $f := function($x) { $g($x + 1) }; "
                            "$f(1))",
        R"({"result":4})");
    row("returns a closure", "($f := function($x) { $x > 0 ? function() { $x } : $f(1) }; "
                             "$f(0)())",
        R"({"result":1})");
    row("block body", "($f := function($x) { ($y := $x + 1; $string($y)) }; $f(1))",
        R"({"result":"2"})");
    row("tail call in a predicate body", "($f := function($x) { $string($x)[0] }; $f(5))",
        R"({"result":"5"})");
    row("keep array body", "($f := function($x) { [$string($x)] }; $f(5))", R"({"result":["5"]})");
    row("signature", "($f := function($x)<n:s> { $string($x) }; $f(5))", R"({"result":"5"})");
    row("signature refused", "($f := function($x)<n:s> { $string($x) }; $f('a'))", "T0410 f");
    row("higher-order caller", "$map([1, 2], function($v) { $string($v) })", R"({"result":["1","2"]})");
    row("each with a tail call", "$each({'a': 1}, function($v, $k) { $join([$k, $string($v)], '=') })",
        R"({"result":"a=1"})");
    row("partial application", "($f := function($a, $b) { $substring($a, $b) }; $g := $f(?, 1); "
                               "$g('abc'))",
        R"({"result":"bc"})");
    row("chain", "($f := function($x) { $uppercase($x) }; 'abc' ~> $f)", R"({"result":"ABC"})");
    row("non-tail recursion still ends", "($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; "
                                         "$f(100000))",
        "U1001 f");
}

void TestExprFastPaths::tailCalls()
{
    compareAnswer();
}

void TestExprFastPaths::deepTailRecursionRunsInALoop()
{
    const QString expression = QStringLiteral(
        "($loop := function($n, $acc) { $n = 0 ? $acc : $loop($n - 1, $acc + 1) }; "
        "$loop(%1, 0))");
    EvalOptions options;
    options.maxDepth = 200;
    QCOMPARE(run(expression.arg(20000), nullptr, options), QStringLiteral(R"({"result":20000})"));
}

void TestExprFastPaths::tailCallErrorsNameTheirFunction_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("token");
    QTest::addColumn<int>("position");
    QTest::newRow("error in the tail call's built-in")
        << QStringLiteral("($f := function($x) { $uppercase($x) }; $f(1))") << QStringLiteral("uppercase")
        << 43;
    QTest::newRow("error in the tail call's argument")
        << QStringLiteral("($f := function($x) { $uppercase($x + 1) }; $f('a'))") << QStringLiteral("+")
        << 47;
    QTest::newRow("tail call of a non-function")
        << QStringLiteral("($f := function($x) { $x($x) }; $f(1))") << QStringLiteral("x") << 35;
}

// Which function an error names and where it points: the same as when the tail call ran through
// a thunk closure.
void TestExprFastPaths::tailCallErrorsNameTheirFunction()
{
    QFETCH(QString, expression);
    QFETCH(QString, token);
    QFETCH(int, position);
    const QJsonObject error = QJsonDocument::fromJson(run(expression).toUtf8())
                                  .object()
                                  .value(QStringLiteral("error"))
                                  .toObject();
    QCOMPARE(error.value(QStringLiteral("token")).toString(), token);
    QCOMPARE(error.value(QStringLiteral("position")).toInt(), position);
}

void TestExprFastPaths::objectText_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<bool>("sortKeys");
    QTest::addColumn<int>("indent");
    QTest::addColumn<QString>("expected");
    const QString object = QStringLiteral("{'b': 1, 'gone': missing, 'a': {'y': [1, {}], 'x': missing}}");
    QTest::newRow("insertion order") << object << false << 0
                                     << QStringLiteral(R"({"b":1,"a":{"y":[1,{}]}})");
    QTest::newRow("sorted") << object << true << 0 << QStringLiteral(R"({"a":{"y":[1,{}]},"b":1})");
    QTest::newRow("indented") << object << false << 2
                              << QStringLiteral("{\n  \"b\": 1,\n  \"a\": {\n    \"y\": [\n      1,\n"
                                                "      {}\n    ]\n  }\n}");
    QTest::newRow("only undefined members") << QStringLiteral("{'a': missing}") << false << 2
                                            << QStringLiteral("{}");
    QTest::newRow("empty") << QStringLiteral("{}") << true << 0 << QStringLiteral("{}");
}

void TestExprFastPaths::objectText()
{
    QFETCH(QString, expression);
    QFETCH(bool, sortKeys);
    QFETCH(int, indent);
    QFETCH(QString, expected);
    auto compiled = expr::Expression::compile(expression.toStdString());
    QVERIFY(compiled.ok());
    const auto value = compiled.value().evaluate(Value::undefined());
    QVERIFY(value.ok());
    json::TextOptions options;
    options.sortKeys = sortKeys;
    options.indent = indent;
    QCOMPARE(QString::fromStdString(json::toJsonText(value.value(), options)), expected);
}

QTEST_GUILESS_MAIN(TestExprFastPaths)
#include "tst_expr_fastpaths.moc"
