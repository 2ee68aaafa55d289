#pragma once

#include "engine/core/result.h"

#include <optional>
#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures {

/// $toMillis(timestamp) without a picture: the ISO 8601 forms jsonata-js accepts (its regular
/// expression, then JavaScript's Date.parse); D3110 otherwise, NaN for an impossible date.
Result<std::optional<double>> parseIsoTimestamp(std::string_view timestamp);

/// $toMillis(timestamp, picture): parses by a date/time picture as jsonata-js's parseDateTime does;
/// nullopt when the picture does not match. `nowMillis` fills the components left of the ones given.
Result<std::optional<double>> parseWithPicture(const std::u32string &timestamp,
                                               const std::u32string &picture, double nowMillis);

} // namespace syncline::engine::expr::pictures
