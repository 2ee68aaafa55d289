#include "decimal.h"

#include <algorithm>

namespace syncline::engine::money {

namespace {

constexpr int kMaxExponentDigits = 6;

Error syntaxError(std::string_view text)
{
    return Error::make(QStringLiteral("MONEY_SYNTAX"),
                       QStringLiteral("\"%1\" is not a decimal number")
                           .arg(QString::fromUtf8(text.data(), qsizetype(text.size()))));
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

std::string_view takeDigits(std::string_view &rest)
{
    std::size_t count = 0;
    while (count < rest.size() && isDigit(rest[count])) {
        ++count;
    }
    const std::string_view digits = rest.substr(0, count);
    rest.remove_prefix(count);
    return digits;
}

// Brings both coefficients to the larger of the two scales.
std::pair<BigInt, BigInt> aligned(const Decimal &a, const Decimal &b)
{
    const int scale = std::max(a.scale(), b.scale());
    return {a.coefficient().timesPowerOfTen(scale - a.scale()),
            b.coefficient().timesPowerOfTen(scale - b.scale())};
}

} // namespace

Decimal::Decimal(std::int64_t integer)
    : m_coefficient(integer)
{}

Decimal::Decimal(BigInt coefficient, int scale)
    : m_coefficient(std::move(coefficient))
    , m_scale(std::max(scale, 0))
{}

Result<Decimal> Decimal::parse(QStringView text)
{
    const QByteArray utf8 = text.toUtf8();
    return parse(std::string_view(utf8.constData(), std::size_t(utf8.size())));
}

Result<Decimal> Decimal::parse(std::string_view text)
{
    std::string_view rest = text;
    bool negative = false;
    if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
        negative = rest.front() == '-';
        rest.remove_prefix(1);
    }
    const std::string_view integerDigits = takeDigits(rest);
    if (integerDigits.empty()) {
        return syntaxError(text);
    }
    std::string_view fractionDigits;
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        fractionDigits = takeDigits(rest);
        if (fractionDigits.empty()) {
            return syntaxError(text);
        }
    }
    long exponent = 0;
    if (!rest.empty() && (rest.front() == 'e' || rest.front() == 'E')) {
        rest.remove_prefix(1);
        bool negativeExponent = false;
        if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
            negativeExponent = rest.front() == '-';
            rest.remove_prefix(1);
        }
        std::string_view exponentDigits = takeDigits(rest);
        if (exponentDigits.empty()) {
            return syntaxError(text);
        }
        while (exponentDigits.size() > 1 && exponentDigits.front() == '0') {
            exponentDigits.remove_prefix(1);
        }
        if (exponentDigits.size() > std::size_t(kMaxExponentDigits)) {
            return Error::make(QStringLiteral("MONEY_RANGE"),
                               QStringLiteral("the exponent of \"%1\" is out of range")
                                   .arg(QString::fromUtf8(text.data(), qsizetype(text.size()))));
        }
        for (const char c : exponentDigits) {
            exponent = exponent * 10 + (c - '0');
        }
        exponent = negativeExponent ? -exponent : exponent;
    }
    if (!rest.empty()) {
        return syntaxError(text);
    }

    std::string digits(integerDigits);
    digits += fractionDigits;
    const long scale = long(fractionDigits.size()) - exponent;
    const std::size_t firstSignificant = std::min(digits.find_first_not_of('0'), digits.size());
    const long significantDigits = long(digits.size() - firstSignificant);
    const long integerPart = significantDigits - scale;
    if (scale > kMaxDigits || integerPart > kMaxDigits) {
        return Error::make(QStringLiteral("MONEY_RANGE"),
                           QStringLiteral("\"%1\" has more than %2 digits before or after the "
                                          "decimal point")
                               .arg(QString::fromUtf8(text.data(), qsizetype(text.size())))
                               .arg(kMaxDigits));
    }
    BigInt coefficient = *BigInt::fromDigits(std::string_view(digits));
    if (negative) {
        coefficient = coefficient.negated();
    }
    if (scale < 0) {
        return Decimal(coefficient.timesPowerOfTen(int(-scale)), 0);
    }
    return Decimal(std::move(coefficient), int(scale));
}

QString Decimal::toString() const
{
    return QString::fromStdString(toStdString());
}

std::string Decimal::toStdString() const
{
    std::string digits = m_coefficient.abs().toStdString();
    if (m_scale > 0) {
        if (digits.size() <= std::size_t(m_scale)) {
            digits.insert(0, std::size_t(m_scale) + 1 - digits.size(), '0');
        }
        digits.insert(digits.size() - std::size_t(m_scale), 1, '.');
    }
    if (m_coefficient.isNegative()) {
        digits.insert(0, 1, '-');
    }
    return digits;
}

bool Decimal::fitsScale(int fractionDigits) const
{
    if (fractionDigits >= m_scale) {
        return true;
    }
    const BigInt divisor = BigInt::powerOfTen(m_scale - std::max(fractionDigits, 0));
    return BigInt::divMod(m_coefficient, divisor).second.isZero();
}

Decimal Decimal::negated() const
{
    return Decimal(m_coefficient.negated(), m_scale);
}

Decimal Decimal::abs() const
{
    return Decimal(m_coefficient.abs(), m_scale);
}

Decimal operator+(const Decimal &a, const Decimal &b)
{
    const auto [left, right] = aligned(a, b);
    return Decimal(left + right, std::max(a.m_scale, b.m_scale));
}

Decimal operator-(const Decimal &a, const Decimal &b)
{
    return a + b.negated();
}

Decimal operator*(const Decimal &a, const Decimal &b)
{
    return Decimal(a.m_coefficient * b.m_coefficient, a.m_scale + b.m_scale);
}

Decimal Decimal::rounded(int fractionDigits, RoundingMode mode) const
{
    fractionDigits = std::max(fractionDigits, 0);
    if (fractionDigits >= m_scale) {
        return Decimal(m_coefficient.timesPowerOfTen(fractionDigits - m_scale), fractionDigits);
    }
    const BigInt divisor = BigInt::powerOfTen(m_scale - fractionDigits);
    const auto [quotient, remainder] = BigInt::divMod(m_coefficient, divisor);
    return Decimal(roundQuotient(quotient, remainder, divisor, mode), fractionDigits);
}

Result<Decimal> Decimal::rescaled(int fractionDigits) const
{
    if (!fitsScale(fractionDigits)) {
        return Error::make(QStringLiteral("MONEY_INEXACT"),
                           QStringLiteral("%1 has more than %2 fraction digits")
                               .arg(toString())
                               .arg(fractionDigits));
    }
    return rounded(fractionDigits, RoundingMode::Down);
}

Decimal Decimal::normalized() const
{
    int scale = m_scale;
    while (scale > 0 && fitsScale(scale - 1)) {
        --scale;
    }
    return rounded(scale, RoundingMode::Down);
}

Result<Decimal> Decimal::divided(const Decimal &divisor, int fractionDigits,
                                 RoundingMode mode) const
{
    if (divisor.isZero()) {
        return Error::make(QStringLiteral("MONEY_DIVISION_BY_ZERO"),
                           QStringLiteral("cannot divide %1 by zero").arg(toString()));
    }
    fractionDigits = std::clamp(fractionDigits, 0, kMaxDigits);
    const int exponent = fractionDigits + divisor.m_scale - m_scale;
    BigInt numerator = m_coefficient;
    BigInt denominator = divisor.m_coefficient;
    if (exponent >= 0) {
        numerator = numerator.timesPowerOfTen(exponent);
    } else {
        denominator = denominator.timesPowerOfTen(-exponent);
    }
    const auto [quotient, remainder] = BigInt::divMod(numerator, denominator);
    return Decimal(roundQuotient(quotient, remainder, denominator, mode), fractionDigits);
}

bool operator==(const Decimal &a, const Decimal &b)
{
    return (a <=> b) == 0;
}

std::strong_ordering operator<=>(const Decimal &a, const Decimal &b)
{
    const auto [left, right] = aligned(a, b);
    return left <=> right;
}

BigInt roundQuotient(const BigInt &quotient, const BigInt &remainder, const BigInt &divisor,
                     RoundingMode mode)
{
    if (remainder.isZero()) {
        return quotient;
    }
    // The exact value lies strictly between quotient and the next integer away from zero.
    const BigInt awayFromZero = quotient + BigInt(remainder.signum() * divisor.signum());
    const std::strong_ordering half = BigInt::compareMagnitude(remainder + remainder, divisor);
    switch (mode) {
    case RoundingMode::Down:
        return quotient;
    case RoundingMode::Up:
        return awayFromZero;
    case RoundingMode::HalfUp:
        return half >= 0 ? awayFromZero : quotient;
    case RoundingMode::HalfEven:
        if (half == 0) {
            return quotient.isEven() ? quotient : awayFromZero;
        }
        return half > 0 ? awayFromZero : quotient;
    }
    return quotient;
}

} // namespace syncline::engine::money
