#include "engine/money/allocation.h"
#include "engine/money/currency.h"
#include "engine/money/decimal.h"

#include <QDir>
#include <QDirIterator>
#include <QRegularExpression>
#include <QTest>

using namespace syncline::engine::money;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(RoundingMode)
Q_DECLARE_METATYPE(MoneySystem)

namespace {

Decimal dec(const char *text)
{
    const auto parsed = Decimal::parse(std::string_view(text));
    if (!parsed) {
        qFatal("bad test literal %s", text);
    }
    return *parsed;
}

QStringList texts(const QList<Decimal> &values)
{
    QStringList result;
    for (const Decimal &value : values) {
        result.append(value.toString());
    }
    return result;
}

} // namespace

class TestMoney : public QObject
{
    Q_OBJECT

private slots:
    void doneWhenExamples()
    {
        const Decimal product = dec("0.70") * dec("1.05");
        QCOMPARE(product.toString(), QStringLiteral("0.7350"));
        QCOMPARE(product.rounded(2, RoundingMode::HalfUp).toString(), QStringLiteral("0.74"));

        const auto parts = allocateEvenly(dec("100.00"), 3, 2);
        QVERIFY(parts.ok());
        QCOMPARE(texts(*parts), (QStringList{u"33.34"_s, u"33.33"_s, u"33.33"_s}));
    }

    void parseAndFormat_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("formatted");
        QTest::newRow("cents") << u"0.70"_s << u"0.70"_s;
        QTest::newRow("plus sign") << u"+7"_s << u"7"_s;
        QTest::newRow("negative zero") << u"-0.00"_s << u"0.00"_s;
        QTest::newRow("leading zeros") << u"007.50"_s << u"7.50"_s;
        QTest::newRow("exponent") << u"1.5E+3"_s << u"1500"_s;
        QTest::newRow("negative exponent") << u"25e-3"_s << u"0.025"_s;
        QTest::newRow("exponent keeps fraction") << u"1.25e1"_s << u"12.5"_s;
        QTest::newRow("above 2^64") << u"18446744073709551616.01"_s << u"18446744073709551616.01"_s;
        QTest::newRow("tiny") << u"-1e-20"_s << u"-0.00000000000000000001"_s;
        QTest::newRow("big exponent") << u"1e30"_s << u"1000000000000000000000000000000"_s;
    }

    void parseAndFormat()
    {
        QFETCH(QString, text);
        QFETCH(QString, formatted);
        const auto parsed = Decimal::parse(text);
        QVERIFY2(parsed.ok(), qPrintable(text));
        QCOMPARE(parsed->toString(), formatted);
    }

    void parseRefuses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::newRow("empty") << u""_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("sign only") << u"-"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("no integer digits") << u".5"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("no fraction digits") << u"5."_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("two points") << u"1.2.3"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("comma") << u"1,50"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("space") << u" 1"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("empty exponent") << u"1e"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("hex") << u"0x10"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("nan") << u"NaN"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("infinity") << u"Infinity"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("currency sign") << u"$5"_s << u"MONEY_SYNTAX"_s;
        QTest::newRow("huge exponent") << u"1e9999999"_s << u"MONEY_RANGE"_s;
        QTest::newRow("too many integer digits") << u"1e1001"_s << u"MONEY_RANGE"_s;
        QTest::newRow("too many fraction digits") << u"1e-1001"_s << u"MONEY_RANGE"_s;
    }

    void parseRefuses()
    {
        QFETCH(QString, text);
        QFETCH(QString, code);
        const auto parsed = Decimal::parse(text);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, code);
    }

    void rounding_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("digits");
        QTest::addColumn<RoundingMode>("mode");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *value, int digits, RoundingMode mode, const char *expected) {
            QTest::addRow("%s to %d mode %d", value, digits, int(mode))
                << QString::fromLatin1(value) << digits << mode << QString::fromLatin1(expected);
        };
        row("2.345", 2, RoundingMode::HalfUp, "2.35");
        row("-2.345", 2, RoundingMode::HalfUp, "-2.35");
        row("2.345", 2, RoundingMode::HalfEven, "2.34");
        row("2.355", 2, RoundingMode::HalfEven, "2.36");
        row("-2.345", 2, RoundingMode::HalfEven, "-2.34");
        row("2.3451", 2, RoundingMode::HalfEven, "2.35");
        row("1.239", 2, RoundingMode::Down, "1.23");
        row("-1.239", 2, RoundingMode::Down, "-1.23");
        row("1.231", 2, RoundingMode::Up, "1.24");
        row("-1.231", 2, RoundingMode::Up, "-1.24");
        row("1.230", 2, RoundingMode::Up, "1.23");
        row("0.005", 2, RoundingMode::HalfEven, "0.00");
        row("0.015", 2, RoundingMode::HalfEven, "0.02");
        row("-0.004", 2, RoundingMode::HalfUp, "0.00");
        row("9.995", 2, RoundingMode::HalfUp, "10.00");
        row("12.5", 0, RoundingMode::HalfEven, "12");
        row("13.5", 0, RoundingMode::HalfEven, "14");
        row("7", 3, RoundingMode::Down, "7.000");
    }

    void rounding()
    {
        QFETCH(QString, value);
        QFETCH(int, digits);
        QFETCH(RoundingMode, mode);
        QFETCH(QString, expected);
        QCOMPARE(Decimal::parse(value)->rounded(digits, mode).toString(), expected);
    }

    void arithmeticKeepsEveryDigit()
    {
        QCOMPARE((dec("0.1") + dec("0.2")).toString(), QStringLiteral("0.3"));
        QCOMPARE((dec("9007199254740993") + dec("0.01")).toString(),
                 QStringLiteral("9007199254740993.01"));
        QCOMPARE((dec("1.10") - dec("2.2")).toString(), QStringLiteral("-1.10"));
        QCOMPARE((dec("-1.5") * dec("-1.5")).toString(), QStringLiteral("2.25"));
        QVERIFY(dec("1.5") == dec("1.500"));
        QVERIFY(dec("-0.01") < dec("0"));
        QVERIFY(dec("10") > dec("9.99"));
        QCOMPARE(dec("1.500").normalized().toString(), QStringLiteral("1.5"));
        QCOMPARE(dec("200").normalized().toString(), QStringLiteral("200"));
    }

    void division()
    {
        QCOMPARE(dec("10").divided(dec("3"), 2, RoundingMode::HalfEven)->toString(),
                 QStringLiteral("3.33"));
        QCOMPARE(dec("-10").divided(dec("3"), 2, RoundingMode::Up)->toString(),
                 QStringLiteral("-3.34"));
        QCOMPARE(dec("1.00").divided(dec("0.08"), 1, RoundingMode::HalfUp)->toString(),
                 QStringLiteral("12.5"));
        const auto byZero = dec("1").divided(dec("0.00"), 2, RoundingMode::HalfUp);
        QVERIFY(!byZero.ok());
        QCOMPARE(byZero.error().code, QStringLiteral("MONEY_DIVISION_BY_ZERO"));
    }

    void rescaleRefusesToDropDigits()
    {
        QCOMPARE(dec("1.20").rescaled(1)->toString(), QStringLiteral("1.2"));
        const auto lossy = dec("1.25").rescaled(1);
        QVERIFY(!lossy.ok());
        QCOMPARE(lossy.error().code, QStringLiteral("MONEY_INEXACT"));
    }

    void allocation_data()
    {
        QTest::addColumn<QString>("total");
        QTest::addColumn<QStringList>("weights");
        QTest::addColumn<int>("digits");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("thirds") << u"100.00"_s << QStringList{u"1"_s, u"1"_s, u"1"_s} << 2
                                << QStringList{u"33.34"_s, u"33.33"_s, u"33.33"_s};
        QTest::newRow("negative thirds") << u"-100.00"_s << QStringList{u"1"_s, u"1"_s, u"1"_s} << 2
                                         << QStringList{u"-33.34"_s, u"-33.33"_s, u"-33.33"_s};
        QTest::newRow("less than one unit each") << u"0.02"_s << QStringList{u"1"_s, u"1"_s, u"1"_s} << 2
                                                 << QStringList{u"0.01"_s, u"0.01"_s, u"0.00"_s};
        QTest::newRow("weights") << u"10.00"_s << QStringList{u"0.7"_s, u"0.3"_s} << 2
                                 << QStringList{u"7.00"_s, u"3.00"_s};
        QTest::newRow("largest remainder wins") << u"1.00"_s << QStringList{u"1"_s, u"2"_s, u"3"_s} << 2
                                                << QStringList{u"0.17"_s, u"0.33"_s, u"0.50"_s};
        QTest::newRow("zero weight gets nothing") << u"0.05"_s << QStringList{u"1"_s, u"0"_s, u"1"_s, u"1"_s} << 2
                                                  << QStringList{u"0.02"_s, u"0.00"_s, u"0.02"_s, u"0.01"_s};
        QTest::newRow("yen") << u"1000"_s << QStringList{u"1"_s, u"1"_s, u"1"_s} << 0
                             << QStringList{u"334"_s, u"333"_s, u"333"_s};
    }

    void allocation()
    {
        QFETCH(QString, total);
        QFETCH(QStringList, weights);
        QFETCH(int, digits);
        QFETCH(QStringList, expected);
        QList<Decimal> weightValues;
        for (const QString &weight : weights) {
            weightValues.append(*Decimal::parse(weight));
        }
        const auto parts = allocateByWeights(*Decimal::parse(total), weightValues, digits);
        QVERIFY(parts.ok());
        QCOMPARE(texts(*parts), expected);
    }

    void allocationRefuses_data()
    {
        QTest::addColumn<QString>("total");
        QTest::addColumn<QStringList>("weights");
        QTest::addColumn<QString>("code");
        QTest::newRow("more digits than the scale") << u"100.005"_s << QStringList{u"1"_s, u"1"_s}
                                                    << u"MONEY_INEXACT"_s;
        QTest::newRow("no parts") << u"1.00"_s << QStringList{} << u"MONEY_ALLOCATION"_s;
        QTest::newRow("all zero") << u"1.00"_s << QStringList{u"0"_s, u"0.0"_s} << u"MONEY_ALLOCATION"_s;
        QTest::newRow("negative weight") << u"1.00"_s << QStringList{u"2"_s, u"-1"_s} << u"MONEY_ALLOCATION"_s;
    }

    void allocationRefuses()
    {
        QFETCH(QString, total);
        QFETCH(QStringList, weights);
        QFETCH(QString, code);
        QList<Decimal> weightValues;
        for (const QString &weight : weights) {
            weightValues.append(*Decimal::parse(weight));
        }
        const auto parts = allocateByWeights(*Decimal::parse(total), weightValues, 2);
        QVERIFY(!parts.ok());
        QCOMPARE(parts.error().code, code);
        QVERIFY(!allocateEvenly(dec("1.00"), 0, 2).ok());
    }

    void currencyMinorUnits_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<MoneySystem>("system");
        QTest::addColumn<int>("digits");
        QTest::addColumn<int>("increment");
        const auto iso = MoneySystem::Iso4217;
        const auto stripe = MoneySystem::Stripe;
        QTest::newRow("USD") << u"USD"_s << iso << 2 << 1;
        QTest::newRow("EUR") << u"EUR"_s << iso << 2 << 1;
        QTest::newRow("JPY") << u"JPY"_s << iso << 0 << 1;
        QTest::newRow("ISK") << u"ISK"_s << iso << 0 << 1;
        QTest::newRow("MGA") << u"MGA"_s << iso << 2 << 1;
        for (const char *code : {"BHD", "KWD", "JOD", "OMR", "TND", "LYD", "IQD"}) {
            QTest::addRow("%s", code) << QString::fromLatin1(code) << iso << 3 << 1;
        }
        QTest::newRow("CLF") << u"CLF"_s << iso << 4 << 1;
        QTest::newRow("UYW") << u"UYW"_s << iso << 4 << 1;
        QTest::newRow("lower case") << u"usd"_s << iso << 2 << 1;
        QTest::newRow("stripe usd") << u"usd"_s << stripe << 2 << 1;
        QTest::newRow("stripe jpy") << u"jpy"_s << stripe << 0 << 1;
        QTest::newRow("stripe mga zero-decimal") << u"mga"_s << stripe << 0 << 1;
        QTest::newRow("stripe kwd multiple of 10") << u"kwd"_s << stripe << 3 << 10;
        QTest::newRow("stripe bhd multiple of 10") << u"bhd"_s << stripe << 3 << 10;
        QTest::newRow("stripe isk two-decimal") << u"isk"_s << stripe << 2 << 100;
        QTest::newRow("stripe iqd follows iso") << u"iqd"_s << stripe << 3 << 1;
    }

    void currencyMinorUnits()
    {
        QFETCH(QString, code);
        QFETCH(MoneySystem, system);
        QFETCH(int, digits);
        QFETCH(int, increment);
        const auto rule = currencyRule(code, system);
        QVERIFY(rule.has_value());
        QCOMPARE(rule->code, code.toUpper());
        QCOMPARE(rule->minorDigits, digits);
        QCOMPARE(rule->minorIncrement, increment);
    }

    void unknownCurrencies()
    {
        for (const char *code : {"XAU", "XDR", "XXX", "ABC", "", "US"}) {
            QVERIFY2(!currencyRule(QString::fromLatin1(code)).has_value(), code);
        }
        const QList<CurrencyRule> all = iso4217Currencies();
        QVERIFY(all.size() > 150);
        QVERIFY(std::is_sorted(all.begin(), all.end(), [](const auto &a, const auto &b) {
            return a.code < b.code;
        }));
    }

    void minorUnitConversion_data()
    {
        QTest::addColumn<QString>("amount");
        QTest::addColumn<QString>("code");
        QTest::addColumn<MoneySystem>("system");
        QTest::addColumn<QString>("minor");
        const auto iso = MoneySystem::Iso4217;
        const auto stripe = MoneySystem::Stripe;
        QTest::newRow("usd") << u"12.34"_s << u"USD"_s << iso << u"1234"_s;
        QTest::newRow("usd whole") << u"12"_s << u"USD"_s << iso << u"1200"_s;
        QTest::newRow("negative") << u"-0.05"_s << u"USD"_s << iso << u"-5"_s;
        QTest::newRow("yen") << u"500"_s << u"JPY"_s << iso << u"500"_s;
        QTest::newRow("dinar") << u"5.125"_s << u"KWD"_s << iso << u"5125"_s;
        QTest::newRow("stripe dinar") << u"5.12"_s << u"KWD"_s << stripe << u"5120"_s;
        QTest::newRow("stripe krona") << u"5"_s << u"ISK"_s << stripe << u"500"_s;
        QTest::newRow("clf") << u"1.2345"_s << u"CLF"_s << iso << u"12345"_s;
        QTest::newRow("beyond 64 bits") << u"1234567890123456789012345678.90"_s << u"USD"_s << iso
                                        << u"123456789012345678901234567890"_s;
    }

    void minorUnitConversion()
    {
        QFETCH(QString, amount);
        QFETCH(QString, code);
        QFETCH(MoneySystem, system);
        QFETCH(QString, minor);
        const CurrencyRule rule = *currencyRule(code, system);
        const auto converted = toMinorUnits(*Decimal::parse(amount), rule);
        QVERIFY(converted.ok());
        QCOMPARE(*converted, minor);
        const auto back = fromMinorUnits(minor, rule);
        QVERIFY(back.ok());
        QVERIFY(*back == *Decimal::parse(amount));
        QCOMPARE(back->scale(), rule.minorDigits);
    }

    void minorUnitConversionRefuses()
    {
        const CurrencyRule usd = *currencyRule(u"USD");
        const CurrencyRule stripeKwd = *currencyRule(u"KWD", MoneySystem::Stripe);
        const CurrencyRule stripeIsk = *currencyRule(u"ISK", MoneySystem::Stripe);
        QCOMPARE(toMinorUnits(dec("12.345"), usd).error().code, QStringLiteral("MONEY_INEXACT"));
        const auto kwd = toMinorUnits(dec("5.124"), stripeKwd);
        QCOMPARE(kwd.error().code, QStringLiteral("MONEY_INEXACT"));
        QCOMPARE(kwd.error().message, QStringLiteral("5.124 KWD is not a multiple of 0.01 KWD"));
        QCOMPARE(toMinorUnits(dec("5.5"), stripeIsk).error().code, QStringLiteral("MONEY_INEXACT"));
        QCOMPARE(fromMinorUnits(u"5125", stripeKwd).error().code, QStringLiteral("MONEY_INCREMENT"));
        QCOMPARE(fromMinorUnits(u"550", stripeIsk).error().code, QStringLiteral("MONEY_INCREMENT"));
        for (const char *bad : {"", "12.5", "1e3", "-", " 12", "12a"}) {
            QCOMPARE(fromMinorUnits(QString::fromLatin1(bad), usd).error().code,
                     QStringLiteral("MONEY_SYNTAX"));
        }
    }

    void minorUnitRounding()
    {
        const CurrencyRule stripeKwd = *currencyRule(u"KWD", MoneySystem::Stripe);
        QCOMPARE(toMinorUnits(dec("5.125"), stripeKwd, RoundingMode::HalfUp), QStringLiteral("5130"));
        QCOMPARE(toMinorUnits(dec("5.125"), stripeKwd, RoundingMode::HalfEven),
                 QStringLiteral("5120"));
        QCOMPARE(toMinorUnits(dec("5.129"), stripeKwd, RoundingMode::Down), QStringLiteral("5120"));
        QCOMPARE(toMinorUnits(dec("-5.121"), stripeKwd, RoundingMode::Up), QStringLiteral("-5130"));
        const CurrencyRule jpy = *currencyRule(u"JPY");
        QCOMPARE(toMinorUnits(dec("99.5"), jpy, RoundingMode::HalfEven), QStringLiteral("100"));
    }

    // The module must never touch binary fractions; a reviewer would miss one, a grep does not.
    void moneySourcesAvoidBinaryFractions()
    {
        const QString folder = QStringLiteral(SYNCLINE_SOURCE_DIR "/engine/money");
        const QRegularExpression forbidden(QStringLiteral("double|float|qreal"),
                                           QRegularExpression::CaseInsensitiveOption);
        QDirIterator it(folder, {QStringLiteral("*.h"), QStringLiteral("*.cpp")}, QDir::Files);
        int files = 0;
        while (it.hasNext()) {
            QFile file(it.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(file.readAll());
            const QRegularExpressionMatch match = forbidden.match(text);
            QVERIFY2(!match.hasMatch(),
                     qPrintable(QStringLiteral("%1 mentions \"%2\"")
                                    .arg(file.fileName(), match.captured())));
            ++files;
        }
        QVERIFY(files >= 8);
    }
};

QTEST_GUILESS_MAIN(TestMoney)
#include "tst_money.moc"
