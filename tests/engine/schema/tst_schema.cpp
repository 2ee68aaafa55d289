#include "engine/json/intake.h"
#include "engine/schema/schemavalidator.h"

#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace syncline::engine;
using namespace Qt::StringLiterals;

namespace {

json::Value parse(const char *text)
{
    const json::IntakeResult result = json::JsonIntake::parse(std::string_view(text));
    if (!result.ok()) {
        qFatal("bad test JSON: %s", qPrintable(result.refusal().describe()));
    }
    return result.value();
}

// JSON written with single quotes, so that test data needs neither escapes nor raw strings
// (moc misreads some raw string literals).
QByteArray sq(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

json::Value parse(const QByteArray &text)
{
    return parse(text.constData());
}

schema::SchemaValidator compile(const QByteArray &schemaText, const schema::SchemaSet &set = {},
                                const QString &uri = {})
{
    auto compiled = schema::SchemaValidator::compile(parse(schemaText), set, uri);
    if (!compiled.ok()) {
        qFatal("schema did not compile: %s", qPrintable(compiled.error().message));
    }
    return *compiled;
}

QStringList texts(const schema::Violations &violations)
{
    QStringList result;
    for (const schema::Violation &violation : violations) {
        result.append(violation.keyword + u' ' + violation.text());
    }
    result.sort();
    return result;
}

const char *const kInvoiceSchema = R"({
  "type": "object",
  "required": ["number", "currency", "lines", "issuedAt"],
  "additionalProperties": false,
  "properties": {
    "number": {"type": "string", "title": "Invoice number", "pattern": "^INV-[0-9]+$"},
    "currency": {"type": "string", "enum": ["USD", "EUR", "JPY"]},
    "issuedAt": {"type": "string", "format": "date-time"},
    "status": {"enum": ["draft", "open", "paid"]},
    "lines": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "required": ["amount", "quantity"],
        "properties": {
          "description": {"type": "string", "maxLength": 20},
          "quantity": {"type": "integer", "minimum": 1},
          "amount": {
            "type": "string",
            "title": "Line amount",
            "x-syncline-money": {"currencyField": "currency"}
          },
          "currency": {"type": "string"}
        }
      }
    }
  }
})";

} // namespace

class TestSchema : public QObject
{
    Q_OBJECT

private slots:
    void validInstanceHasNoViolations()
    {
        const auto validator = compile(kInvoiceSchema);
        const json::Value invoice = parse(R"({"number": "INV-1", "currency": "USD",
            "issuedAt": "2024-01-31T09:30:00Z", "status": "open",
            "lines": [{"amount": "10.50", "quantity": 2, "currency": "USD"}]})");
        QCOMPARE(texts(validator.validate(invoice)), QStringList());
        QVERIFY(validator.isValid(invoice));
    }

    void everyViolationIsListed()
    {
        const auto validator = compile(kInvoiceSchema);
        const json::Value invoice = parse(R"({"number": "2024-1", "currency": "GBP",
            "issuedAt": "yesterday", "status": "void", "note": "x",
            "lines": [{"amount": "1.00", "quantity": 1},
                      {"amount": "2.5", "quantity": 0, "description": "a description that is too long"},
                      {"quantity": 1.5},
                      {"amount": "10.005", "quantity": 1, "currency": "USD"},
                      {"amount": "1e3", "quantity": 1}]})");
        const QStringList expected = {
            u"additionalProperties /note: is not an allowed field here"_s,
            u"enum /currency: must be one of: \"USD\", \"EUR\", \"JPY\""_s,
            u"enum /status: must be one of: \"draft\", \"open\", \"paid\""_s,
            u"format /issuedAt: must be a date and time like 2024-01-31T09:30:00Z"_s,
            u"maxLength /lines/1/description: must be at most 20 characters long"_s,
            u"minimum /lines/1/quantity: must be at least 1"_s,
            u"pattern /number (Invoice number): does not have the expected form"_s,
            u"required /lines/2/amount (Line amount): is required but missing"_s,
            u"type /lines/2/quantity: must be a whole number"_s,
            u"x-syncline-money /lines/3/amount (Line amount): must be a decimal string with at most 2 fraction digits (USD)"_s,
            u"x-syncline-money /lines/4/amount (Line amount): must be a decimal amount written as text, like \"12.30\""_s,
        };
        QCOMPARE(texts(validator.validate(invoice)), expected);
    }

    void missingTopLevelMembers()
    {
        const auto validator = compile(kInvoiceSchema);
        QCOMPARE(texts(validator.validate(parse(R"({"number": "INV-2"})"))),
                 (QStringList{u"required /currency: is required but missing"_s,
                              u"required /issuedAt: is required but missing"_s,
                              u"required /lines: is required but missing"_s}));
        QCOMPARE(texts(validator.validate(parse("[]"))),
                 QStringList{u"type (document): must be an object"_s});
    }

    void typeMessages_data()
    {
        QTest::addColumn<QString>("schema");
        QTest::addColumn<QString>("instance");
        QTest::addColumn<QString>("message");
        QTest::newRow("number") << u"{\"type\":\"number\"}"_s << u"\"1\""_s << u"must be a number"_s;
        QTest::newRow("several") << u"{\"type\":[\"string\",\"null\"]}"_s << u"1"_s
                                 << u"must be text or empty (null)"_s;
        QTest::newRow("const") << u"{\"const\":\"EUR\"}"_s << u"\"USD\""_s
                               << u"must be exactly \"EUR\""_s;
        QTest::newRow("exclusive") << u"{\"exclusiveMaximum\":100}"_s << u"100"_s
                                   << u"must be less than 100"_s;
        QTest::newRow("multiple") << u"{\"multipleOf\":5}"_s << u"12"_s
                                  << u"must be a multiple of 5"_s;
        QTest::newRow("unique") << u"{\"uniqueItems\":true}"_s << u"[1,2,1]"_s
                                << u"repeats an earlier entry; entries must be unique"_s;
        QTest::newRow("date") << u"{\"format\":\"date\"}"_s << u"\"31/01/2024\""_s
                              << u"must be a date like 2024-01-31"_s;
        QTest::newRow("false") << u"false"_s << u"1"_s << u"is not allowed here"_s;
        QTest::newRow("anyOf") << u"{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":10}]}"_s << u"5"_s
                               << u"does not match any of the allowed forms"_s;
    }

    void typeMessages()
    {
        QFETCH(QString, schema);
        QFETCH(QString, instance);
        QFETCH(QString, message);
        const auto validator = compile(schema.toUtf8().constData());
        const schema::Violations violations = validator.validate(parse(instance.toUtf8().constData()));
        QVERIFY(!violations.isEmpty());
        QStringList messages;
        for (const auto &violation : violations) {
            messages.append(violation.message);
        }
        QVERIFY2(messages.contains(message), qPrintable(messages.join(u" | "_s)));
    }

    void falseSubschemaIsReportedAtItsMember()
    {
        const auto validator = compile(R"({"properties": {"legacyId": false}})");
        const schema::Violations violations = validator.validate(parse(R"({"legacyId": 1})"));
        QCOMPARE(violations.size(), 1);
        QCOMPARE(violations[0].pointer, u"/legacyId"_s);
        QCOMPARE(violations[0].keyword, u"false"_s);
    }

    void pointersEscapeNames()
    {
        const auto validator = compile(R"({"properties": {"a/b~c": {"type": "string"}}})");
        const schema::Violations violations = validator.validate(parse(R"({"a/b~c": 1})"));
        QCOMPARE(violations.size(), 1);
        QCOMPARE(violations[0].pointer, u"/a~1b~0c"_s);
    }

    void refsResolveFromTheWorkspace()
    {
        QTemporaryDir workspace;
        QFile shared(workspace.filePath(u"shared.schema.json"_s));
        QVERIFY(shared.open(QIODevice::WriteOnly));
        shared.write(sq("{'$id': 'shared.schema.json', 'definitions': {"
                        "  'Money': {'type': 'object', 'required': ['amount', 'currency'],"
                        "    'properties': {"
                        "      'amount': {'type': 'string', 'title': 'Amount',"
                        "                 'x-syncline-money': {'currencyField': 'currency'}},"
                        "      'currency': {'type': 'string', 'minLength': 3, 'maxLength': 3}}}}}"));
        shared.close();
        QFile broken(workspace.filePath(u"broken.schema.json"_s));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\"type\": ");
        broken.close();
        schema::SchemaSet set;
        QVERIFY(set.addFolder(workspace.path()).ok());
        QVERIFY(set.find(u"shared.schema.json"_s) != nullptr);
        QVERIFY(set.find(u"broken.schema.json"_s) == nullptr);
        QVERIFY(set.problem(u"broken.schema.json"_s).contains(u"JSON_SYNTAX"_s));

        // A broken file matters only to the schemas that name it.
        const auto usesBroken = schema::SchemaValidator::compile(
            parse(sq("{'$ref': 'broken.schema.json'}")), set, u"x.schema.json"_s);
        QCOMPARE(usesBroken.error().code, u"SCHEMA_REF_UNRESOLVED"_s);
        QVERIFY2(usesBroken.error().message.contains(u"JSON_SYNTAX"_s),
                 qPrintable(usesBroken.error().message));

        const auto validator = compile(sq("{'$id': 'invoice.schema.json', 'properties': {"
                                          "  'total': {'$ref': 'shared.schema.json#/definitions/Money'}}}"),
                                       set);
        QCOMPARE(texts(validator.validate(parse(sq("{'total': {'amount': '5.999', 'currency': 'KWD'}}")))),
                 QStringList());
        QCOMPARE(texts(validator.validate(parse(sq("{'total': {'amount': '5.5', 'currency': 'JPY'}}")))),
                 QStringList{u"x-syncline-money /total/amount (Amount): must be a decimal string with at most 0 fraction digits (JPY)"_s});
        QCOMPARE(texts(validator.validate(parse(sq("{'total': {'currency': 'EURO'}}")))),
                 (QStringList{u"maxLength /total/currency: must be at most 3 characters long"_s,
                              u"required /total/amount (Amount): is required but missing"_s}));
    }

    void refsNeverReachTheNetwork()
    {
        const auto remote = schema::SchemaValidator::compile(
            parse("{\"$ref\": \"https:\\/\\/example.com/schemas/invoice.json\"}"));
        QVERIFY(!remote.ok());
        QCOMPARE(remote.error().code, u"SCHEMA_REF_UNRESOLVED"_s);
        QVERIFY(remote.error().message.contains(u"https://example.com/schemas/invoice.json"_s));

        const auto relative = schema::SchemaValidator::compile(parse(sq("{'$ref': 'other.schema.json'}")),
                                                               {}, u"invoice.schema.json"_s);
        QCOMPARE(relative.error().code, u"SCHEMA_REF_UNRESOLVED"_s);
    }

    void unusableSchemasAreRefused()
    {
        for (const QByteArray &bad : {sq("{'type': 5}"), sq("{'minLength': 'three'}"), sq("'string'"),
                                      sq("{'properties': {'a': 3}}"),
                                      sq("{'$ref': '#/definitions/missing'}"), sq("{'$ref': '#'}"),
                                      sq("{'definitions': {'a': {'$ref': '#/definitions/b'},"
                                         "                 'b': {'$ref': '#/definitions/a'}},"
                                         " 'properties': {'x': {'$ref': '#/definitions/a'}}}")}) {
            const auto compiled = schema::SchemaValidator::compile(parse(bad));
            QVERIFY2(!compiled.ok(), bad.constData());
            QVERIFY2(compiled.error().code == u"SCHEMA_INVALID"_s, bad.constData());
        }
    }

    void recursiveSchemasWork()
    {
        const auto validator = compile(sq("{'type': 'object', 'required': ['name'], 'properties': {"
                                          "  'name': {'type': 'string'},"
                                          "  'children': {'type': 'array', 'items': {'$ref': '#'}}}}"));
        QVERIFY(validator.isValid(parse(sq("{'name': 'a', 'children': [{'name': 'b', 'children': []}]}"))));
        QCOMPARE(texts(validator.validate(parse(sq("{'name': 'a', 'children': [{'children': [{'name': 3}]}]}")))),
                 (QStringList{u"required /children/0/name: is required but missing"_s,
                              u"type /children/0/children/0/name: must be text"_s}));
    }

    void validatesFromSeveralThreads()
    {
        const auto validator = compile(kInvoiceSchema);
        const json::Value bad = parse(R"({"number": "x", "currency": "USD", "issuedAt": "now", "lines": []})");
        std::vector<std::thread> threads;
        std::atomic<int> mismatches{0};
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 100; ++i) {
                    if (validator.validate(bad).size() != 3) {
                        ++mismatches;
                    }
                }
            });
        }
        for (std::thread &thread : threads) {
            thread.join();
        }
        QCOMPARE(mismatches.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"
