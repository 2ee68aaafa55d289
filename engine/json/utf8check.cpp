#include "utf8check.h"

namespace syncline::engine::json {

namespace {

bool isContinuation(unsigned char byte)
{
    return (byte & 0xC0u) == 0x80u;
}

// Length of the well-formed sequence at `bytes[at]`, or 0. The ranges of the second byte follow
// table 3-7 of the Unicode standard, which rules out overlong forms and surrogates.
std::size_t sequenceLength(std::string_view bytes, std::size_t at)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[at + i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80u) {
        return 1;
    }
    std::size_t length = 0;
    unsigned char low = 0x80u;
    unsigned char high = 0xBFu;
    if (lead >= 0xC2u && lead <= 0xDFu) {
        length = 2;
    } else if (lead >= 0xE0u && lead <= 0xEFu) {
        length = 3;
        low = lead == 0xE0u ? 0xA0u : 0x80u;
        high = lead == 0xEDu ? 0x9Fu : 0xBFu;
    } else if (lead >= 0xF0u && lead <= 0xF4u) {
        length = 4;
        low = lead == 0xF0u ? 0x90u : 0x80u;
        high = lead == 0xF4u ? 0x8Fu : 0xBFu;
    } else {
        return 0;
    }
    if (at + length > bytes.size() || byte(1) < low || byte(1) > high) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (!isContinuation(byte(i))) {
            return 0;
        }
    }
    return length;
}

} // namespace

std::optional<std::size_t> firstInvalidUtf8(std::string_view bytes)
{
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::size_t length = sequenceLength(bytes, at);
        if (length == 0) {
            return at;
        }
        at += length;
    }
    return std::nullopt;
}

} // namespace syncline::engine::json
