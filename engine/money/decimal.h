#pragma once

#include "engine/core/result.h"
#include "engine/money/bigint.h"

#include <QString>

#include <compare>

namespace syncline::engine::money {

/// How a value is brought to fewer fraction digits. "Down" and "Up" are about magnitude, as in
/// accounting: Down truncates toward zero (-1.239 -> -1.23), Up rounds away from zero
/// (-1.231 -> -1.24). HalfUp rounds ties away from zero (2.345 -> 2.35, -2.345 -> -2.35);
/// HalfEven rounds ties to the even neighbour (2.345 -> 2.34, 2.355 -> 2.36).
enum class RoundingMode {
    HalfEven,
    HalfUp,
    Down,
    Up,
};

/// An exact decimal number: an arbitrary-precision integer coefficient and a scale (count of
/// fraction digits, >= 0), value = coefficient / 10^scale. Arithmetic is exact except where a
/// rounding mode is passed explicitly. The scale is kept ("1.50" stays "1.50"), while comparison
/// is numeric (1.5 == 1.50). Plain value type, thread-compatible.
///
/// Error codes: MONEY_SYNTAX (text is not a decimal number), MONEY_RANGE (more than kMaxDigits
/// digits or fraction digits), MONEY_DIVISION_BY_ZERO, MONEY_INEXACT (an exact conversion would
/// lose digits).
class Decimal
{
public:
    /// Upper bound on integer digits and on fraction digits, so hostile input such as "1e999999"
    /// cannot make the engine allocate without limit.
    static constexpr int kMaxDigits = 1000;

    Decimal() = default;
    Decimal(std::int64_t integer);
    Decimal(BigInt coefficient, int scale);

    /// Parses "-12.30" or "+7" (digits on both sides of the point: ".5" and "5." are refused).
    /// An exponent is accepted, as JSON numbers may carry one, and folded into the digits:
    /// "1.5E+3" -> 1500, "25e-3" -> 0.025.
    static Result<Decimal> parse(QStringView text);
    static Result<Decimal> parse(std::string_view text);

    /// Plain notation, never an exponent, with exactly scale() fraction digits: "-0.025", "1500".
    QString toString() const;
    std::string toStdString() const;

    const BigInt &coefficient() const { return m_coefficient; }
    int scale() const { return m_scale; }
    bool isZero() const { return m_coefficient.isZero(); }
    bool isNegative() const { return m_coefficient.isNegative(); }
    int signum() const { return m_coefficient.signum(); }
    /// True when no non-zero digit lies beyond `fractionDigits`.
    bool fitsScale(int fractionDigits) const;

    Decimal negated() const;
    Decimal abs() const;

    friend Decimal operator+(const Decimal &a, const Decimal &b);
    friend Decimal operator-(const Decimal &a, const Decimal &b);
    /// Exact product; the scale is the sum of the scales. Callers bound the result with rounded().
    friend Decimal operator*(const Decimal &a, const Decimal &b);
    Decimal operator-() const { return negated(); }

    /// The value with exactly `fractionDigits` fraction digits (>= 0), rounded with `mode` when
    /// digits are dropped; padded with zeros when the scale grows.
    Decimal rounded(int fractionDigits, RoundingMode mode) const;
    /// The value with exactly `fractionDigits` fraction digits, or MONEY_INEXACT when that would
    /// drop a non-zero digit.
    Result<Decimal> rescaled(int fractionDigits) const;
    /// Trailing fraction zeros removed ("1.500" -> "1.5", "2.00" -> "2").
    Decimal normalized() const;

    /// this / divisor with `fractionDigits` fraction digits, rounded with `mode`.
    Result<Decimal> divided(const Decimal &divisor, int fractionDigits, RoundingMode mode) const;

    friend bool operator==(const Decimal &a, const Decimal &b);
    friend std::strong_ordering operator<=>(const Decimal &a, const Decimal &b);

private:
    BigInt m_coefficient;
    int m_scale = 0;
};

/// Rounds quotient + remainder/divisor (a truncated division) to an integer according to `mode`.
/// Shared by Decimal and allocation so that every rounding in the module goes through one rule.
BigInt roundQuotient(const BigInt &quotient, const BigInt &remainder, const BigInt &divisor,
                     RoundingMode mode);

} // namespace syncline::engine::money
