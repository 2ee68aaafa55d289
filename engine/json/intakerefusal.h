#pragma once

#include "engine/core/error.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace syncline::engine::json {

/// Why strict intake refused a body. A closed set: callers may switch over it, and the
/// reason codes (reasonCode()) are stable strings stored with exceptions and shown to users.
enum class IntakeReason {
    JsonSyntax,      // JSON_SYNTAX: not JSON (typo, truncated body, byte order mark, ...)
    TrailingContent, // TRAILING_CONTENT: something follows the complete value
    Utf8Invalid,     // UTF8_INVALID: bytes that are not UTF-8, or a lone surrogate escape
    NulByte,         // NUL_BYTE: a raw 0x00 byte (often a UTF-16 body)
    DepthLimit,      // DEPTH_LIMIT: arrays/objects nested deeper than the limit
    SizeLimit,       // SIZE_LIMIT: the body is larger than the limit
    DupKey,          // DUP_KEY: an object names the same member twice
    NumberPrecision, // NUMBER_PRECISION: a number beyond what a double can hold (1e400, 1e-400)
};

/// The stable code of a reason, e.g. "DUP_KEY".
QString reasonCode(IntakeReason reason);

/// Where and why a body was refused. Offsets are 0-based bytes; line and column are 1-based,
/// the column counted in characters (UTF-8 code points) of that line.
struct IntakeRefusal
{
    IntakeReason reason = IntakeReason::JsonSyntax;
    QString message;     // plain words, no position
    std::int64_t byteOffset = 0;
    int line = 1;
    int column = 1;
    /// JSON pointer of the value being read when the body was refused ("" is the whole body);
    /// nothing when the refusal precedes any value (size limit, byte order mark).
    std::optional<QString> pointer;

    QString code() const { return reasonCode(reason); }
    /// "DUP_KEY at line 1, column 15 (byte 14) in /amount: the member "amount" appears twice".
    QString describe() const;
    /// The refusal as an engine Error (code, describe()); not retryable — the same bytes will
    /// be refused again.
    Error toError() const;
};

} // namespace syncline::engine::json
