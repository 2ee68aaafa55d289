#pragma once

#include "engine/core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures {

/// Milliseconds since the Unix epoch from the system clock. $now and $millis take it once per
/// evaluation and reuse it, as jsonata-js does (every call in one evaluation sees one instant).
std::int64_t currentMillis();

/// $fromMillis(millis, picture, timezone) and $now(picture, timezone).
/// Formats `millis` (ms since the epoch, fraction truncated as a JavaScript Date does) by an
/// F&O 3.1 §9.8 date/time picture: components [Y] [M] [D] [d] [F] [W] [w] [X] [x] [H] [h] [P] [m]
/// [s] [f] [Z] [z] [C] [E] with presentation modifiers (1, 01, i, I, a, A, w, W, Ww, N, n, Nn, #)
/// the second modifier o/c/t, and width modifiers (",2", ",*-3", ",2-2").
/// Without a picture the result is ISO 8601 with milliseconds and "Z"
/// ("2018-02-01T09:42:13.123Z"), like JavaScript's Date.toISOString; with a `timezone` ("±HHMM")
/// the local time there is shown with its offset ("+05:30").
/// Errors: D3130..D3135 (picture), with jsonata-js's messages. Pure; safe from any thread.
Result<std::string> fromMillis(double millis, std::optional<std::string_view> picture = std::nullopt,
                               std::optional<std::string_view> timezone = std::nullopt);

/// $toMillis(timestamp, picture).
/// Without a picture `timestamp` must be ISO 8601 as jsonata-js accepts it ("2018", "2018-02",
/// "2018-02-01", "2018-02-01T09:42:13.123+01:00", "…Z"); anything else is D3110. A timestamp
/// without an offset is taken as UTC. A timestamp of that shape that is no date (month 13) gives
/// NaN, as JavaScript's Date.parse does.
/// With a picture the timestamp is parsed by it (same grammar as fromMillis); missing
/// components are filled as jsonata-js does: more significant ones from `nowMillis` (pass the
/// evaluation's timestamp), less significant ones with their minimum.
/// Returns nullopt when the picture does not match the timestamp or matches no component
/// (jsonata-js returns undefined then). Errors: D3110, D3130..D3136.
Result<std::optional<double>> toMillis(std::string_view timestamp,
                                       std::optional<std::string_view> picture = std::nullopt,
                                       std::int64_t nowMillis = 0);

} // namespace syncline::engine::expr::pictures
