#include "engine/expr/evalrequest.h"
#include "engine/expr/expression.h"

#include <QThread>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>

using namespace syncline::engine;
using expr::EvalOptions;
using expr::Expression;
using json::Value;

namespace {

Value parse(const char *text)
{
    auto parsed = expr::parseJsonText(text);
    if (!parsed.ok()) {
        qFatal("bad test JSON: %s", text);
    }
    return parsed.value();
}

// Evaluates and renders the outcome the way the eval CLI does, which makes table tests short.
QString run(const QString &expression, const char *input = nullptr, const EvalOptions &options = {})
{
    const Value data = input ? parse(input) : Value::undefined();
    return QString::fromStdString(
        expr::evaluateToJsonLine(expression.toStdString(), data, Value::undefined(), options));
}

const char *kOrders = R"({"orders":[
  {"id":"A","lines":[{"sku":"x","qty":2,"price":1.5},{"sku":"y","qty":1,"price":10}]},
  {"id":"B","lines":[{"sku":"x","qty":5,"price":1.5}]}]})";

} // namespace

class TestExpr : public QObject
{
    Q_OBJECT

private slots:
    void evaluates_data();
    void evaluates();
    void reportsErrors_data();
    void reportsErrors();
    void undefinedIsNotNull();
    void bindingsBecomeVariables();
    void deepRecursionEndsWithU1001OnSmallStack();
    void runawayLoopEndsAtTimeLimit();
    void depthLimitIsConfigurable();
    void oneExpressionManyThreads();
    void inputIsNotCopied();
    void money_data();
    void money();
    void moneyErrors_data();
    void moneyErrors();
};

void TestExpr::evaluates_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    auto row = [](const char *name, const char *e, const char *r) {
        QTest::newRow(name) << QString::fromUtf8(e) << QString::fromUtf8(r);
    };
    row("path flattens", "orders.lines.sku", R"({"result":["x","y","x"]})");
    // $round shifts the decimal point through the number's shortest text, as jsonata-js does.
    row("round through the text", "$round(2.675, 2)", R"({"result":2.68})");
    row("round half to even", "$round(-2.5)", R"({"result":-2})");
    row("round to hundreds", "$round(1250, -2)", R"({"result":1200})");
    row("round tiny", "$round(0.000001235, 8)", R"({"result":0.00000124})");
    row("round huge", "$round(1.5e300, 2)", R"({"result":1.5e+300})");
    row("round cents", "$round(1999 / 100, 2)", R"({"result":19.99})");
    row("singleton unwraps", "orders[id='B'].lines.sku", R"({"result":"x"})");
    row("keep array", "orders[id='B'].lines.sku[]", R"({"result":["x"]})");
    row("predicate index", "orders.lines[0].sku", R"({"result":["x","x"]})");
    row("sum of products", "$sum(orders.lines.(qty * price))", R"({"result":20.5})");
    row("group by", "orders.lines{sku: $sum(qty)}", R"({"result":{"x":7,"y":1}})");
    row("order by", "orders.lines^(>qty).qty", R"({"result":[5,2,1]})");
    row("parent", "orders.lines[sku='y'].%.id", R"({"result":"A"})");
    row("focus and index", "orders#$i.lines.{'o': $i, 's': sku}",
        R"({"result":[{"o":0,"s":"x"},{"o":0,"s":"y"},{"o":1,"s":"x"}]})");
    row("transform", "orders[0] ~> |lines|{'qty': qty * 10}, ['price']|",
        R"({"result":{"id":"A","lines":[{"sku":"x","qty":20},{"sku":"y","qty":10}]}})");
    row("closure and recursion",
        "($fact := function($n){ $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(10))",
        R"({"result":3628800})");
    row("partial application", "($first := $substring(?, 0, 3); $first('Syncline'))",
        R"({"result":"Syn"})");
    row("chaining", "'  Hello World ' ~> $trim ~> $uppercase", R"({"result":"HELLO WORLD"})");
    row("regex", "$replace('a1b22c', /[0-9]+/, '#')", R"({"result":"a#b#c"})");
    row("js numbers", "[$string(1e20), $string(1e21), $string(0.1 + 0.2), 1/3]",
        R"({"result":["100000000000000000000","1e+21","0.3",0.3333333333333333]})");
    row("stable sort", "$sort([{'k':1,'v':'a'},{'k':0,'v':'b'},{'k':1,'v':'c'}], "
                       "function($l,$r){$l.k > $r.k}).v",
        R"({"result":["b","a","c"]})");
    row("higher order", "$reduce($map([1,2,3], function($v){$v * $v}), function($a,$b){$a+$b})",
        R"({"result":14})");
    row("dates", "$fromMillis(1510067557121, '[Y0001]-[M01]-[D01]')", R"({"result":"2017-11-07"})");
    row("formatNumber", "$formatNumber(1234.5, '#,##0.00')", R"({"result":"1,234.50"})");
    row("eval", "$eval('x + 1', {'x': 2})", R"({"result":3})");
    row("conditional and coalescing", "[missing ? 1 : 2, missing ?? 'd', '' ?: 'e']",
        R"({"result":[2,"d","e"]})");
    row("number text kept on pass-through", "$", R"({"result":{"amount":1.10}})");
    row("javascript member order", "$keys({'b': 1, '10': 2, 'a': 3, '2': 4})",
        R"({"result":["2","10","b","a"]})");
}

void TestExpr::evaluates()
{
    QFETCH(QString, expression);
    QFETCH(QString, expected);
    const char *input = QTest::currentDataTag() == QByteArray("number text kept on pass-through")
                            ? R"({"amount":1.10})"
                            : kOrders;
    QCOMPARE(run(expression, input), expected);
}

void TestExpr::reportsErrors_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("code");
    QTest::addColumn<int>("position");
    QTest::addColumn<QString>("token");
    QTest::newRow("syntax") << QStringLiteral("1 + ") << QStringLiteral("S0207") << 4
                            << QStringLiteral("(end)");
    QTest::newRow("unclosed string") << QStringLiteral("'abc") << QStringLiteral("S0101") << 4
                                     << QString();
    QTest::newRow("not a number") << QStringLiteral("'a' + 1") << QStringLiteral("T2001") << 5
                                  << QStringLiteral("+");
    QTest::newRow("signature") << QStringLiteral("$sum('a')") << QStringLiteral("T0412") << 5
                               << QStringLiteral("sum");
    QTest::newRow("forgot dollar") << QStringLiteral("sum(1)") << QStringLiteral("T1005") << 4
                                   << QStringLiteral("sum");
    QTest::newRow("compare types") << QStringLiteral("1 < 'a'") << QStringLiteral("T2009") << 3
                                   << QStringLiteral("<");
    QTest::newRow("error function") << QStringLiteral("$error('stop')") << QStringLiteral("D3137")
                                    << 7 << QStringLiteral("error");
}

void TestExpr::reportsErrors()
{
    QFETCH(QString, expression);
    QFETCH(QString, code);
    QFETCH(int, position);
    QFETCH(QString, token);
    auto compiled = Expression::compile(expression.toStdString());
    const expr::ExprError error = compiled.ok()
                                      ? compiled.value().evaluate(Value::undefined()).error()
                                      : compiled.error();
    QCOMPARE(QString::fromStdString(error.code), code);
    QCOMPARE(error.position, position);
    QCOMPARE(QString::fromStdString(error.token), token);
    QVERIFY(!error.message.empty());
    QVERIFY(error.toError().message.contains(QString::number(position)));
}

void TestExpr::undefinedIsNotNull()
{
    QCOMPARE(run(QStringLiteral("missing"), R"({"present":null})"),
             QStringLiteral(R"({"undefined":true})"));
    QCOMPARE(run(QStringLiteral("present"), R"({"present":null})"),
             QStringLiteral(R"({"result":null})"));
    QCOMPARE(run(QStringLiteral("{'a': missing, 'b': present}"), R"({"present":null})"),
             QStringLiteral(R"({"result":{"b":null}})"));
    QCOMPARE(run(QStringLiteral("$exists(missing) or $exists(present)"), R"({"present":null})"),
             QStringLiteral(R"({"result":true})"));
}

void TestExpr::bindingsBecomeVariables()
{
    auto compiled = Expression::compile("$rate * amount");
    QVERIFY(compiled.ok());
    const auto result = compiled.value().evaluate(parse(R"({"amount": 20})"),
                                                  parse(R"({"rate": 0.5})"));
    QVERIFY(result.ok());
    QCOMPARE(result.value().toNumber(), 10.0);
    // A binding may replace a built-in function.
    auto shadow = Expression::compile("$sum([1,2])");
    const auto shadowed = shadow.value().evaluate(Value::undefined(), parse(R"({"sum": 7})"));
    QVERIFY(!shadowed.ok());
    QCOMPARE(shadowed.error().code, std::string("T1006"));
}

void TestExpr::deepRecursionEndsWithU1001OnSmallStack()
{
    auto compiled =
        Expression::compile("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))");
    QVERIFY(compiled.ok());
    // Without the depth limit the stack guard must stop it, on a 1 MiB thread.
    for (const int maxDepth : {EvalOptions::kDefaultMaxDepth, 0}) {
        std::string code;
        qint64 elapsedMs = 0;
        QThread *thread = QThread::create([&] {
            EvalOptions options;
            options.maxDepth = maxDepth;
            QElapsedTimer timer;
            timer.start();
            const auto result = compiled.value().evaluate(Value::undefined(), Value::undefined(),
                                                          options);
            elapsedMs = timer.elapsed();
            code = result.ok() ? std::string("ok") : result.error().code;
        });
        thread->setStackSize(1u << 20);
        thread->start();
        QVERIFY(thread->wait(30000));
        delete thread;
        QCOMPARE(code, std::string("U1001"));
        QVERIFY(elapsedMs < EvalOptions::kDefaultTimeLimitMs);
    }
}

void TestExpr::runawayLoopEndsAtTimeLimit()
{
    auto compiled = Expression::compile("($loop := function($n){ $loop($n + 1) }; $loop(0))");
    QVERIFY(compiled.ok());
    EvalOptions options;
    options.timeLimitMs = 200;
    QElapsedTimer timer;
    timer.start();
    const auto result = compiled.value().evaluate(Value::undefined(), Value::undefined(), options);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, std::string("U1001"));
    QVERIFY(result.error().message.find("timeout") != std::string::npos);
    QVERIFY(timer.elapsed() < 2000);
}

void TestExpr::depthLimitIsConfigurable()
{
    // Counted like jsonata-js's harness: 3 levels per call of this function.
    auto compiled = Expression::compile(
        "($factorial := function($n){$n = 0 ? 1 : $n * $factorial($n - 1)}; $factorial(99))");
    EvalOptions options;
    options.maxDepth = 302;
    QVERIFY(compiled.value().evaluate(Value::undefined(), Value::undefined(), options).ok());
    options.maxDepth = 290;
    const auto tooDeep = compiled.value().evaluate(Value::undefined(), Value::undefined(), options);
    QVERIFY(!tooDeep.ok());
    QCOMPARE(tooDeep.error().code, std::string("U1001"));
}

void TestExpr::oneExpressionManyThreads()
{
    auto compiled = Expression::compile(
        "($total := function($o){ $sum($o.lines.(qty * price)) }; "
        "orders.{ 'id': id, 'total': $total($), 'skus': $join(lines.sku, ',') })");
    QVERIFY(compiled.ok());
    const Expression expression = compiled.value();
    const Value input = parse(kOrders);
    const std::string expected = json::toJsonText(expression.evaluate(input).value());
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 300; ++i) {
                const auto r = expression.evaluate(input);
                if (!r.ok() || json::toJsonText(r.value()) != expected) {
                    ++mismatches;
                }
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    QCOMPARE(mismatches.load(), 0);
}

void TestExpr::inputIsNotCopied()
{
    const Value input = parse(kOrders);
    auto compiled = Expression::compile("orders[1]");
    const Value result = compiled.value().evaluate(input).value();
    QVERIFY(result.sameAs(input.find("orders")->items()[1]));
}

void TestExpr::money_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    auto row = [](const char *e, const char *r) {
        QTest::newRow(e) << QString::fromUtf8(e) << QString::fromUtf8(r);
    };
    row("$moneySum(['0.10', '0.20'])", R"({"result":"0.30"})");
    row("$sum([0.1, 0.2]) = 0.3", R"({"result":false})");
    row("$moneySum([0.1, 0.2])", R"({"result":"0.3"})");
    row("$fromMinorUnits(1999, 'USD')", R"({"result":"19.99"})");
    row("$fromMinorUnits(500, 'JPY')", R"({"result":"500"})");
    row("$fromMinorUnits('-5', 'KWD')", R"({"result":"-0.005"})");
    row("$toMinorUnits('19.99', 'usd')", R"({"result":1999})");
    row("$toMinorUnits('12.345', 'USD', 'HALF_EVEN')", R"({"result":1234})");
    row("$toMinorUnits('92233720368547758.07', 'USD')", R"({"result":9223372036854775807})");
    row("$moneyAdd('1.10', 2)", R"({"result":"3.10"})");
    row("$moneySub('10.00', '0.01')", R"({"result":"9.99"})");
    row("$moneyMul('19.99', '3')", R"({"result":"59.97"})");
    row("$moneyMul('2.50', '0.075', 2, 'HALF_UP')", R"({"result":"0.19"})");
    row("$moneyRound('2.345', 2, 'HALF_EVEN')", R"({"result":"2.34"})");
    row("$moneyRound('2.345', 2, 'HALF_UP')", R"({"result":"2.35"})");
    row("$moneyRound('-1.231', 2, 'UP')", R"({"result":"-1.24"})");
    row("$moneyRound('-1.239', 2, 'DOWN')", R"({"result":"-1.23"})");
    row("$moneySum(lines.amount)", R"({"result":"3.30"})");
}

void TestExpr::money()
{
    QFETCH(QString, expression);
    QFETCH(QString, expected);
    // amounts read from JSON keep their text: 1.10 is not 1.1000000000000000888
    QCOMPARE(run(expression, R"({"lines":[{"amount":1.10},{"amount":2.20}]})"), expected);
}

void TestExpr::moneyErrors_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("code");
    QTest::newRow("unknown currency") << QStringLiteral("$fromMinorUnits(1, 'XYZ')")
                                      << QStringLiteral("MONEY_ARGUMENT");
    QTest::newRow("inexact") << QStringLiteral("$toMinorUnits('12.345', 'USD')")
                             << QStringLiteral("MONEY_INEXACT");
    QTest::newRow("not decimal") << QStringLiteral("$moneyAdd('1,5', 1)")
                                 << QStringLiteral("MONEY_SYNTAX");
    QTest::newRow("bad mode") << QStringLiteral("$moneyRound('1.5', 0, 'NEAREST')")
                              << QStringLiteral("MONEY_ARGUMENT");
    QTest::newRow("wrong type") << QStringLiteral("$moneySum([true])")
                                << QStringLiteral("MONEY_ARGUMENT");
}

void TestExpr::moneyErrors()
{
    QFETCH(QString, expression);
    QFETCH(QString, code);
    const QString line = run(expression);
    QVERIFY2(line.contains(QStringLiteral("\"code\":\"%1\"").arg(code)), qPrintable(line));
}

QTEST_GUILESS_MAIN(TestExpr)
#include "tst_expr.moc"
