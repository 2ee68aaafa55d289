#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace syncline::engine::json {

/// The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629:
/// no overlong forms, no encoded surrogates, nothing above U+10FFFF), or nothing when all of
/// `bytes` is UTF-8.
std::optional<std::size_t> firstInvalidUtf8(std::string_view bytes);

} // namespace syncline::engine::json
