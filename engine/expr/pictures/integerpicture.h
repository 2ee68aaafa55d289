#pragma once

#include "engine/core/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::engine::expr::pictures {

enum class IntegerPrimary { Decimal, Letters, Roman, Words, Sequence };
enum class LetterCase { Upper, Lower, Title };

struct GroupingSeparator
{
    int position = 0; ///< digits to its right in the picture
    char32_t character = 0;
};

/// An analysed fn:format-integer picture (F&O 3.1 §4.6.1), as jsonata-js's analyseIntegerPicture
/// builds it. Shared by formatInteger, parseInteger and the integer components of date pictures.
struct IntegerPicture
{
    IntegerPrimary primary = IntegerPrimary::Decimal;
    LetterCase letterCase = LetterCase::Lower;
    bool ordinal = false;
    char32_t zeroCode = U'0';
    int mandatoryDigits = 0;
    int optionalDigits = 0;
    /// Regular grouping: one separator repeated every `regularPosition` digits.
    bool regular = false;
    int regularPosition = 0;
    char32_t regularCharacter = 0;
    /// Irregular grouping: every separator, rightmost first.
    std::vector<GroupingSeparator> separators;
    /// The primary token of an unsupported numbering sequence (reported by D3130).
    std::u32string token;
    /// Exact digit count when parsing a component that is followed directly by another one.
    std::optional<int> parseWidth;
};

/// Analyses `picture` ("#,##0;o", "W", "i", ...). Error D3131 for digits of different families.
Result<IntegerPicture> analyseIntegerPicture(std::u32string_view picture);

/// Formats an integral `value` by an analysed picture. Error D3130 for a numbering sequence.
Result<std::u32string> formatWithPicture(double value, const IntegerPicture &picture);

/// The regular expression (JavaScript syntax) that recognises a formatted integer, and its
/// parser, as jsonata-js's generateRegex builds them. `parse` gives NaN for text it cannot read.
struct IntegerMatcher
{
    std::u32string regex;
    IntegerPicture picture;
    double parse(std::u32string_view text) const;
};
Result<IntegerMatcher> integerMatcher(const IntegerPicture &picture);

/// The F&O / jsonata-js error `code` with jsonata-js's message; `valueJson` fills its {{value}}
/// (JSON text, as jsonata-js inserts JSON.stringify(value)).
Error pictureError(std::string_view code, std::string_view valueJson = {});
/// JSON.stringify of a string.
std::string jsonQuote(std::u32string_view text);

} // namespace syncline::engine::expr::pictures
