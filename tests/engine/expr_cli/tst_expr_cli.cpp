// The contract of `syncline-engine eval` that other tools depend on: output lines, exit codes,
// batch mode, limits.

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run engine(const QStringList &arguments, const QByteArray &stdinData = {})
{
    QProcess process;
    process.start(QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine"),
                  QStringList{QStringLiteral("eval")} + arguments);
    process.write(stdinData);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000)) {
        process.kill();
    }
    return Run{process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace

class TestExprCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void singleExpression_data();
    void singleExpression();
    void usageErrors_data();
    void usageErrors();
    void batch();
    void batchAppliesTimeLimit();

private:
    QString write(const QString &name, const QByteArray &content);
    QTemporaryDir m_dir;
};

QString TestExprCli::write(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        qFatal("cannot write %s", qPrintable(path));
    }
    file.write(content);
    return path;
}

void TestExprCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    write(QStringLiteral("data.json"), R"({"amount": 1999, "currency": "usd", "price": 1.10})");
    write(QStringLiteral("bindings.json"), R"({"rate": 2})");
    write(QStringLiteral("broken.json"), R"({"amount": )");
}

void TestExprCli::singleExpression_data()
{
    QTest::addColumn<QByteArray>("expression");
    QTest::addColumn<bool>("withData");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("result") << QByteArray("$fromMinorUnits(amount, $uppercase(currency))") << true
                            << QByteArray(R"({"result":"19.99"})");
    QTest::newRow("binding") << QByteArray("amount * $rate") << true
                             << QByteArray(R"({"result":3998})");
    QTest::newRow("number text") << QByteArray("{'p': price}") << true
                                 << QByteArray(R"({"result":{"p":1.10}})");
    QTest::newRow("undefined") << QByteArray("nothing") << true
                               << QByteArray(R"({"undefined":true})");
    QTest::newRow("no input") << QByteArray("$exists($)") << false
                              << QByteArray(R"({"result":false})");
    QTest::newRow("error") << QByteArray("$sum(1, 2)") << false
                           << QByteArray("{\"error\":{\"code\":\"T0410\",\"message\":\"Argument 2 of "
                                         "function \\\"sum\\\" does not match function signature\","
                                         "\"position\":5,\"token\":\"sum\"}}");
}

void TestExprCli::singleExpression()
{
    QFETCH(QByteArray, expression);
    QFETCH(bool, withData);
    QFETCH(QByteArray, expected);
    const QString exprFile = write(QStringLiteral("expr.jsonata"), expression);
    QStringList args{QStringLiteral("--expr-file"), exprFile, QStringLiteral("--bindings-file"),
                     m_dir.filePath(QStringLiteral("bindings.json"))};
    if (withData) {
        args << QStringLiteral("--data-file") << m_dir.filePath(QStringLiteral("data.json"));
    } else {
        args << QStringLiteral("--no-input");
    }
    const Run run = engine(args);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, expected + '\n');
}

void TestExprCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    const QString expr = QStringLiteral("expr.jsonata");
    QTest::newRow("no expression") << QStringList{QStringLiteral("--no-input")};
    QTest::newRow("missing expression file")
        << QStringList{QStringLiteral("--expr-file"), QStringLiteral("/nonexistent/x"),
                       QStringLiteral("--no-input")};
    QTest::newRow("invalid data")
        << QStringList{QStringLiteral("--expr-file"), expr, QStringLiteral("--data-file"),
                       QStringLiteral("broken.json")};
    QTest::newRow("unreadable data")
        << QStringList{QStringLiteral("--expr-file"), expr, QStringLiteral("--data-file"),
                       QStringLiteral("/nonexistent/data.json")};
    QTest::newRow("both inputs")
        << QStringList{QStringLiteral("--expr-file"), expr, QStringLiteral("--data-file"),
                       QStringLiteral("data.json"), QStringLiteral("--no-input")};
}

void TestExprCli::usageErrors()
{
    QFETCH(QStringList, arguments);
    write(QStringLiteral("expr.jsonata"), "1");
    for (QString &a : arguments) {
        if (a.endsWith(QLatin1String(".json")) || a.endsWith(QLatin1String(".jsonata"))) {
            if (!a.startsWith(QLatin1Char('/'))) {
                a = m_dir.filePath(a);
            }
        }
    }
    const Run run = engine(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    QVERIFY(!run.err.isEmpty());
}

void TestExprCli::batch()
{
    const QByteArray lines = QByteArrayLiteral(
        "{\"expr\": \"$ + 1\", \"data\": 41}\n"
        "{\"expr\": \"$type($)\", \"data\": null}\n"
        "{\"expr\": \"$type($)\"}\n"
        "\n"
        "{\"expr\": \"$x & '!'\", \"bindings\": {\"x\": \"hi\"}}\n"
        "{\"expr\": \"(\", \"data\": 1}\n"
        "not json\n"
        "{\"expr\": \"[1,2][0]\"}\n");
    const Run run = engine({QStringLiteral("--batch")}, lines);
    QCOMPARE(run.exitCode, 0);
    const QList<QByteArray> out = run.out.split('\n');
    QCOMPARE(out.size(), 8); // seven answers and the final newline; blank input lines are skipped
    QCOMPARE(out[0], QByteArrayLiteral("{\"result\":42}"));
    QCOMPARE(out[1], QByteArrayLiteral("{\"result\":\"null\"}"));
    QCOMPARE(out[2], QByteArrayLiteral("{\"undefined\":true}"));
    QCOMPARE(out[3], QByteArrayLiteral("{\"result\":\"hi!\"}"));
    QVERIFY(out[4].startsWith("{\"error\":{\"code\":\"S0203\""));
    QVERIFY(out[5].startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\""));
    QCOMPARE(out[6], QByteArrayLiteral("{\"result\":1}"));
}

void TestExprCli::batchAppliesTimeLimit()
{
    const QByteArray lines = QByteArrayLiteral(
        "{\"expr\": \"($f := function(){ $f() }; $f())\"}\n"
        "{\"expr\": \"1 + 1\"}\n");
    QElapsedTimer timer;
    timer.start();
    const Run run = engine({QStringLiteral("--batch"), QStringLiteral("--time-limit-ms"),
                            QStringLiteral("300")},
                           lines);
    QCOMPARE(run.exitCode, 0);
    const QList<QByteArray> out = run.out.split('\n');
    QVERIFY(out[0].contains("\"code\":\"U1001\""));
    QCOMPARE(out[1], QByteArrayLiteral("{\"result\":2}"));
    QVERIFY(timer.elapsed() < 20000);
}

QTEST_GUILESS_MAIN(TestExprCli)
#include "tst_expr_cli.moc"
