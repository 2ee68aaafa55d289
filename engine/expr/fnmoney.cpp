// Syncline money extension (not part of JSONata): exact decimal arithmetic on amounts given as
// decimal strings or numbers. Numbers are read through their source text when the input kept it
// ("1.10"), else through their shortest JavaScript rendering, so no binary rounding leaks in.
// Results are decimal strings ("19.99"); $toMinorUnits returns an exact integer number.

#include "engine/expr/fnhelpers.h"
#include "engine/expr/functions.h"
#include "engine/money/currency.h"
#include "engine/money/decimal.h"

#include <cmath>

namespace syncline::engine::expr {

namespace {

using fn::arg;
using fn::has;

[[noreturn]] void moneyError(const Error &error, const Value &value)
{
    fn::throwError(error, value);
}

[[noreturn]] void badArgument(std::string message, const Value &value)
{
    ExprException e("MONEY_ARGUMENT");
    e.explicitMessage = std::move(message);
    e.value = value;
    throw e;
}

money::Decimal toDecimal(const Value &v)
{
    std::string text;
    if (v.isString()) {
        text = std::string(v.toStringView());
    } else if (v.isNumber()) {
        if (!std::isfinite(v.toNumber())) {
            badArgument("A money amount must be a finite number", v);
        }
        text = v.numberToText();
    } else {
        badArgument("A money amount must be a decimal string or a number", v);
    }
    auto parsed = money::Decimal::parse(std::string_view(text));
    if (!parsed.ok()) {
        moneyError(parsed.error(), v);
    }
    return parsed.value();
}

Value decimalValue(const money::Decimal &d)
{
    return Value::string(d.toStdString());
}

money::RoundingMode roundingMode(const Value &v)
{
    if (v.isUndefined()) {
        return money::RoundingMode::HalfEven;
    }
    const QString name = v.toQString().toUpper().replace(QLatin1Char('-'), QLatin1Char('_'));
    if (name == QLatin1String("HALF_EVEN")) {
        return money::RoundingMode::HalfEven;
    }
    if (name == QLatin1String("HALF_UP")) {
        return money::RoundingMode::HalfUp;
    }
    if (name == QLatin1String("DOWN")) {
        return money::RoundingMode::Down;
    }
    if (name == QLatin1String("UP")) {
        return money::RoundingMode::Up;
    }
    badArgument("Rounding mode must be one of HALF_EVEN, HALF_UP, DOWN, UP", v);
}

int scaleArgument(const Value &v)
{
    const double d = v.toNumber();
    if (!v.isNumber() || d < 0 || d > money::Decimal::kMaxDigits || std::trunc(d) != d) {
        badArgument("The scale must be a whole number of fraction digits", v);
    }
    return static_cast<int>(d);
}

money::CurrencyRule currency(const Value &code)
{
    const auto rule = money::currencyRule(code.toQString());
    if (!rule) {
        badArgument("Unknown ISO 4217 currency code", code);
    }
    return *rule;
}

Value fnMoneyAdd(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0) || !has(args, 1)) {
        return Value::undefined();
    }
    return decimalValue(toDecimal(args[0]) + toDecimal(args[1]));
}

Value fnMoneySub(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0) || !has(args, 1)) {
        return Value::undefined();
    }
    return decimalValue(toDecimal(args[0]) - toDecimal(args[1]));
}

Value fnMoneyMul(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0) || !has(args, 1)) {
        return Value::undefined();
    }
    money::Decimal product = toDecimal(args[0]) * toDecimal(args[1]);
    if (has(args, 2)) {
        product = product.rounded(scaleArgument(args[2]), roundingMode(arg(args, 3)));
    }
    return decimalValue(product);
}

Value fnMoneyRound(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    return decimalValue(toDecimal(args[0]).rounded(scaleArgument(arg(args, 1)),
                                                   roundingMode(arg(args, 2))));
}

Value fnMoneySum(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    money::Decimal total;
    for (const Value &item : args[0].items()) {
        total = total + toDecimal(item);
    }
    return decimalValue(total);
}

Value fnToMinorUnits(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const money::Decimal amount = toDecimal(args[0]);
    const money::CurrencyRule rule = currency(arg(args, 1));
    QString minor;
    if (has(args, 2)) {
        minor = money::toMinorUnits(amount, rule, roundingMode(args[2]));
    } else {
        auto exact = money::toMinorUnits(amount, rule);
        if (!exact.ok()) {
            moneyError(exact.error(), args[0]);
        }
        minor = exact.value();
    }
    const std::string text = minor.toStdString();
    return *Value::parseNumber(text);
}

Value fnFromMinorUnits(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &minor = args[0];
    std::string digits;
    if (minor.isNumber()) {
        const double d = minor.toNumber();
        if (!std::isfinite(d) || std::trunc(d) != d) {
            badArgument("Minor units must be a whole number", minor);
        }
        digits = minor.numberToText();
    } else {
        digits = std::string(minor.toStringView());
    }
    auto amount = money::fromMinorUnits(QString::fromStdString(digits), currency(arg(args, 1)));
    if (!amount.ok()) {
        moneyError(amount.error(), minor);
    }
    return decimalValue(amount.value());
}

const Builtin kMoneyBuiltins[] = {
    {"moneyAdd", "<(sn)(sn):s>", 2, fnMoneyAdd},
    {"moneySub", "<(sn)(sn):s>", 2, fnMoneySub},
    {"moneyMul", "<(sn)(sn)n?s?:s>", 4, fnMoneyMul},
    {"moneyRound", "<(sn)ns?:s>", 3, fnMoneyRound},
    {"moneySum", "<a:s>", 1, fnMoneySum},
    {"toMinorUnits", "<(sn)ss?:n>", 3, fnToMinorUnits},
    {"fromMinorUnits", "<(sn)s:s>", 2, fnFromMinorUnits},
};

} // namespace

std::span<const Builtin> moneyBuiltins()
{
    return kMoneyBuiltins;
}

} // namespace syncline::engine::expr
