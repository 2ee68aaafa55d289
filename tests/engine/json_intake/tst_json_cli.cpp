// `syncline-engine json check`, run as a user would run it.

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine"), arguments);
    process.write(input);
    process.closeWriteChannel();
    Run result;
    if (!process.waitForFinished(60000)) {
        process.kill();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

} // namespace

class TestJsonCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &bytes)
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly)) {
            qFatal("cannot write %s", qPrintable(file.fileName()));
        }
        file.write(bytes);
        return file.fileName();
    }

private slots:
    void acceptedFile()
    {
        const QString good = write(u"good.json"_s, "{\"id\": 18446744073709551616}");
        const Run result = run({u"json"_s, u"check"_s, good});
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.out, good + u": accepted\n"_s);
    }

    void refusedFileNamesReasonAndPosition()
    {
        const QString dup = write(u"dup.json"_s, "{\"amount\": 1,\n \"amount\": -1}");
        const Run result = run({u"json"_s, u"check"_s, dup});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.out.startsWith(dup + u":2:2: DUP_KEY (byte 15) in /amount: "_s), qPrintable(result.out));
    }

    void everyFileIsReported()
    {
        const QString good = write(u"a.json"_s, "[]");
        const QString bad = write(u"b.json"_s, "[1,]");
        const Run result = run({u"json"_s, u"check"_s, good, bad});
        QCOMPARE(result.exitCode, 1);
        const QStringList lines = result.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], good + u": accepted"_s);
        QVERIFY(lines[1].startsWith(bad + u":1:4: JSON_SYNTAX"_s));
    }

    void limitsAreOptions()
    {
        const QString deep = write(u"deep.json"_s, "[[[1]]]");
        QCOMPARE(run({u"json"_s, u"check"_s, deep}).exitCode, 0);
        const Run shallow = run({u"json"_s, u"check"_s, u"--max-depth"_s, u"2"_s, deep});
        QCOMPARE(shallow.exitCode, 1);
        QVERIFY(shallow.out.contains(u"DEPTH_LIMIT"_s));
        const Run small = run({u"json"_s, u"check"_s, u"--max-bytes"_s, u"3"_s, deep});
        QCOMPARE(small.exitCode, 1);
        QVERIFY(small.out.contains(u"SIZE_LIMIT"_s));
    }

    void readsStdin()
    {
        QCOMPARE(run({u"json"_s, u"check"_s, u"-"_s}, "{\"a\":1}").out, u"-: accepted\n"_s);
        QCOMPARE(run({u"json"_s, u"check"_s, u"-"_s}, "{\"a\":1} x").exitCode, 1);
    }

    void unreadableFileIsExitTwo()
    {
        const Run result = run({u"json"_s, u"check"_s, m_dir.filePath(u"missing.json"_s)});
        QCOMPARE(result.exitCode, 2);
        QVERIFY(result.err.contains(u"missing.json"_s));
    }

    void usageErrors()
    {
        QCOMPARE(run({u"json"_s}).exitCode, 2);
        QCOMPARE(run({u"json"_s, u"check"_s}).exitCode, 2);
        QCOMPARE(run({u"json"_s, u"fix"_s}).exitCode, 2);
        QCOMPARE(run({u"json"_s, u"check"_s, u"--max-depth"_s, u"deep"_s, u"x.json"_s}).exitCode, 2);
    }

    void help()
    {
        const Run overview = run({u"json"_s, u"--help"_s});
        QCOMPARE(overview.exitCode, 0);
        QVERIFY(overview.out.contains(u"check FILE..."_s));
        const Run check = run({u"json"_s, u"check"_s, u"--help"_s});
        QCOMPARE(check.exitCode, 0);
        QVERIFY2(check.out.startsWith(u"Usage: syncline-engine json check [options] FILE..."_s),
                 qPrintable(check.out));
        QVERIFY(check.out.contains(u"--max-depth"_s));
    }
};

QTEST_GUILESS_MAIN(TestJsonCli)
#include "tst_json_cli.moc"
