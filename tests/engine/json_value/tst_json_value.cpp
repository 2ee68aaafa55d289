#include "engine/json/value.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <limits>
#include <thread>

using namespace syncline::engine::json;

class TestJsonValue : public QObject
{
    Q_OBJECT

private slots:
    void numbersPrintLikeJavaScript_data();
    void numbersPrintLikeJavaScript();
    void numberTextSurvivesRoundTrip_data();
    void numberTextSurvivesRoundTrip();
    void rejectsInvalidNumberText();
    void objectsKeepOrderAndFindMembers();
    void duplicateKeysAreDetected();
    void largeObjectsUseIndex();
    void setReplacesInPlace();
    void equalityIgnoresMemberOrder();
    void serializesCompactAndPretty();
    void escapesStringsLikeJsonStringify();
    void undefinedIsLeftOut();
    void nlohmannRoundTrip();
    void keysInternAcrossThreads();
};

void TestJsonValue::numbersPrintLikeJavaScript_data()
{
    QTest::addColumn<double>("number");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << 0.0 << QStringLiteral("0");
    QTest::newRow("negative zero") << -0.0 << QStringLiteral("0");
    QTest::newRow("integer") << 42.0 << QStringLiteral("42");
    QTest::newRow("fraction") << 0.1 << QStringLiteral("0.1");
    QTest::newRow("sum") << 0.1 + 0.2 << QStringLiteral("0.30000000000000004");
    QTest::newRow("1e20") << 1e20 << QStringLiteral("100000000000000000000");
    QTest::newRow("1e21") << 1e21 << QStringLiteral("1e+21");
    QTest::newRow("1.5e21") << 1.5e21 << QStringLiteral("1.5e+21");
    QTest::newRow("1e-6") << 1e-6 << QStringLiteral("0.000001");
    QTest::newRow("1e-7") << 1e-7 << QStringLiteral("1e-7");
    QTest::newRow("1.25e-7") << -1.25e-7 << QStringLiteral("-1.25e-7");
    QTest::newRow("2^53") << 9007199254740992.0 << QStringLiteral("9007199254740992");
    QTest::newRow("max") << std::numeric_limits<double>::max()
                         << QStringLiteral("1.7976931348623157e+308");
    QTest::newRow("min subnormal") << 5e-324 << QStringLiteral("5e-324");
    QTest::newRow("12.5") << 12.5 << QStringLiteral("12.5");
    QTest::newRow("123456.789") << 123456.789 << QStringLiteral("123456.789");
    QTest::newRow("infinity") << std::numeric_limits<double>::infinity()
                              << QStringLiteral("Infinity");
}

void TestJsonValue::numbersPrintLikeJavaScript()
{
    QFETCH(double, number);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(numberToText(number)), text);
}

void TestJsonValue::numberTextSurvivesRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("kept");
    QTest::newRow("plain integer") << QStringLiteral("1999") << false;
    QTest::newRow("plain decimal") << QStringLiteral("19.99") << false;
    QTest::newRow("trailing zero") << QStringLiteral("1.10") << true;
    QTest::newRow("beyond 2^53") << QStringLiteral("9007199254740993") << true;
    QTest::newRow("2^64") << QStringLiteral("18446744073709551616") << true;
    QTest::newRow("exponent") << QStringLiteral("1e3") << true;
    QTest::newRow("negative zero") << QStringLiteral("-0") << true;
    QTest::newRow("long decimal") << QStringLiteral("0.1000000000000000000001") << true;
}

void TestJsonValue::numberTextSurvivesRoundTrip()
{
    QFETCH(QString, text);
    QFETCH(bool, kept);
    const std::string source = text.toStdString();
    const std::optional<Value> v = Value::parseNumber(source);
    QVERIFY(v);
    QCOMPARE(v->toNumber(), std::stod(source));
    QCOMPARE(!v->numberText().empty(), kept);
    QCOMPARE(toJsonText(*v), source);
    TextOptions asDouble;
    asDouble.numberText = false;
    QCOMPARE(toJsonText(*v, asDouble), numberToText(std::stod(source)));
}

void TestJsonValue::rejectsInvalidNumberText()
{
    QVERIFY(!Value::parseNumber("01"));
    QVERIFY(!Value::parseNumber("1."));
    QVERIFY(!Value::parseNumber(".5"));
    QVERIFY(!Value::parseNumber("+1"));
    QVERIFY(!Value::parseNumber("1e"));
    QVERIFY(!Value::parseNumber("NaN"));
    QVERIFY(!Value::parseNumber("1e400"));
    QVERIFY(!Value::parseNumber(""));
    const auto tiny = Value::parseNumber("1e-400");
    QVERIFY(tiny);
    QCOMPARE(tiny->toNumber(), 0.0);
    QCOMPARE(toJsonText(*tiny), std::string("1e-400"));
}

void TestJsonValue::objectsKeepOrderAndFindMembers()
{
    ObjectBuilder b;
    QVERIFY(b.insert("zeta", Value::number(1)));
    QVERIFY(b.insert("alpha", Value::string("x")));
    QVERIFY(b.insert("mid", Value::boolean(true)));
    const Value o = b.build();
    QCOMPARE(o.size(), 3u);
    QCOMPARE(o.members()[0].key.view(), std::string_view("zeta"));
    QCOMPARE(o.members()[2].key.view(), std::string_view("mid"));
    QVERIFY(o.find("alpha"));
    QCOMPARE(o.find(Key("alpha"))->toStringView(), std::string_view("x"));
    QVERIFY(!o.find("missing"));
    QVERIFY(o.get("missing").isUndefined());
    QVERIFY(!Value::number(1).find("zeta"));
}

void TestJsonValue::duplicateKeysAreDetected()
{
    ObjectBuilder b;
    QVERIFY(b.insert("id", Value::number(1)));
    QVERIFY(!b.insert("id", Value::number(2)));
    QCOMPARE(b.build().find("id")->toNumber(), 1.0);
    // Also past the point where the builder switches to a hash index.
    ObjectBuilder many;
    for (int i = 0; i < 100; ++i) {
        QVERIFY(many.insert(std::to_string(i), Value::number(i)));
    }
    QVERIFY(!many.insert("57", Value::null()));
    QVERIFY(many.insert("100", Value::null()));
}

void TestJsonValue::largeObjectsUseIndex()
{
    ObjectBuilder b;
    for (int i = 0; i < 1000; ++i) {
        QVERIFY(b.insert("key" + std::to_string(i), Value::number(i)));
    }
    const Value o = b.build();
    for (int i = 0; i < 1000; i += 37) {
        const Value *v = o.find("key" + std::to_string(i));
        QVERIFY(v);
        QCOMPARE(v->toNumber(), double(i));
    }
    QVERIFY(!o.find("key1000"));
    QCOMPARE(o.members()[999].key.view(), std::string_view("key999"));
}

void TestJsonValue::setReplacesInPlace()
{
    ObjectBuilder b;
    b.set("a", Value::number(1));
    b.set("b", Value::number(2));
    b.set("a", Value::number(3));
    const Value o = b.build();
    QCOMPARE(toJsonText(o), std::string(R"({"a":3,"b":2})"));
    ObjectBuilder copy = ObjectBuilder::from(o);
    copy.remove(Key("a"));
    QCOMPARE(toJsonText(copy.build()), std::string(R"({"b":2})"));
    QCOMPARE(toJsonText(o), std::string(R"({"a":3,"b":2})")); // the original is untouched
}

void TestJsonValue::equalityIgnoresMemberOrder()
{
    ObjectBuilder a;
    a.insert("x", Value::number(1));
    a.insert("y", Value::array({Value::string("s"), Value::null()}));
    ObjectBuilder b;
    b.insert("y", Value::array({Value::string("s"), Value::null()}));
    b.insert("x", *Value::parseNumber("1.0"));
    QVERIFY(a.build() == b.build());
    QVERIFY(!(Value::number(1) == Value::string("1")));
    QVERIFY(!(Value::null() == Value::undefined()));
    QVERIFY(Value::array({Value::number(1)}) != Value::array({Value::number(2)}));
}

void TestJsonValue::serializesCompactAndPretty()
{
    ObjectBuilder inner;
    inner.insert("b", Value::array({}));
    inner.insert("a", Value::array({Value::number(1), Value::number(2)}));
    ObjectBuilder outer;
    outer.insert("z", inner.build());
    outer.insert("e", ObjectBuilder().build());
    const Value v = outer.build();
    QCOMPARE(toJsonText(v), std::string(R"({"z":{"b":[],"a":[1,2]},"e":{}})"));
    QCOMPARE(toPrettyJsonText(v),
             std::string("{\n  \"e\": {},\n  \"z\": {\n    \"a\": [\n      1,\n      2\n    ],\n"
                         "    \"b\": []\n  }\n}"));
}

void TestJsonValue::escapesStringsLikeJsonStringify()
{
    QCOMPARE(toJsonText(Value::string("a\"b\\c\n\x01\u00e9")),
             std::string("\"a\\\"b\\\\c\\n\\u0001\u00e9\""));
    // A lone surrogate (WTF-8) is written as an escape, as JSON.stringify does.
    QCOMPARE(toJsonText(Value::string("\xED\xA0\x80")), std::string("\"\\ud800\""));
    QCOMPARE(toJsonText(Value::number(std::nan(""))), std::string("null"));
}

void TestJsonValue::undefinedIsLeftOut()
{
    ObjectBuilder b;
    b.insert("gone", Value::undefined());
    b.insert("kept", Value::null());
    QCOMPARE(toJsonText(b.build()), std::string(R"({"kept":null})"));
    QCOMPARE(toJsonText(Value::array({Value::undefined()})), std::string("[null]"));
    QCOMPARE(toJsonText(Value::undefined()), std::string());
}

void TestJsonValue::nlohmannRoundTrip()
{
    const auto source = nlohmann::json::parse(
        R"({"id":18446744073709551615,"neg":-9007199254740993,"f":1.5,"s":"t","a":[true,null]})");
    const Value v = fromNlohmann(source);
    QCOMPARE(v.find("id")->numberText(), std::string_view("18446744073709551615"));
    QCOMPARE(v.find("neg")->numberText(), std::string_view("-9007199254740993"));
    QCOMPARE(toNlohmann(v), source);
    QCOMPARE(toNlohmann(*Value::parseNumber("3")), nlohmann::json(3));
}

void TestJsonValue::keysInternAcrossThreads()
{
    // Interned keys created on several threads are the same key and values are readable anywhere.
    std::vector<Value> built(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([t, &built] {
            ObjectBuilder b;
            for (int i = 0; i < 200; ++i) {
                b.insert("field" + std::to_string(i), Value::number(i * t));
            }
            built[static_cast<std::size_t>(t)] = b.build();
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    for (int t = 0; t < 4; ++t) {
        QCOMPARE(built[static_cast<std::size_t>(t)].find(Key("field199"))->toNumber(), 199.0 * t);
    }
}

QTEST_GUILESS_MAIN(TestJsonValue)
#include "tst_json_value.moc"
