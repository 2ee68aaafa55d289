#include "engine/json/intake.h"
#include "engine/schema/schemainference.h"
#include "engine/schema/schemavalidator.h"
#include "engine/schema/stringformat.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTest>

using namespace syncline::engine;
using namespace Qt::StringLiterals;

namespace {

const QString kPayloads = QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/saas-payloads");

json::Value readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read %s", qPrintable(path));
    }
    const json::IntakeResult result = json::JsonIntake::parse(file.readAll());
    if (!result.ok()) {
        qFatal("%s: %s", qPrintable(path), qPrintable(result.refusal().describe()));
    }
    return result.value();
}

// JSON written with single quotes, so that test data needs no escapes.
json::Value sq(const char *text)
{
    const json::IntakeResult result = json::JsonIntake::parse(QByteArray(text).replace('\'', '"'));
    if (!result.ok()) {
        qFatal("bad test JSON: %s", qPrintable(result.refusal().describe()));
    }
    return result.value();
}

QString text(const json::Value &value)
{
    return QString::fromStdString(json::toJsonText(value));
}

QStringList violationsOf(const json::Value &schema, const json::Value &instance)
{
    const auto validator = schema::SchemaValidator::compile(schema);
    if (!validator.ok()) {
        return {u"schema does not compile: "_s + validator.error().message};
    }
    QStringList texts;
    for (const schema::Violation &violation : validator->validate(instance)) {
        texts.append(violation.text());
    }
    return texts;
}

} // namespace

class TestSchemaInference : public QObject
{
    Q_OBJECT

private slots:
    void realPayloadsValidateAgainstTheirSchema_data()
    {
        QTest::addColumn<QString>("path");
        QDirIterator it(kPayloads, {u"*.json"_s}, QDir::Files, QDirIterator::Subdirectories);
        QStringList paths;
        while (it.hasNext()) {
            paths.append(it.next());
        }
        paths.sort();
        QVERIFY(paths.size() >= 50);
        for (const QString &path : std::as_const(paths)) {
            QTest::newRow(qPrintable(QDir(kPayloads).relativeFilePath(path))) << path;
        }
    }

    void realPayloadsValidateAgainstTheirSchema()
    {
        QFETCH(QString, path);
        const json::Value sample = readJson(path);
        const json::Value schema = schema::SchemaInference::infer({sample});
        QCOMPARE(violationsOf(schema, sample), QStringList());
    }

    // A list response gives many samples of one record type: each record validates against the
    // schema inferred from all of them.
    void recordListsMergeIntoOneSchema_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("member");
        QTest::newRow("zendesk tickets") << u"zendesk/fixture/GET/tickets.json"_s << u"tickets"_s;
        QTest::newRow("zendesk users") << u"zendesk/fixture/GET/users.json"_s << u"users"_s;
        QTest::newRow("zendesk ticket fields") << u"zendesk/fixture/GET/ticket_fields.json"_s
                                               << u"ticket_fields"_s;
        QTest::newRow("salesforce products") << u"salesforce-ebikes/data/Product__cs.json"_s
                                             << u"records"_s;
        QTest::newRow("salesforce order items") << u"salesforce-ebikes/data/Order_Item__cs.json"_s
                                                << u"records"_s;
    }

    void recordListsMergeIntoOneSchema()
    {
        QFETCH(QString, file);
        QFETCH(QString, member);
        const json::Value records = readJson(kPayloads + u'/' + file).get(member.toStdString());
        QVERIFY(records.size() >= 2);
        const QList<json::Value> samples(records.items().begin(), records.items().end());
        const json::Value schema = schema::SchemaInference::infer(samples);
        for (const json::Value &record : samples) {
            QCOMPARE(violationsOf(schema, record), QStringList());
        }
    }

    void stripeInvoiceLinesAreAnArrayOfObjects()
    {
        const json::Value schema = schema::SchemaInference::infer(
            {readJson(kPayloads + u"/stripe/objects/invoice.json"_s)});
        QCOMPARE(text(schema.get("$schema")), u"\"http://json-schema.org/draft-07/schema#\""_s);
        QCOMPARE(text(schema.get("type")), u"\"object\""_s);
        const json::Value lines = schema.get("properties").get("lines");
        QCOMPARE(text(lines.get("type")), u"\"object\""_s);
        const json::Value data = lines.get("properties").get("data");
        QCOMPARE(text(data.get("type")), u"\"array\""_s);
        QCOMPARE(text(data.get("items").get("type")), u"\"object\""_s);
        QCOMPARE(text(data.get("items").get("properties").get("amount").get("type")), u"\"integer\""_s);
        QCOMPARE(text(data.get("items").get("properties").get("subscription").get("type")), u"\"null\""_s);
        QVERIFY(!data.get("items").get("properties").get("period").get("properties").isUndefined());
    }

    void requiredOnlyWhenAlwaysPresent()
    {
        const json::Value schema = schema::SchemaInference::infer(
            {sq("{'id': 1, 'name': 'a', 'note': 'x'}"), sq("{'id': 2, 'name': null}")});
        QCOMPARE(text(schema.get("required")), u"[\"id\",\"name\"]"_s);
        QCOMPARE(text(schema.get("properties").get("name").get("type")), u"[\"string\",\"null\"]"_s);
        QCOMPARE(text(schema.get("properties").get("note").get("type")), u"\"string\""_s);
        QCOMPARE(text(schema.get("properties").get("id").get("type")), u"\"integer\""_s);
    }

    void arraysMergeTheirElements()
    {
        const json::Value schema = schema::SchemaInference::infer(
            {sq("{'lines': [{'sku': 'A', 'qty': 1}, {'sku': 'B', 'qty': 1.5, 'discount': true}]}"),
             sq("{'lines': []}"), sq("{'lines': [{'sku': 'C', 'qty': 2}], 'tags': []}")});
        const json::Value items = schema.get("properties").get("lines").get("items");
        QCOMPARE(text(items.get("type")), u"\"object\""_s);
        QCOMPARE(text(items.get("required")), u"[\"sku\",\"qty\"]"_s);
        QCOMPARE(text(items.get("properties").get("qty").get("type")), u"\"number\""_s);
        QCOMPARE(text(items.get("properties").get("discount").get("type")), u"\"boolean\""_s);
        // Arrays that were always empty constrain nothing about their elements.
        QCOMPARE(text(schema.get("properties").get("tags")), u"{\"type\":\"array\"}"_s);
    }

    void formatsAndEnums()
    {
        QList<json::Value> samples;
        const char *statuses[] = {"open", "paid", "open", "void", "paid"};
        for (int i = 0; i < 5; ++i) {
            samples.append(sq(QByteArray("{'status': '") + statuses[i]
                              + "', 'created': '2024-01-3" + QByteArray::number(i % 2)
                              + "T09:30:00Z', 'email': 'ap" + QByteArray::number(i)
                              + "@example.com', 'id': 'in_" + QByteArray::number(i)
                              + "', 'web': 'https://example.com/i/" + QByteArray::number(i)
                              + "', 'ref': '123e4567-e89b-12d3-a456-42661417400" + QByteArray::number(i)
                              + "', 'day': '2024-02-2" + QByteArray::number(i) + "'}"));
        }
        const json::Value properties = schema::SchemaInference::infer(samples).get("properties");
        QCOMPARE(text(properties.get("status").get("enum")), u"[\"open\",\"paid\",\"void\"]"_s);
        QCOMPARE(text(properties.get("created").get("format")), u"\"date-time\""_s);
        QCOMPARE(text(properties.get("email").get("format")), u"\"email\""_s);
        QCOMPARE(text(properties.get("web").get("format")), u"\"uri\""_s);
        QCOMPARE(text(properties.get("ref").get("format")), u"\"uuid\""_s);
        QCOMPARE(text(properties.get("day").get("format")), u"\"date\""_s);
        // Distinct ids are not an enum.
        QCOMPARE(text(properties.get("id")), u"{\"type\":\"string\"}"_s);
    }

    void oneSampleNeverMakesAnEnum()
    {
        const json::Value schema = schema::SchemaInference::infer({sq("{'currency': 'usd'}")});
        QCOMPARE(text(schema.get("properties").get("currency")), u"{\"type\":\"string\"}"_s);
    }

    void mixedFormatsDropTheFormat()
    {
        const json::Value schema = schema::SchemaInference::infer(
            {sq("{'at': '2024-01-31T09:30:00Z'}"), sq("{'at': 'yesterday'}")});
        QCOMPARE(text(schema.get("properties").get("at")), u"{\"type\":\"string\"}"_s);
    }

    void formatDetectionIsStrict_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("format");
        QTest::newRow("date-time") << u"2024-01-31T09:30:00.123+02:00"_s << u"date-time"_s;
        QTest::newRow("not a day") << u"2023-02-29T09:30:00Z"_s << u""_s;
        QTest::newRow("no zone") << u"2024-01-31T09:30:00"_s << u""_s;
        QTest::newRow("space separator") << u"2024-01-31 09:30:00Z"_s << u""_s;
        QTest::newRow("leap day") << u"2024-02-29"_s << u"date"_s;
        QTest::newRow("email") << u"billing@acme.co.uk"_s << u"email"_s;
        QTest::newRow("two at signs") << u"a@b@c.com"_s << u""_s;
        QTest::newRow("relative url") << u"/v1/invoices/in_1"_s << u""_s;
        QTest::newRow("uuid") << u"123E4567-E89B-12D3-A456-426614174000"_s << u"uuid"_s;
        QTest::newRow("plain") << u"cus_QXg1o8vcGmoR32"_s << u""_s;
    }

    void formatDetectionIsStrict()
    {
        QFETCH(QString, value);
        QFETCH(QString, format);
        QCOMPARE(schema::detectStringFormat(value.toStdString()), format);
    }

    void noSamples()
    {
        schema::SchemaInference inference;
        QCOMPARE(inference.sampleCount(), 0);
        QCOMPARE(text(inference.schema()), u"{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}"_s);
    }
};

QTEST_GUILESS_MAIN(TestSchemaInference)
#include "tst_schema_inference.moc"
