#include "bigint.h"

#include <algorithm>

namespace syncline::engine::money {

BigInt::BigInt(std::int64_t value)
{
    m_negative = value < 0;
    // Negate in unsigned arithmetic so that the most negative value does not overflow.
    std::uint64_t magnitude = m_negative ? 0u - std::uint64_t(value) : std::uint64_t(value);
    while (magnitude != 0) {
        m_limbs.push_back(std::uint32_t(magnitude % kBase));
        magnitude /= kBase;
    }
}

std::optional<BigInt> BigInt::fromDigits(std::string_view text)
{
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    Limbs limbs;
    limbs.reserve(text.size() / kBaseDigits + 1);
    for (std::size_t end = text.size(); end > 0;) {
        const std::size_t begin = end >= std::size_t(kBaseDigits) ? end - kBaseDigits : 0;
        std::uint32_t limb = 0;
        for (std::size_t i = begin; i < end; ++i) {
            limb = limb * 10 + std::uint32_t(text[i] - '0');
        }
        limbs.push_back(limb);
        end = begin;
    }
    return make(negative, std::move(limbs));
}

std::optional<BigInt> BigInt::fromDigits(QStringView text)
{
    std::string ascii;
    ascii.reserve(std::size_t(text.size()));
    for (const QChar c : text) {
        if (c.unicode() > 0x7f) {
            return std::nullopt;
        }
        ascii.push_back(char(c.unicode()));
    }
    return fromDigits(std::string_view(ascii));
}

BigInt BigInt::powerOfTen(int exponent)
{
    return BigInt(1).timesPowerOfTen(exponent);
}

std::string BigInt::toStdString() const
{
    if (m_limbs.empty()) {
        return "0";
    }
    std::string text = m_negative ? "-" : "";
    text += std::to_string(m_limbs.back());
    for (auto it = m_limbs.rbegin() + 1; it != m_limbs.rend(); ++it) {
        const std::string limb = std::to_string(*it);
        text.append(std::size_t(kBaseDigits) - limb.size(), '0');
        text += limb;
    }
    return text;
}

QString BigInt::toString() const
{
    return QString::fromStdString(toStdString());
}

int BigInt::signum() const
{
    if (m_limbs.empty()) {
        return 0;
    }
    return m_negative ? -1 : 1;
}

int BigInt::digitCount() const
{
    if (m_limbs.empty()) {
        return 1;
    }
    int digits = int(m_limbs.size() - 1) * kBaseDigits;
    for (std::uint32_t top = m_limbs.back(); top != 0; top /= 10) {
        ++digits;
    }
    return digits;
}

bool BigInt::isEven() const
{
    // The base is even, so only the lowest limb decides.
    return m_limbs.empty() || m_limbs.front() % 2 == 0;
}

std::optional<std::int64_t> BigInt::toInt64() const
{
    if (m_limbs.size() > 3) {
        return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    for (auto it = m_limbs.rbegin(); it != m_limbs.rend(); ++it) {
        if (magnitude > (UINT64_MAX - *it) / kBase) {
            return std::nullopt;
        }
        magnitude = magnitude * kBase + *it;
    }
    const std::uint64_t limit = std::uint64_t(INT64_MAX) + (m_negative ? 1u : 0u);
    if (magnitude > limit) {
        return std::nullopt;
    }
    if (m_negative) {
        return std::int64_t(0u - magnitude);
    }
    return std::int64_t(magnitude);
}

BigInt BigInt::negated() const
{
    return make(!m_negative, m_limbs);
}

BigInt BigInt::abs() const
{
    return make(false, m_limbs);
}

BigInt BigInt::timesPowerOfTen(int exponent) const
{
    if (m_limbs.empty() || exponent <= 0) {
        return *this;
    }
    Limbs limbs(std::size_t(exponent / kBaseDigits), 0u);
    limbs.insert(limbs.end(), m_limbs.begin(), m_limbs.end());
    std::uint32_t factor = 1;
    for (int i = 0; i < exponent % kBaseDigits; ++i) {
        factor *= 10;
    }
    return make(m_negative, multiplySmall(limbs, factor));
}

BigInt operator+(const BigInt &a, const BigInt &b)
{
    if (a.m_negative == b.m_negative) {
        return BigInt::make(a.m_negative, BigInt::addLimbs(a.m_limbs, b.m_limbs));
    }
    if (BigInt::compareLimbs(a.m_limbs, b.m_limbs) >= 0) {
        return BigInt::make(a.m_negative, BigInt::subtractLimbs(a.m_limbs, b.m_limbs));
    }
    return BigInt::make(b.m_negative, BigInt::subtractLimbs(b.m_limbs, a.m_limbs));
}

BigInt operator-(const BigInt &a, const BigInt &b)
{
    return a + b.negated();
}

BigInt operator*(const BigInt &a, const BigInt &b)
{
    return BigInt::make(a.m_negative != b.m_negative, BigInt::multiplyLimbs(a.m_limbs, b.m_limbs));
}

std::pair<BigInt, BigInt> BigInt::divMod(const BigInt &dividend, const BigInt &divisor)
{
    const Limbs &d = divisor.m_limbs;
    Limbs quotient(dividend.m_limbs.size(), 0u);
    Limbs remainder;
    for (std::size_t i = dividend.m_limbs.size(); i-- > 0;) {
        remainder.insert(remainder.begin(), dividend.m_limbs[i]);
        trim(remainder);
        if (compareLimbs(remainder, d) < 0) {
            continue;
        }
        // The quotient digit is the largest q in [1, base) with d * q <= remainder.
        std::uint32_t low = 1;
        std::uint32_t high = kBase - 1;
        while (low < high) {
            const std::uint32_t middle = low + (high - low + 1) / 2;
            if (compareLimbs(multiplySmall(d, middle), remainder) <= 0) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        quotient[i] = low;
        remainder = subtractLimbs(remainder, multiplySmall(d, low));
    }
    return {make(dividend.m_negative != divisor.m_negative, std::move(quotient)),
            make(dividend.m_negative, std::move(remainder))};
}

std::strong_ordering operator<=>(const BigInt &a, const BigInt &b)
{
    if (a.m_negative != b.m_negative) {
        return a.m_negative ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    const std::strong_ordering magnitude = BigInt::compareLimbs(a.m_limbs, b.m_limbs);
    if (a.m_negative) {
        return 0 <=> magnitude;
    }
    return magnitude;
}

std::strong_ordering BigInt::compareMagnitude(const BigInt &a, const BigInt &b)
{
    return compareLimbs(a.m_limbs, b.m_limbs);
}

std::strong_ordering BigInt::compareLimbs(const Limbs &a, const Limbs &b)
{
    if (a.size() != b.size()) {
        return a.size() <=> b.size();
    }
    for (std::size_t i = a.size(); i-- > 0;) {
        if (a[i] != b[i]) {
            return a[i] <=> b[i];
        }
    }
    return std::strong_ordering::equal;
}

BigInt::Limbs BigInt::addLimbs(const Limbs &a, const Limbs &b)
{
    Limbs sum;
    sum.reserve(std::max(a.size(), b.size()) + 1);
    std::uint32_t carry = 0;
    for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry != 0; ++i) {
        std::uint32_t limb = carry;
        limb += i < a.size() ? a[i] : 0u;
        limb += i < b.size() ? b[i] : 0u;
        carry = limb >= kBase ? 1u : 0u;
        sum.push_back(limb - carry * kBase);
    }
    trim(sum);
    return sum;
}

BigInt::Limbs BigInt::subtractLimbs(const Limbs &larger, const Limbs &smaller)
{
    Limbs difference = larger;
    std::uint32_t borrow = 0;
    for (std::size_t i = 0; i < difference.size(); ++i) {
        const std::uint32_t subtrahend = (i < smaller.size() ? smaller[i] : 0u) + borrow;
        if (difference[i] >= subtrahend) {
            difference[i] -= subtrahend;
            borrow = 0;
        } else {
            difference[i] = difference[i] + kBase - subtrahend;
            borrow = 1;
        }
    }
    trim(difference);
    return difference;
}

BigInt::Limbs BigInt::multiplyLimbs(const Limbs &a, const Limbs &b)
{
    if (a.empty() || b.empty()) {
        return {};
    }
    std::vector<std::uint64_t> wide(a.size() + b.size(), 0u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::uint64_t carry = 0;
        for (std::size_t j = 0; j < b.size(); ++j) {
            const std::uint64_t cell = wide[i + j] + std::uint64_t(a[i]) * b[j] + carry;
            wide[i + j] = cell % kBase;
            carry = cell / kBase;
        }
        for (std::size_t k = i + b.size(); carry != 0; ++k) {
            const std::uint64_t cell = wide[k] + carry;
            wide[k] = cell % kBase;
            carry = cell / kBase;
        }
    }
    Limbs product(wide.begin(), wide.end());
    trim(product);
    return product;
}

BigInt::Limbs BigInt::multiplySmall(const Limbs &a, std::uint32_t factor)
{
    Limbs product;
    product.reserve(a.size() + 1);
    std::uint64_t carry = 0;
    for (const std::uint32_t limb : a) {
        const std::uint64_t cell = std::uint64_t(limb) * factor + carry;
        product.push_back(std::uint32_t(cell % kBase));
        carry = cell / kBase;
    }
    if (carry != 0) {
        product.push_back(std::uint32_t(carry));
    }
    trim(product);
    return product;
}

void BigInt::trim(Limbs &limbs)
{
    while (!limbs.empty() && limbs.back() == 0) {
        limbs.pop_back();
    }
}

BigInt BigInt::make(bool negative, Limbs limbs)
{
    trim(limbs);
    BigInt value;
    value.m_negative = negative && !limbs.empty();
    value.m_limbs = std::move(limbs);
    return value;
}

} // namespace syncline::engine::money
