#pragma once

#include "engine/core/result.h"
#include "engine/money/decimal.h"

#include <QList>
#include <QString>

#include <optional>

namespace syncline::engine::money {

/// Whose rules decide how many minor units a currency has. Payment systems deviate from
/// ISO 4217 for some currencies; amounts exchanged with them must follow their rule.
enum class MoneySystem {
    Iso4217,
    /// Stripe: its zero-decimal currencies (BIF, CLP, DJF, GNF, JPY, KMF, KRW, MGA, PYG, RWF, UGX,
    /// VND, VUV, XAF, XOF, XPF) have no minor unit; its three-decimal currencies (BHD, JOD, KWD,
    /// OMR, TND) take minor amounts that are multiples of 10; ISK is sent with two decimals in
    /// whole krónur (multiples of 100). Every other currency follows ISO 4217.
    Stripe,
};

/// How one system writes amounts of one currency as integers.
struct CurrencyRule
{
    QString code;          // upper-case ISO 4217 alphabetic code
    int minorDigits = 2;   // minor amount = amount * 10^minorDigits
    int minorIncrement = 1; // minor amounts must be a multiple of this
};

/// The rule for `code` (case-insensitive: Stripe sends "usd") under `system`, or nothing for a
/// code that is not an active ISO 4217 currency with a minor unit (XAU, XDR, "ABC" and the like).
std::optional<CurrencyRule> currencyRule(QStringView code, MoneySystem system = MoneySystem::Iso4217);

/// Every active ISO 4217 code with its ISO minor unit, in alphabetical order.
QList<CurrencyRule> iso4217Currencies();

/// The amount as a minor-unit integer in decimal digits ("12.34" USD -> "1234"). Refuses with
/// MONEY_INEXACT when the amount has digits the currency cannot carry (12.345 USD, 5.124 KWD
/// under Stripe) — pick a rounding mode with the other overload to round instead.
Result<QString> toMinorUnits(const Decimal &amount, const CurrencyRule &rule);

/// As above, rounding to the nearest allowed minor amount with `mode` first
/// (5.125 KWD under Stripe, HalfUp -> "5130").
QString toMinorUnits(const Decimal &amount, const CurrencyRule &rule, RoundingMode mode);

/// The decimal amount for a minor-unit integer of any size ("1234" USD -> 12.34; "-5" JPY -> -5).
/// Refuses MONEY_SYNTAX when `minorUnits` is not an integer in plain digits and MONEY_INCREMENT
/// when it is not a multiple of the rule's increment ("5125" KWD under Stripe).
Result<Decimal> fromMinorUnits(QStringView minorUnits, const CurrencyRule &rule);

} // namespace syncline::engine::money
