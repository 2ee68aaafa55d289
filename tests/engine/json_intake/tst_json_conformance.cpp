// JSONTestSuite conformance: every y_ file accepted, every n_ file refused, and every i_ file
// handled as docs/json-intake.md says. The decision table in that document is the contract:
// this test reads it, so the document and the behaviour cannot drift apart.

#include "engine/json/intake.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QTest>

using namespace syncline::engine::json;
using namespace Qt::StringLiterals;

namespace {

QString suiteDir()
{
    return QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/json-test-suite/test_parsing");
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read %s", qPrintable(path));
    }
    return file.readAll();
}

QStringList suiteFiles(const QString &prefix)
{
    return QDir(suiteDir()).entryList({prefix + u"*.json"_s}, QDir::Files, QDir::Name);
}

// Rows of the form "| `file.json` | accept |" or "| `file.json` | refuse CODE |".
QHash<QString, QString> documentedDecisions(const QString &section)
{
    const QString doc = QString::fromUtf8(readAll(QStringLiteral(SYNCLINE_SOURCE_DIR "/docs/json-intake.md")));
    const qsizetype start = doc.indexOf(section);
    const qsizetype end = doc.indexOf(u"\n## "_s, start + 1);
    const QString part = doc.mid(start, end < 0 ? -1 : end - start);
    static const QRegularExpression row(QStringLiteral(R"(^\|\s*`([^`]+\.json)`\s*\|\s*([^|]+?)\s*\|)"),
                                        QRegularExpression::MultilineOption);
    QHash<QString, QString> decisions;
    auto it = row.globalMatch(part);
    while (it.hasNext()) {
        const auto match = it.next();
        decisions.insert(match.captured(1), match.captured(2));
    }
    return decisions;
}

QString outcome(const IntakeResult &result)
{
    return result.ok() ? u"accept"_s : u"refuse "_s + result.refusal().code();
}

} // namespace

class TestJsonConformance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QDir(suiteDir()).exists(), qPrintable(suiteDir()));
        QCOMPARE(suiteFiles(u"y_"_s).size(), 95);
        QCOMPARE(suiteFiles(u"n_"_s).size(), 188);
        QCOMPARE(suiteFiles(u"i_"_s).size(), 35);
    }

    // y_ files are valid RFC 8259 texts. Two of them repeat a member name, which strict intake
    // refuses on purpose (DUP_KEY); docs/json-intake.md lists them. Every other y_ file is
    // accepted, and none is refused for its grammar.
    void acceptsEveryValidText_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        const QHash<QString, QString> policy = documentedDecisions(u"## Valid texts refused by policy"_s);
        QCOMPARE(policy.size(), 2);
        for (const QString &file : suiteFiles(u"y_"_s)) {
            QTest::newRow(qPrintable(file)) << file << policy.value(file, u"accept"_s);
        }
    }

    void acceptsEveryValidText()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const IntakeResult result = JsonIntake::parse(readAll(suiteDir() + u'/' + file));
        QCOMPARE(outcome(result), expected);
        if (result.ok()) {
            // Accepted texts survive a write and a second read unchanged.
            const std::string written = toJsonText(result.value());
            const IntakeResult again = JsonIntake::parse(std::string_view(written));
            QVERIFY(again.ok());
            QCOMPARE(toJsonText(again.value()), written);
        }
    }

    void refusesEveryInvalidText_data()
    {
        QTest::addColumn<QString>("file");
        for (const QString &file : suiteFiles(u"n_"_s)) {
            QTest::newRow(qPrintable(file)) << file;
        }
    }

    void refusesEveryInvalidText()
    {
        QFETCH(QString, file);
        const IntakeResult result = JsonIntake::parse(readAll(suiteDir() + u'/' + file));
        QVERIFY2(!result.ok(), "accepted an invalid text");
        QVERIFY(result.refusal().byteOffset >= 0);
        QVERIFY(!result.refusal().message.isEmpty());
    }

    void implementationDefinedAsDocumented_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("decision");
        const QHash<QString, QString> decisions = documentedDecisions(u"## Implementation-defined texts"_s);
        for (const QString &file : suiteFiles(u"i_"_s)) {
            QTest::newRow(qPrintable(file)) << file << decisions.value(file, u"(undocumented)"_s);
        }
        QCOMPARE(decisions.size(), suiteFiles(u"i_"_s).size());
    }

    void implementationDefinedAsDocumented()
    {
        QFETCH(QString, file);
        QFETCH(QString, decision);
        const IntakeResult result = JsonIntake::parse(readAll(suiteDir() + u'/' + file));
        QCOMPARE(outcome(result), decision);
    }
};

QTEST_GUILESS_MAIN(TestJsonConformance)
#include "tst_json_conformance.moc"
