#pragma once

#include "engine/core/result.h"
#include "engine/money/decimal.h"

#include <QList>

namespace syncline::engine::money {

/// Splits `total` into `parts` amounts with `fractionDigits` fraction digits that sum exactly to
/// `total`, by largest remainder: every part gets the truncated even share, and the units left
/// over go one each to the parts with the largest remainders, earlier parts first on ties.
/// 100.00 over 3 -> 33.34, 33.33, 33.33; -100.00 over 3 -> -33.34, -33.33, -33.33.
/// Refuses MONEY_INEXACT when `total` has more fraction digits than `fractionDigits` (round it
/// first, with the mode the business rule asks for) and MONEY_ALLOCATION when parts < 1.
Result<QList<Decimal>> allocateEvenly(const Decimal &total, int parts, int fractionDigits);

/// As above, proportionally to `weights` (non-negative, not all zero; any scale):
/// 100.00 by 1, 1, 1 -> 33.34, 33.33, 33.33; 10.00 by 0.7, 0.3 -> 7.00, 3.00. A part with
/// weight zero always receives zero.
Result<QList<Decimal>> allocateByWeights(const Decimal &total, const QList<Decimal> &weights,
                                         int fractionDigits);

} // namespace syncline::engine::money
