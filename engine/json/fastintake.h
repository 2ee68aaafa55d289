#pragma once

#include "engine/json/intake.h"
#include "engine/json/value.h"

#include <optional>
#include <string_view>

namespace syncline::engine::json {

/// The parse JsonIntake::parse tries first: simdjson's on-demand parser, straight into Values,
/// without tracking positions. It only ever accepts: whenever the body is refused, or is merely
/// unusual (a scalar at the top level, nesting deeper than kMaxDepth, escapes simdjson 3.0 does
/// not judge as strictly as the intake contract), it returns nothing and the strict parser
/// (JsonIntake::parseStrict) decides and describes the refusal. So a Value from here is the one
/// parseStrict would have returned for the same bytes and limits.
///
/// Internal to engine/json (callers use JsonIntake). Thread-safe: each thread keeps its own
/// simdjson parser for bodies up to kReusedBytes.
class FastIntake
{
public:
    static std::optional<Value> tryParse(std::string_view bytes, const IntakeLimits &limits);

    /// Deeper bodies go to the strict parser: this one recurses, once per level, and must stay
    /// well inside a small thread stack.
    static constexpr int kMaxDepth = 128;
    /// Bodies up to this size reuse the thread's parser and padded copy; simdjson keeps about
    /// five bytes per input byte, so larger bodies get their own and give the memory back.
    static constexpr std::size_t kReusedBytes = 64 * 1024;
};

/// The Value intake makes of the JSON number `text` (its RFC 8259 grammar already checked or
/// not), or nothing when strict intake refuses it: not a number, or beyond what a double can
/// hold (NUMBER_PRECISION: it overflows, or is non-zero but underflows to zero). Both parsers
/// use it, so they cannot disagree about numbers.
std::optional<Value> intakeNumber(std::string_view text);

} // namespace syncline::engine::json
