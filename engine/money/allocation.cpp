#include "allocation.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace syncline::engine::money {

Result<QList<Decimal>> allocateEvenly(const Decimal &total, int parts, int fractionDigits)
{
    if (parts < 1) {
        return Error::make(QStringLiteral("MONEY_ALLOCATION"),
                           QStringLiteral("cannot split %1 into %2 parts")
                               .arg(total.toString())
                               .arg(parts));
    }
    return allocateByWeights(total, QList<Decimal>(parts, Decimal(1)), fractionDigits);
}

Result<QList<Decimal>> allocateByWeights(const Decimal &total, const QList<Decimal> &weights,
                                         int fractionDigits)
{
    fractionDigits = std::max(fractionDigits, 0);
    const Result<Decimal> exactTotal = total.rescaled(fractionDigits);
    if (!exactTotal) {
        return exactTotal.error();
    }
    if (weights.isEmpty()) {
        return Error::make(QStringLiteral("MONEY_ALLOCATION"),
                           QStringLiteral("cannot split %1 over no parts").arg(total.toString()));
    }
    int weightScale = 0;
    for (const Decimal &weight : weights) {
        if (weight.isNegative()) {
            return Error::make(QStringLiteral("MONEY_ALLOCATION"),
                               QStringLiteral("weight %1 is negative").arg(weight.toString()));
        }
        weightScale = std::max(weightScale, weight.scale());
    }
    // Integer weights at a common scale; the ratio w_i / W is what matters.
    std::vector<BigInt> integerWeights;
    integerWeights.reserve(std::size_t(weights.size()));
    BigInt weightSum;
    for (const Decimal &weight : weights) {
        integerWeights.push_back(weight.rounded(weightScale, RoundingMode::Down).coefficient());
        weightSum = weightSum + integerWeights.back();
    }
    if (weightSum.isZero()) {
        return Error::make(QStringLiteral("MONEY_ALLOCATION"),
                           QStringLiteral("cannot split %1 when every weight is zero")
                               .arg(total.toString()));
    }

    // Work on the magnitude so that negative totals mirror positive ones exactly.
    const BigInt units = exactTotal->coefficient().abs();
    std::vector<BigInt> shares;
    std::vector<BigInt> remainders;
    BigInt allocated;
    for (const BigInt &weight : integerWeights) {
        auto [share, remainder] = BigInt::divMod(units * weight, weightSum);
        allocated = allocated + share;
        shares.push_back(std::move(share));
        remainders.push_back(std::move(remainder));
    }
    std::vector<std::size_t> order(shares.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return remainders[a] > remainders[b];
    });
    // Fewer units are left over than there are parts with a non-zero remainder.
    BigInt leftover = units - allocated;
    for (std::size_t i = 0; !leftover.isZero() && i < order.size(); ++i) {
        shares[order[i]] = shares[order[i]] + BigInt(1);
        leftover = leftover - BigInt(1);
    }

    QList<Decimal> result;
    result.reserve(qsizetype(shares.size()));
    for (const BigInt &share : shares) {
        result.append(Decimal(total.isNegative() ? share.negated() : share, fractionDigits));
    }
    return result;
}

} // namespace syncline::engine::money
