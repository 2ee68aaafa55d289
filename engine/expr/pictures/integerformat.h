#pragma once

#include "engine/core/result.h"

#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures {

/// $formatInteger(value, picture): F&O 3.1 §4.6.1 fn:format-integer as jsonata-js implements it.
/// `value` is floored first (jsonata-js does Math.floor). Picture primary tokens:
///   decimal digit patterns from any Unicode decimal digit family ("1", "001", "#,##0", "١٢٣",
///   "#;###" irregular grouping), "a"/"A" (spreadsheet letters), "i"/"I" (roman numerals),
///   "w", "W", "Ww" (English words: "one hundred and twenty-three"); after ';' the modifier "o"
///   selects ordinals ("1st", "first"), "c" cardinals.
/// Errors: D3130 for an unsupported numbering sequence, D3131 for digits of mixed families.
/// Pure function; safe from any thread.
Result<std::string> formatInteger(double value, std::string_view picture);

/// $parseInteger(text, picture): the inverse of formatInteger with the same picture grammar.
/// Like jsonata-js it does not validate `text` against the picture: text that does not fit
/// yields NaN (the caller decides how to surface that). Errors: D3130, D3131.
Result<double> parseInteger(std::string_view text, std::string_view picture);

} // namespace syncline::engine::expr::pictures
