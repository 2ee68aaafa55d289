#include "currency.h"

#include <QHash>

namespace syncline::engine::money {

namespace {

// Active ISO 4217 codes grouped by minor unit (ISO 4217 list one). Codes whose minor unit is
// "N.A." (precious metals, XDR, XSU, XUA, test and no-currency codes) are deliberately absent:
// they are not money a finance system books in minor units.
constexpr const char *kZeroDigit =
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
constexpr const char *kThreeDigit = "BHD IQD JOD KWD LYD OMR TND";
constexpr const char *kFourDigit = "CLF UYW";
constexpr const char *kTwoDigit =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
    "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN "
    "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD "
    "SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU "
    "UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL";

constexpr const char *kStripeZeroDigit =
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF";
constexpr const char *kStripeThreeDigit = "BHD JOD KWD OMR TND";

void addCodes(QHash<QString, int> &table, const char *codes, int minorDigits)
{
    const QStringList list = QString::fromLatin1(codes).split(u' ', Qt::SkipEmptyParts);
    for (const QString &code : list) {
        table.insert(code, minorDigits);
    }
}

const QHash<QString, int> &isoTable()
{
    static const QHash<QString, int> table = [] {
        QHash<QString, int> result;
        addCodes(result, kZeroDigit, 0);
        addCodes(result, kTwoDigit, 2);
        addCodes(result, kThreeDigit, 3);
        addCodes(result, kFourDigit, 4);
        return result;
    }();
    return table;
}

bool listed(const char *codes, const QString &code)
{
    return QString::fromLatin1(codes).split(u' ').contains(code);
}

CurrencyRule stripeRule(CurrencyRule rule)
{
    if (listed(kStripeZeroDigit, rule.code)) {
        return CurrencyRule{rule.code, 0, 1};
    }
    if (listed(kStripeThreeDigit, rule.code)) {
        return CurrencyRule{rule.code, 3, 10};
    }
    if (rule.code == QLatin1String("ISK")) {
        // Stripe kept two decimals for ISK for backwards compatibility; fractions are not allowed.
        return CurrencyRule{rule.code, 2, 100};
    }
    return rule;
}

} // namespace

std::optional<CurrencyRule> currencyRule(QStringView code, MoneySystem system)
{
    const QString upper = code.toString().toUpper();
    const auto it = isoTable().constFind(upper);
    if (it == isoTable().constEnd()) {
        return std::nullopt;
    }
    const CurrencyRule iso{upper, it.value(), 1};
    switch (system) {
    case MoneySystem::Iso4217:
        return iso;
    case MoneySystem::Stripe:
        return stripeRule(iso);
    }
    return iso;
}

QList<CurrencyRule> iso4217Currencies()
{
    QStringList codes = isoTable().keys();
    codes.sort();
    QList<CurrencyRule> rules;
    rules.reserve(codes.size());
    for (const QString &code : std::as_const(codes)) {
        rules.append(CurrencyRule{code, isoTable().value(code), 1});
    }
    return rules;
}

Result<QString> toMinorUnits(const Decimal &amount, const CurrencyRule &rule)
{
    const QString minor = toMinorUnits(amount, rule, RoundingMode::Down);
    if (Decimal(*BigInt::fromDigits(QStringView(minor)), rule.minorDigits) != amount) {
        const Decimal step(BigInt(rule.minorIncrement), rule.minorDigits);
        return Error::make(QStringLiteral("MONEY_INEXACT"),
                           QStringLiteral("%1 %2 is not a multiple of %3 %2")
                               .arg(amount.toString(), rule.code, step.normalized().toString()));
    }
    return minor;
}

QString toMinorUnits(const Decimal &amount, const CurrencyRule &rule, RoundingMode mode)
{
    // Round in units of the increment, then scale back up: 5.125 KWD -> 512.5 tens -> 513 -> 5130.
    const BigInt increment(rule.minorIncrement);
    const Decimal minor = amount * Decimal(BigInt::powerOfTen(rule.minorDigits), 0);
    const Decimal steps = minor.divided(Decimal(increment, 0), 0, mode).value();
    return (steps.coefficient() * increment).toString();
}

Result<Decimal> fromMinorUnits(QStringView minorUnits, const CurrencyRule &rule)
{
    const std::optional<BigInt> minor = BigInt::fromDigits(minorUnits);
    if (!minor) {
        return Error::make(QStringLiteral("MONEY_SYNTAX"),
                           QStringLiteral("\"%1\" is not a whole number of minor units")
                               .arg(minorUnits.toString()));
    }
    if (!BigInt::divMod(*minor, BigInt(rule.minorIncrement)).second.isZero()) {
        return Error::make(QStringLiteral("MONEY_INCREMENT"),
                           QStringLiteral("%1 minor units of %2 is not a multiple of %3")
                               .arg(minorUnits.toString(), rule.code)
                               .arg(rule.minorIncrement));
    }
    return Decimal(*minor, rule.minorDigits);
}

} // namespace syncline::engine::money
