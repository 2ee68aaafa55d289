#pragma once

#include <QString>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syncline::engine::money {

/// An arbitrary-precision signed integer: the coefficient of Decimal and the carrier of minor-unit
/// amounts of any size. Plain value type, thread-compatible. Stored as base-10^9 limbs so that
/// printing and scaling by powers of ten stay cheap.
class BigInt
{
public:
    BigInt() = default;
    BigInt(std::int64_t value);

    /// Parses an optional '-' or '+' followed by one or more ASCII digits; nothing else.
    static std::optional<BigInt> fromDigits(std::string_view text);
    static std::optional<BigInt> fromDigits(QStringView text);

    /// 10^exponent (exponent >= 0).
    static BigInt powerOfTen(int exponent);

    std::string toStdString() const;
    QString toString() const;

    bool isZero() const { return m_limbs.empty(); }
    bool isNegative() const { return m_negative; }
    /// -1, 0 or 1.
    int signum() const;
    /// Number of decimal digits of the magnitude (1 for zero).
    int digitCount() const;
    /// True when the magnitude is even.
    bool isEven() const;
    /// The value when it fits in 64 bits.
    std::optional<std::int64_t> toInt64() const;

    BigInt negated() const;
    BigInt abs() const;
    BigInt timesPowerOfTen(int exponent) const;

    friend BigInt operator+(const BigInt &a, const BigInt &b);
    friend BigInt operator-(const BigInt &a, const BigInt &b);
    friend BigInt operator*(const BigInt &a, const BigInt &b);
    BigInt operator-() const { return negated(); }

    /// Truncating division: quotient rounded toward zero, remainder with the dividend's sign.
    /// The divisor must not be zero (a programmer error; callers check first).
    static std::pair<BigInt, BigInt> divMod(const BigInt &dividend, const BigInt &divisor);

    friend bool operator==(const BigInt &a, const BigInt &b) = default;
    friend std::strong_ordering operator<=>(const BigInt &a, const BigInt &b);

    /// Compares magnitudes only.
    static std::strong_ordering compareMagnitude(const BigInt &a, const BigInt &b);

private:
    using Limbs = std::vector<std::uint32_t>;

    static constexpr std::uint32_t kBase = 1000000000u;
    static constexpr int kBaseDigits = 9;

    static std::strong_ordering compareLimbs(const Limbs &a, const Limbs &b);
    static Limbs addLimbs(const Limbs &a, const Limbs &b);
    static Limbs subtractLimbs(const Limbs &larger, const Limbs &smaller);
    static Limbs multiplyLimbs(const Limbs &a, const Limbs &b);
    static Limbs multiplySmall(const Limbs &a, std::uint32_t factor);
    static void trim(Limbs &limbs);
    static BigInt make(bool negative, Limbs limbs);

    bool m_negative = false; // never true for zero
    Limbs m_limbs;           // little-endian, no leading zero limbs; empty for zero
};

} // namespace syncline::engine::money
