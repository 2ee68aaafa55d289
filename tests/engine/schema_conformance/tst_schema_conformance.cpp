// JSON-Schema-Test-Suite, draft 7, required tests (tests/draft7/*.json, not optional/).
// The remotes/ folder is served from disk as http://localhost:1234/ and the draft-07
// meta-schema from json-schema-metaschemas; nothing is fetched from the network.
// docs/json-schema.md holds the committed baseline and the list of known failures: the test
// fails when fewer tests pass than the baseline or when a failure is not listed there.

#include "engine/schema/schemavalidator.h"
#include "tests/common/schemasuite.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace syncline::engine;
using namespace Qt::StringLiterals;

namespace {

using syncline::tests::kSchemaSuite;
using syncline::tests::readSuiteJson;

const QString kDoc = QStringLiteral(SYNCLINE_SOURCE_DIR "/docs/json-schema.md");

} // namespace

class TestSchemaConformance : public QObject
{
    Q_OBJECT

private slots:
    void draft7RequiredTests()
    {
        const schema::SchemaSet remotes = syncline::tests::suiteRemotes();

        int total = 0;
        QStringList failures;
        const QDir folder(kSchemaSuite + u"/tests/draft7"_s);
        for (const QString &file : folder.entryList({u"*.json"_s}, QDir::Files, QDir::Name)) {
            const json::Value groups = readSuiteJson(folder.filePath(file));
            for (const json::Value &group : groups.items()) {
                const QString groupName = group.get("description").toQString();
                const auto validator = schema::SchemaValidator::compile(group.get("schema"), remotes);
                for (const json::Value &test : group.get("tests").items()) {
                    ++total;
                    const QString name = u"%1: %2: %3"_s.arg(file, groupName,
                                                             test.get("description").toQString());
                    if (!validator.ok()) {
                        failures.append(name);
                        qInfo("%s (schema not compiled: %s)", qPrintable(name),
                              qPrintable(validator.error().message));
                        continue;
                    }
                    const schema::Violations violations = validator->validate(test.get("data"));
                    if (violations.isEmpty() != test.get("valid").toBool()) {
                        failures.append(name);
                        qInfo("%s (expected %s)", qPrintable(name),
                              test.get("valid").toBool() ? "valid" : "invalid");
                    }
                }
            }
        }
        const int passed = total - int(failures.size());
        qInfo("draft-07 required tests: %d of %d pass (%.1f%%)", passed, total,
              100.0 * passed / total);

        QFile doc(kDoc);
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(doc.readAll());
        const QRegularExpression baselinePattern(u"Baseline: (\\d+) of (\\d+)"_s);
        const auto baseline = baselinePattern.match(text);
        QVERIFY2(baseline.hasMatch(), "docs/json-schema.md names no baseline");
        QCOMPARE(total, baseline.captured(2).toInt());
        QVERIFY2(passed >= baseline.captured(1).toInt(),
                 qPrintable(u"%1 pass, below the baseline of %2"_s.arg(passed).arg(baseline.captured(1))));
        for (const QString &failure : std::as_const(failures)) {
            QVERIFY2(text.contains(u"- "_s + failure + u"\n"_s),
                     qPrintable(u"new failure, not listed in docs/json-schema.md: "_s + failure));
        }
    }
};

QTEST_GUILESS_MAIN(TestSchemaConformance)
#include "tst_schema_conformance.moc"
