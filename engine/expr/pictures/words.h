#pragma once

#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures {

/// English words for a non-negative integer as jsonata-js writes them, in title case:
/// "One Hundred and Twenty-Three", "Twenty-Third" (ordinal), "One Thousand Trillion".
std::u32string numberToWords(double value, bool ordinal);

/// The inverse for lower-case text ("one thousand, nine hundred and eighty-four"); NaN when a
/// word is not a number word.
double wordsToNumber(std::u32string_view text);

/// The regular expression that recognises number words (alternatives in jsonata-js's order).
std::u32string wordsRegex();

} // namespace syncline::engine::expr::pictures
