// `syncline-engine schema infer` and `schema validate`, run as a user would run them.

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

Run run(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine"), arguments);
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

const QString kPayloads = QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/saas-payloads");

} // namespace

class TestSchemaCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString &name, QByteArray bytes)
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly)) {
            qFatal("cannot write %s", qPrintable(file.fileName()));
        }
        file.write(bytes.replace('\'', '"'));
        return file.fileName();
    }

private slots:
    void inferThenValidateRoundTrip()
    {
        const QString invoice = kPayloads + u"/stripe/objects/invoice.json"_s;
        const Run inferred = run({u"schema"_s, u"infer"_s, invoice});
        QCOMPARE(inferred.exitCode, 0);
        QVERIFY(inferred.out.startsWith(u"{\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\",\n"_s));
        const QString schema = write(u"invoice.schema.json"_s, inferred.out.toUtf8());

        const Run valid = run({u"schema"_s, u"validate"_s, u"--schema"_s, schema, invoice});
        QCOMPARE(valid.exitCode, 0);
        QCOMPARE(valid.out, invoice + u": valid\n"_s);

        const QString broken = write(u"broken.json"_s, "{'id': 7, 'lines': {'data': [{'amount': 'ten'}]}}");
        const Run invalid = run({u"schema"_s, u"validate"_s, u"--schema"_s, schema, broken});
        QCOMPARE(invalid.exitCode, 1);
        QVERIFY2(invalid.out.contains(broken + u": /id: must be text [type]\n"_s), qPrintable(invalid.out));
        QVERIFY2(invalid.out.contains(broken + u": /lines/data/0/amount: must be a whole number [type]\n"_s),
                 qPrintable(invalid.out));
        QVERIFY2(invalid.out.contains(broken + u": /currency: is required but missing [required]\n"_s),
                 qPrintable(invalid.out));
    }

    void inferFromRecordLists()
    {
        const Run inferred = run({u"schema"_s, u"infer"_s, u"--records"_s, u"/tickets"_s,
                                  kPayloads + u"/zendesk/fixture/GET/tickets.json"_s});
        QCOMPARE(inferred.exitCode, 0);
        QVERIFY(inferred.out.contains(u"\"subject\""_s));
        QVERIFY(!inferred.out.contains(u"\"tickets\""_s));
        const Run missing = run({u"schema"_s, u"infer"_s, u"--records"_s, u"/nope"_s,
                                 kPayloads + u"/zendesk/fixture/GET/tickets.json"_s});
        QCOMPARE(missing.exitCode, 2);
    }

    void refsResolveFromTheSchemaFolder()
    {
        write(u"money.schema.json"_s, "{'type': 'object', 'required': ['amount', 'currency'],"
                                      " 'properties': {'amount': {'type': 'string', 'title': 'Amount',"
                                      "   'x-syncline-money': {'currencyField': 'currency'}},"
                                      "   'currency': {'type': 'string'}}}");
        const QString order = write(u"order.schema.json"_s,
                                    "{'properties': {'lines': {'type': 'array',"
                                    " 'items': {'$ref': 'money.schema.json'}}}}");
        const QString data = write(u"order.json"_s, "{'lines': [{'amount': '1.00', 'currency': 'USD'},"
                                                    " {'amount': '2.5', 'currency': 'USD'},"
                                                    " {'amount': '3.333', 'currency': 'USD'}]}");
        const Run result = run({u"schema"_s, u"validate"_s, u"--schema"_s, order, data});
        QCOMPARE(result.exitCode, 1);
        QCOMPARE(result.out, data + u": /lines/2/amount (Amount): must be a decimal string with at most 2 fraction digits (USD) [x-syncline-money]\n"_s);
    }

    void unresolvableRefIsExitTwo()
    {
        const QString schema = write(u"lonely.schema.json"_s, "{'$ref': 'elsewhere.schema.json'}");
        const QString data = write(u"data.json"_s, "{}");
        const Run result = run({u"schema"_s, u"validate"_s, u"--schema"_s, schema, data});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(u"SCHEMA_REF_UNRESOLVED"_s), qPrintable(result.err));
    }

    void unreadableInputIsExitTwo()
    {
        const QString schema = write(u"any.schema.json"_s, "{}");
        const QString dup = write(u"dup.json"_s, "{'a': 1, 'a': 2}");
        const Run refused = run({u"schema"_s, u"validate"_s, u"--schema"_s, schema, dup});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains(u"DUP_KEY"_s), qPrintable(refused.err));
        QCOMPARE(run({u"schema"_s, u"infer"_s, m_dir.filePath(u"missing.json"_s)}).exitCode, 2);
        QCOMPARE(run({u"schema"_s, u"validate"_s, u"--schema"_s, m_dir.filePath(u"missing.json"_s),
                      schema}).exitCode, 2);
    }

    void usageErrorsAndHelp()
    {
        QCOMPARE(run({u"schema"_s}).exitCode, 2);
        QCOMPARE(run({u"schema"_s, u"infer"_s}).exitCode, 2);
        QCOMPARE(run({u"schema"_s, u"validate"_s, u"x.json"_s}).exitCode, 2);
        QCOMPARE(run({u"schema"_s, u"guess"_s}).exitCode, 2);
        const Run overview = run({u"schema"_s, u"--help"_s});
        QCOMPARE(overview.exitCode, 0);
        QVERIFY(overview.out.contains(u"validate --schema S FILE..."_s));
        for (const QString &sub : {u"infer"_s, u"validate"_s}) {
            const Run help = run({u"schema"_s, sub, u"--help"_s});
            QCOMPARE(help.exitCode, 0);
            QVERIFY2(help.out.startsWith(u"Usage: syncline-engine schema "_s + sub), qPrintable(help.out));
        }
    }
};

QTEST_GUILESS_MAIN(TestSchemaCli)
#include "tst_schema_cli.moc"
