#pragma once

#include <string>
#include <string_view>

namespace syncline::engine::expr::pictures {

// Pictures are analysed as sequences of code points: jsonata-js works on UTF-16 code units, which
// is the same thing for every character of the Basic Multilingual Plane.

/// Decodes UTF-8; an invalid byte becomes U+FFFD.
std::u32string toUtf32(std::string_view text);
/// Encodes code points as UTF-8.
std::string toUtf8(std::u32string_view text);
/// JavaScript's String.prototype.toUpperCase / toLowerCase for ASCII letters; other characters
/// are returned unchanged (the pictures only ever case-map English words and roman numerals).
std::u32string asciiUpper(std::u32string text);
std::u32string asciiLower(std::u32string text);

} // namespace syncline::engine::expr::pictures
