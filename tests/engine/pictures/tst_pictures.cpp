#include "engine/expr/pictures/datetime.h"
#include "engine/expr/pictures/integerformat.h"
#include "engine/expr/pictures/numberformat.h"
#include "tests/engine/pictures/suitecases.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace syncline::engine;
using namespace syncline::engine::expr::pictures;
using syncline::tests::SuiteArg;
using syncline::tests::SuiteCall;

namespace {

std::string utf8(const QString &text)
{
    return text.toStdString();
}

const std::vector<SuiteCall> &calls()
{
    static const std::vector<SuiteCall> all = syncline::tests::suiteCalls(
        {QStringLiteral("function-formatNumber"), QStringLiteral("function-formatInteger"),
         QStringLiteral("function-parseInteger"), QStringLiteral("function-formatBase"),
         QStringLiteral("function-fromMillis"), QStringLiteral("function-tomillis")},
        {QStringLiteral("formatNumber"), QStringLiteral("formatInteger"), QStringLiteral("parseInteger"),
         QStringLiteral("formatBase"), QStringLiteral("fromMillis"), QStringLiteral("toMillis")});
    return all;
}

// The outcome of one call in the suite's terms: a JSON value, "undefined", or an error code.
struct Outcome
{
    QJsonValue value;
    bool undefined = false;
    QString errorCode;
};

template<typename T>
Outcome fromResult(const Result<T> &result)
{
    Outcome outcome;
    if (!result) {
        outcome.errorCode = result.error().code;
        return outcome;
    }
    if constexpr (std::is_same_v<T, std::string>) {
        outcome.value = QString::fromStdString(*result);
    } else if constexpr (std::is_same_v<T, double>) {
        outcome.value = *result;
    } else {
        if (!result->has_value()) {
            outcome.undefined = true;
        } else {
            outcome.value = **result;
        }
    }
    return outcome;
}

std::optional<Outcome> run(const SuiteCall &call)
{
    const auto &a = call.args;
    auto isNumber = [&a](std::size_t i) { return i < a.size() && a[i].kind == SuiteArg::Kind::Number; };
    auto isString = [&a](std::size_t i) { return i < a.size() && a[i].kind == SuiteArg::Kind::String; };
    if (call.function == QLatin1String("formatNumber") && isNumber(0) && isString(1)) {
        DecimalFormat format;
        if (a.size() > 2) {
            for (const auto &[key, value] : a[2].members) {
                format.set(utf8(key), utf8(value));
            }
        }
        return fromResult(formatNumber(a[0].number, utf8(a[1].text), format));
    }
    if (call.function == QLatin1String("formatInteger") && isNumber(0) && isString(1)) {
        return fromResult(formatInteger(a[0].number, utf8(a[1].text)));
    }
    if (call.function == QLatin1String("parseInteger") && isString(0) && isString(1)) {
        return fromResult(parseInteger(utf8(a[0].text), utf8(a[1].text)));
    }
    if (call.function == QLatin1String("formatBase") && isNumber(0)) {
        return fromResult(a.size() > 1 ? formatBase(a[0].number, a[1].number) : formatBase(a[0].number));
    }
    if (call.function == QLatin1String("fromMillis") && isNumber(0)) {
        const std::string picture = a.size() > 1 ? utf8(a[1].text) : std::string();
        const std::string zone = a.size() > 2 ? utf8(a[2].text) : std::string();
        return fromResult(fromMillis(a[0].number, a.size() > 1 ? std::optional<std::string_view>(picture) : std::nullopt,
                                     a.size() > 2 ? std::optional<std::string_view>(zone) : std::nullopt));
    }
    if (call.function == QLatin1String("toMillis") && isString(0)) {
        const std::string picture = a.size() > 1 ? utf8(a[1].text) : std::string();
        return fromResult(toMillis(utf8(a[0].text),
                                   a.size() > 1 ? std::optional<std::string_view>(picture) : std::nullopt,
                                   currentMillis()));
    }
    return std::nullopt;
}

std::optional<double> parsed(std::string_view text, std::string_view picture)
{
    auto result = toMillis(text, picture, 0);
    if (!result || !*result) {
        return std::nullopt;
    }
    return **result;
}

} // namespace

class TestPictures : public QObject
{
    Q_OBJECT

private slots:
    void suite_data();
    void suite();
    void formatNumber_data();
    void formatNumber();
    void formatNumberOptions();
    void formatInteger_data();
    void formatInteger();
    void parseInteger_data();
    void parseInteger();
    void formatBase_data();
    void formatBase();
    void fromMillis_data();
    void fromMillis();
    void fromMillisDefaultIsTheIsoPicture();
    void toMillis_data();
    void toMillis();
    void toMillisDefaultsFromNow();
    void pictureErrors_data();
    void pictureErrors();
};

void TestPictures::suite_data()
{
    QTest::addColumn<int>("index");
    const auto &all = calls();
    QVERIFY2(all.size() >= 150, qPrintable(QStringLiteral("only %1 suite cases found").arg(all.size())));
    for (std::size_t i = 0; i < all.size(); ++i) {
        QTest::newRow(qPrintable(all[i].file + QLatin1Char(' ') + all[i].expr)) << static_cast<int>(i);
    }
}

void TestPictures::suite()
{
    QFETCH(int, index);
    const SuiteCall &call = calls()[static_cast<std::size_t>(index)];
    const auto outcome = run(call);
    if (!outcome) {
        QSKIP("arguments are not of the function's types; the evaluator checks those");
    }
    const QJsonObject &expected = call.testCase;
    if (expected.contains(QStringLiteral("code"))) {
        QCOMPARE(outcome->errorCode, expected.value(QStringLiteral("code")).toString());
    } else if (expected.value(QStringLiteral("undefinedResult")).toBool()) {
        QVERIFY2(outcome->errorCode.isEmpty(), qPrintable(outcome->errorCode));
        QVERIFY(outcome->undefined);
    } else {
        QVERIFY2(outcome->errorCode.isEmpty(), qPrintable(outcome->errorCode));
        QCOMPARE(outcome->value, expected.value(QStringLiteral("result")));
    }
}

void TestPictures::formatNumber_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("picture");
    QTest::addColumn<QString>("expected");
    QTest::newRow("grouping") << 1234567.891 << QStringLiteral("#,##0.00") << QStringLiteral("1,234,567.89");
    QTest::newRow("half-even") << 2.5 << QStringLiteral("0") << QStringLiteral("2");
    QTest::newRow("half-even up") << 3.5 << QStringLiteral("0") << QStringLiteral("4");
    QTest::newRow("decimal rounding") << 1.005 << QStringLiteral("0.00") << QStringLiteral("1.00");
    QTest::newRow("negative sub-picture") << -12.5 << QStringLiteral("#0.0;(#0.0)") << QStringLiteral("(12.5)");
    QTest::newRow("percent") << 0.256 << QStringLiteral("#0.0%") << QStringLiteral("25.6%");
    QTest::newRow("zero") << 0.0 << QStringLiteral("#,##0.##") << QStringLiteral("0");
    QTest::newRow("optional fraction") << 12.0 << QStringLiteral("#.##") << QStringLiteral("12.0");
    QTest::newRow("small fraction") << 0.5 << QStringLiteral("#.00") << QStringLiteral(".50");
    QTest::newRow("prefix suffix") << 42.0 << QStringLiteral("$#0 USD") << QStringLiteral("$42 USD");
    QTest::newRow("exponent") << 123456.0 << QStringLiteral("0.00e00") << QStringLiteral("1.23e05");
    QTest::newRow("negative exponent") << 0.000123 << QStringLiteral("0.0e0") << QStringLiteral("1.2e-4");
    QTest::newRow("fraction grouping") << 1.234567 << QStringLiteral("0.000,000") << QStringLiteral("1.234,567");
    QTest::newRow("large (jsonata-js groups the exponent form)") << 1e21 << QStringLiteral("#,##0") << QStringLiteral("1e,+21");
    QTest::newRow("infinity") << std::numeric_limits<double>::infinity() << QStringLiteral("#0") << QStringLiteral("Infinity");
    QTest::newRow("minus infinity") << -std::numeric_limits<double>::infinity() << QStringLiteral("#0") << QStringLiteral("-Infinity");
}

void TestPictures::formatNumber()
{
    QFETCH(double, value);
    QFETCH(QString, picture);
    QFETCH(QString, expected);
    const auto result = expr::pictures::formatNumber(value, utf8(picture));
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(QString::fromStdString(*result), expected);
}

void TestPictures::formatNumberOptions()
{
    DecimalFormat european;
    QVERIFY(european.set("decimal-separator", ","));
    QVERIFY(european.set("grouping-separator", "."));
    QVERIFY(!european.set("not-a-property", "x"));
    const auto result = expr::pictures::formatNumber(1234567.891, "#.##0,00", european);
    QVERIFY(result.ok());
    QCOMPARE(QString::fromStdString(*result), QStringLiteral("1.234.567,89"));

    DecimalFormat arabic;
    arabic.set("zero-digit", "\u0660");
    const auto digits = expr::pictures::formatNumber(1234.5, "#,##\u0660.\u0660", arabic);
    QVERIFY(digits.ok());
    QCOMPARE(QString::fromStdString(*digits), QStringLiteral("\u0661,\u0662\u0663\u0664.\u0665"));
}

void TestPictures::formatInteger_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("picture");
    QTest::addColumn<QString>("expected");
    QTest::newRow("ordinal 11") << 11.0 << QStringLiteral("0;o") << QStringLiteral("11th");
    QTest::newRow("ordinal 22") << 22.0 << QStringLiteral("0;o") << QStringLiteral("22nd");
    QTest::newRow("ordinal 113") << 113.0 << QStringLiteral("0;o") << QStringLiteral("113th");
    QTest::newRow("negative words") << -5.0 << QStringLiteral("w") << QStringLiteral("-five");
    QTest::newRow("zero words") << 0.0 << QStringLiteral("w") << QStringLiteral("zero");
    QTest::newRow("title ordinal") << 21.0 << QStringLiteral("Ww;o") << QStringLiteral("Twenty-First");
    QTest::newRow("roman 3999") << 3999.0 << QStringLiteral("I") << QStringLiteral("MMMCMXCIX");
    QTest::newRow("letters 702") << 702.0 << QStringLiteral("a") << QStringLiteral("zz");
    QTest::newRow("letters 703") << 703.0 << QStringLiteral("A") << QStringLiteral("AAA");
    QTest::newRow("floor") << -2.5 << QStringLiteral("0") << QStringLiteral("-3");
    QTest::newRow("pad") << 7.0 << QStringLiteral("000") << QStringLiteral("007");
    QTest::newRow("regular other separator") << 1234567.0 << QStringLiteral("#.##0") << QStringLiteral("1.234.567");
    QTest::newRow("devanagari") << 42.0 << QStringLiteral("\u0966") << QStringLiteral("\u096a\u0968");
    QTest::newRow("big decimal") << 1e21 << QStringLiteral("0") << QStringLiteral("1e+21");
}

void TestPictures::formatInteger()
{
    QFETCH(double, value);
    QFETCH(QString, picture);
    QFETCH(QString, expected);
    const auto result = expr::pictures::formatInteger(value, utf8(picture));
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(QString::fromStdString(*result), expected);
}

void TestPictures::parseInteger_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("picture");
    QTest::addColumn<double>("expected");
    QTest::newRow("words") << QStringLiteral("twelve thousand, four hundred and seventy-six") << QStringLiteral("w") << 12476.0;
    QTest::newRow("upper words") << QStringLiteral("ONE HUNDRED AND ONE") << QStringLiteral("W") << 101.0;
    QTest::newRow("ordinal words") << QStringLiteral("twenty-first") << QStringLiteral("w;o") << 21.0;
    QTest::newRow("million") << QStringLiteral("one million, two thousand and three") << QStringLiteral("w") << 1002003.0;
    QTest::newRow("grouped") << QStringLiteral("12,345,678") << QStringLiteral("#,##0") << 12345678.0;
    QTest::newRow("irregular") << QStringLiteral("12345,67,890") << QStringLiteral("##,##,##0") << 1234567890.0;
    QTest::newRow("ordinal") << QStringLiteral("123rd") << QStringLiteral("000;o") << 123.0;
    QTest::newRow("roman") << QStringLiteral("MCMLXXXIV") << QStringLiteral("I") << 1984.0;
    QTest::newRow("lower roman") << QStringLiteral("xcix") << QStringLiteral("i") << 99.0;
    QTest::newRow("letters") << QStringLiteral("aa") << QStringLiteral("a") << 27.0;
    QTest::newRow("upper letters") << QStringLiteral("FZPH") << QStringLiteral("A") << 123456.0;
    QTest::newRow("arabic digits") << QStringLiteral("\u0661\u0662\u0663") << QStringLiteral("\u0660") << 123.0;
}

void TestPictures::parseInteger()
{
    QFETCH(QString, text);
    QFETCH(QString, picture);
    QFETCH(double, expected);
    const auto result = expr::pictures::parseInteger(utf8(text), utf8(picture));
    QVERIFY(result.ok());
    QCOMPARE(*result, expected);
    // Formatting the parsed number gives the text back for canonical inputs.
    if (picture != QLatin1String("W") && picture != QLatin1String("##,##,##0")) {
        const auto again = expr::pictures::formatInteger(*result, utf8(picture));
        QVERIFY(again.ok());
        QCOMPARE(QString::fromStdString(*again), text);
    }
}

void TestPictures::formatBase_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<double>("radix");
    QTest::addColumn<QString>("expected");
    QTest::newRow("hex") << 255.0 << 16.0 << QStringLiteral("ff");
    QTest::newRow("negative binary") << -5.0 << 2.0 << QStringLiteral("-101");
    QTest::newRow("half-even value") << 2.5 << 2.0 << QStringLiteral("10");
    QTest::newRow("zero") << 0.0 << 36.0 << QStringLiteral("0");
    QTest::newRow("2^60 binary") << std::ldexp(1.0, 60) << 2.0 << (QStringLiteral("1") + QString(60, QLatin1Char('0')));
    QTest::newRow("decimal exponent form") << 1e21 << 10.0 << QStringLiteral("1e+21");
}

void TestPictures::formatBase()
{
    QFETCH(double, value);
    QFETCH(double, radix);
    QFETCH(QString, expected);
    const auto result = expr::pictures::formatBase(value, radix);
    QVERIFY(result.ok());
    QCOMPARE(QString::fromStdString(*result), expected);
}

void TestPictures::fromMillis_data()
{
    QTest::addColumn<double>("millis");
    QTest::addColumn<QString>("picture");
    QTest::addColumn<QString>("timezone");
    QTest::addColumn<QString>("expected");
    QTest::newRow("iso default") << 1517478133123.0 << QString() << QString() << QStringLiteral("2018-02-01T09:42:13.123Z");
    QTest::newRow("iso with zone") << 1517478133123.0 << QString() << QStringLiteral("+0530") << QStringLiteral("2018-02-01T15:12:13.123+05:30");
    QTest::newRow("before epoch") << -1.0 << QString() << QString() << QStringLiteral("1969-12-31T23:59:59.999Z");
    QTest::newRow("iso last of year 9999") << 253402300799999.0 << QString() << QString() << QStringLiteral("9999-12-31T23:59:59.999Z");
    QTest::newRow("iso year 0") << -62167219200000.0 << QString() << QString() << QStringLiteral("0000-01-01T00:00:00.000Z");
    QTest::newRow("iso fraction dropped") << 1517478133123.75 << QString() << QString() << QStringLiteral("2018-02-01T09:42:13.123Z");
    QTest::newRow("fraction truncated") << 1.9 << QStringLiteral("[f001]") << QString() << QStringLiteral("001");
    QTest::newRow("upper day names") << 1521801216617.0 << QStringLiteral("[FN,*-3]") << QString() << QStringLiteral("FRI");
    QTest::newRow("pm upper") << 1521844416617.0 << QStringLiteral("[h]:[m01] [PN]") << QString() << QStringLiteral("10:33 PM");
    QTest::newRow("two digit year") << 1521801216617.0 << QStringLiteral("[Y01]") << QString() << QStringLiteral("18");
    QTest::newRow("iso week") << 1104537600000.0 << QStringLiteral("[X]-W[W01]-[F1]") << QString() << QStringLiteral("2004-W53-6");
    QTest::newRow("unknown component with modifier") << 0.0 << QStringLiteral("[q1]") << QString() << QStringLiteral("undefined");
}

void TestPictures::fromMillis()
{
    QFETCH(double, millis);
    QFETCH(QString, picture);
    QFETCH(QString, timezone);
    QFETCH(QString, expected);
    const std::string pictureText = utf8(picture);
    const std::string zoneText = utf8(timezone);
    const auto result = expr::pictures::fromMillis(
        millis, picture.isNull() ? std::nullopt : std::optional<std::string_view>(pictureText),
        timezone.isNull() ? std::nullopt : std::optional<std::string_view>(zoneText));
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(QString::fromStdString(*result), expected);
}

// The default is written without reading a picture; it must be exactly what the ISO picture gives.
void TestPictures::fromMillisDefaultIsTheIsoPicture()
{
    constexpr std::string_view iso = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
    double millis = -62167219200000.0 - 86400000.0; // a day before year 0
    const double step = 9876543217.123;
    for (int i = 0; i < 32000; ++i, millis += step) {
        const auto fast = expr::pictures::fromMillis(millis, std::nullopt, std::nullopt);
        const auto pictured = expr::pictures::fromMillis(millis, iso, std::nullopt);
        QVERIFY(fast.ok() && pictured.ok());
        QCOMPARE(QString::fromStdString(*fast), QString::fromStdString(*pictured));
    }
}

void TestPictures::toMillis_data()
{
    QTest::addColumn<QString>("timestamp");
    QTest::addColumn<QString>("picture");
    QTest::addColumn<double>("expected");
    QTest::newRow("iso utc") << QStringLiteral("1970-01-01T00:00:00.001Z") << QString() << 1.0;
    QTest::newRow("iso offset") << QStringLiteral("2018-02-01T09:42:13.123+01:00") << QString() << 1517474533123.0;
    QTest::newRow("iso month") << QStringLiteral("2018-02") << QString() << 1517443200000.0;
    QTest::newRow("iso long fraction") << QStringLiteral("2018-02-01T09:42:13.123456Z") << QString() << 1517478133123.0;
    QTest::newRow("picture fraction") << QStringLiteral("2018-04-04 12:00:00.5") << QStringLiteral("[Y0001]-[M01]-[D01] [H]:[m]:[s].[f]") << 1522843200500.0;
    QTest::newRow("picture mismatch") << QStringLiteral("irrelevant") << QStringLiteral("[Y]-[M]-[D]") << std::numeric_limits<double>::quiet_NaN();
    QTest::newRow("day of year") << QStringLiteral("2018-094") << QStringLiteral("[Y0001]-[d001]") << 1522800000000.0;
    QTest::newRow("offset in picture") << QStringLiteral("2020-09-09 12:00:00 +05:30") << QStringLiteral("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]") << 1599633000000.0;
    QTest::newRow("packed digits") << QStringLiteral("20240101123849") << QStringLiteral("[Y0000][M00][D00][H00][m00][s00]") << 1704112729000.0;
}

void TestPictures::toMillis()
{
    QFETCH(QString, timestamp);
    QFETCH(QString, picture);
    QFETCH(double, expected);
    const std::string pictureText = utf8(picture);
    const auto result = expr::pictures::toMillis(
        utf8(timestamp), picture.isNull() ? std::nullopt : std::optional<std::string_view>(pictureText), 0);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    if (std::isnan(expected)) {
        QVERIFY(!result->has_value());
        return;
    }
    QVERIFY(result->has_value());
    QCOMPARE(**result, expected);
}

void TestPictures::toMillisDefaultsFromNow()
{
    // A time alone takes its date from "now"; a date alone is midnight.
    const double now = 1522843560000.0; // 2018-04-04T12:06:00Z
    auto timeOnly = expr::pictures::toMillis("13:45", "[H]:[m]", static_cast<std::int64_t>(now));
    QVERIFY(timeOnly.ok() && timeOnly->has_value());
    QCOMPARE(**timeOnly, 1522849500000.0); // 2018-04-04T13:45:00Z
    QCOMPARE(parsed("2018-03-27", "[Y1]-[M01]-[D01]"), std::optional<double>(1522108800000.0));
    QCOMPARE(parsed("four", "[Y]"), std::optional<double>());
}

void TestPictures::pictureErrors_data()
{
    QTest::addColumn<QString>("function");
    QTest::addColumn<QString>("picture");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("sequence") << QStringLiteral("formatInteger") << QStringLiteral("#") << QStringLiteral("D3130")
                              << QStringLiteral("Formatting or parsing an integer as a sequence starting with \"#\" is not supported by this implementation");
    QTest::newRow("mixed digits") << QStringLiteral("formatInteger") << QStringLiteral("0\u0660") << QStringLiteral("D3131") << QString();
    QTest::newRow("parse sequence") << QStringLiteral("parseInteger") << QStringLiteral("\u03b1") << QStringLiteral("D3130") << QString();
    QTest::newRow("no bracket") << QStringLiteral("fromMillis") << QStringLiteral("[Y") << QStringLiteral("D3135")
                                << QStringLiteral("No matching closing bracket ']' in date/time picture string");
    QTest::newRow("unknown component") << QStringLiteral("fromMillis") << QStringLiteral("[q]") << QStringLiteral("D3132")
                                       << QStringLiteral("Unknown component specifier \"q\" in date/time picture string");
    QTest::newRow("name of day number") << QStringLiteral("fromMillis") << QStringLiteral("[DN]") << QStringLiteral("D3133") << QString();
    QTest::newRow("wide zone") << QStringLiteral("fromMillis") << QStringLiteral("[Z00000]") << QStringLiteral("D3134") << QString();
    QTest::newRow("gap when parsing") << QStringLiteral("toMillis") << QStringLiteral("[Y]-[D]") << QStringLiteral("D3136") << QString();
    QTest::newRow("three sub-pictures") << QStringLiteral("formatNumber") << QStringLiteral("0;0;0") << QStringLiteral("D3080") << QString();
    QTest::newRow("radix") << QStringLiteral("formatBase") << QString() << QStringLiteral("D3100")
                           << QStringLiteral("The radix of the formatBase function must be between 2 and 36.  It was given 40");
    QTest::newRow("not iso") << QStringLiteral("toMillisIso") << QString() << QStringLiteral("D3110")
                             << QStringLiteral("The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given \"yesterday\"");
}

void TestPictures::pictureErrors()
{
    QFETCH(QString, function);
    QFETCH(QString, picture);
    QFETCH(QString, code);
    QFETCH(QString, message);
    const std::string pic = utf8(picture);
    Error error;
    if (function == QLatin1String("formatInteger")) {
        error = expr::pictures::formatInteger(5, pic).error();
    } else if (function == QLatin1String("parseInteger")) {
        error = expr::pictures::parseInteger("5", pic).error();
    } else if (function == QLatin1String("fromMillis")) {
        error = expr::pictures::fromMillis(0, std::string_view(pic)).error();
    } else if (function == QLatin1String("toMillis")) {
        error = expr::pictures::toMillis("2018-22", std::string_view(pic), 0).error();
    } else if (function == QLatin1String("formatNumber")) {
        error = expr::pictures::formatNumber(1, pic).error();
    } else if (function == QLatin1String("formatBase")) {
        error = expr::pictures::formatBase(1, 40).error();
    } else {
        error = expr::pictures::toMillis("yesterday").error();
    }
    QCOMPARE(error.code, code);
    if (!message.isEmpty()) {
        QCOMPARE(error.message, message);
    }
}

QTEST_GUILESS_MAIN(TestPictures)
#include "tst_pictures.moc"
