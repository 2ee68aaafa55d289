#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

namespace {

const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runEngine(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine"), arguments);
    Run run;
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("syncline-engine did not finish: ") + process.errorString();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

// A workspace (the files under broken/) with the three problems the foundation issue names:
// a broken file, a missing reference and an unknown key.
const QString kBroken = QStringLiteral(SYNCLINE_SOURCE_DIR "/tests/app/validate/broken");

} // namespace

class TestValidate : public QObject
{
    Q_OBJECT

private slots:
    void demoIsValid();
    void brokenWorkspaceNamesEveryProblem();
    void jsonOutputListsProblems();
    void badUsage_data();
    void badUsage();
    void helpExitsZero();
    void runFailsOnProblems();
};

void TestValidate::demoIsValid()
{
    const Run run = runEngine({QStringLiteral("validate"), kDemo});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QVERIFY2(run.out.startsWith(QLatin1String("workspace OK: 49 objects (12 canonical schemas, 6 systems, 20 mappings, 10 flows")), qPrintable(run.out));
}

void TestValidate::brokenWorkspaceNamesEveryProblem()
{
    const Run run = runEngine({QStringLiteral("validate"), kBroken});
    QCOMPARE(run.exitCode, 1);
    const QStringList lines = run.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4); // three problems and the summary
    QVERIFY2(lines.at(0).startsWith(QLatin1String(
                 "canonical/account.schema.json:/x-syncline-owner: there is no system \"erp\"")),
             qPrintable(lines.at(0)));
    QVERIFY(lines.at(0).endsWith(QLatin1String("[MISSING_REFERENCE]")));
    QVERIFY2(lines.at(1).startsWith(QLatin1String("syncline.workspace.json:/theme: unknown key")),
             qPrintable(lines.at(1)));
    QVERIFY(lines.at(1).endsWith(QLatin1String("(line 4, column 3) [UNKNOWN_KEY]")));
    QVERIFY2(lines.at(2).startsWith(QLatin1String("systems/crm.system.json: not valid JSON")),
             qPrintable(lines.at(2)));
    QVERIFY(lines.at(2).endsWith(QLatin1String("(line 4, column 3) [JSON_SYNTAX]")));
    QVERIFY2(lines.at(3).startsWith(QLatin1String("3 problems in 3 files")), qPrintable(lines.at(3)));
}

void TestValidate::jsonOutputListsProblems()
{
    const Run run = runEngine({QStringLiteral("validate"), QStringLiteral("--json"), kBroken});
    QCOMPARE(run.exitCode, 1);
    QJsonParseError error;
    const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(report.value(QLatin1String("ok")).toBool(true), false);
    const QJsonArray problems = report.value(QLatin1String("problems")).toArray();
    QCOMPARE(problems.size(), 3);
    const QJsonObject unknown = problems.at(1).toObject();
    QCOMPARE(unknown.value(QLatin1String("code")).toString(), QStringLiteral("UNKNOWN_KEY"));
    QCOMPARE(unknown.value(QLatin1String("file")).toString(), QStringLiteral("syncline.workspace.json"));
    QCOMPARE(unknown.value(QLatin1String("pointer")).toString(), QStringLiteral("/theme"));
    QCOMPARE(unknown.value(QLatin1String("line")).toInt(), 4);
    QCOMPARE(report.value(QLatin1String("objects")).toObject().value(QLatin1String("canonical")).toInt(), 1);
}

void TestValidate::badUsage_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("no workspace") << QStringList{QStringLiteral("validate")};
    QTest::newRow("two workspaces") << QStringList{QStringLiteral("validate"), kDemo, kDemo};
    QTest::newRow("not a folder")
        << QStringList{QStringLiteral("validate"), QStringLiteral("/nonexistent/workspace")};
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("validate"), QStringLiteral("--fix"), kDemo};
    QTest::newRow("run without workspace") << QStringList{QStringLiteral("run")};
}

void TestValidate::badUsage()
{
    QFETCH(QStringList, arguments);
    const Run run = runEngine(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.startsWith(QLatin1String("syncline-engine ")), qPrintable(run.err));
}

void TestValidate::helpExitsZero()
{
    const Run run = runEngine({QStringLiteral("validate"), QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains(QLatin1String("--json")));
    QVERIFY(run.out.contains(QLatin1String("WORKSPACE")));
}

void TestValidate::runFailsOnProblems()
{
    // The engine refuses to start on a workspace with problems and lists them all.
    const Run run = runEngine({QStringLiteral("run"), kBroken});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QLatin1String("3 problem(s)")), qPrintable(run.err));
    QVERIFY(run.err.contains(QLatin1String("[JSON_SYNTAX]")));
}

QTEST_GUILESS_MAIN(TestValidate)
#include "tst_validate.moc"
