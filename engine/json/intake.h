#pragma once

#include "engine/core/result.h"
#include "engine/json/intakerefusal.h"
#include "engine/json/value.h"

#include <QByteArray>
#include <QIODevice>

#include <cstdint>
#include <string_view>
#include <variant>

namespace syncline::engine::json {

/// Bounds checked while a body is parsed, before any tree is built.
struct IntakeLimits
{
    /// Bodies larger than this are refused with SIZE_LIMIT without being parsed.
    std::int64_t maxBytes = 5 * 1024 * 1024;
    /// Arrays and objects nested deeper than this are refused with DEPTH_LIMIT ("[[1]]" has
    /// depth 2). Values above kDepthCeiling are treated as kDepthCeiling: Values are released
    /// recursively, and a deeper tree could exhaust a small thread stack.
    int maxDepth = 64;

    static constexpr int kDepthCeiling = 1000;
};

/// Either the accepted value or the reason the body was refused.
class IntakeResult
{
public:
    IntakeResult(Value value)
        : m_state(std::move(value))
    {}
    IntakeResult(IntakeRefusal refusal)
        : m_state(std::move(refusal))
    {}

    bool ok() const { return m_state.index() == 0; }
    const Value &value() const { return std::get<0>(m_state); }
    const IntakeRefusal &refusal() const { return std::get<1>(m_state); }
    /// As an engine Result (the refusal becomes IntakeRefusal::toError()).
    Result<Value> toResult() const;

private:
    std::variant<Value, IntakeRefusal> m_state;
};

/// Strict intake of JSON from outside (webhook bodies, HTTP responses, files, samples): the
/// bytes are accepted exactly or refused with a reason and a position, never half-read or
/// quietly changed.
///
/// On top of RFC 8259 it refuses: duplicate member names (DUP_KEY — "last wins" is how payment
/// fields get forged), raw NUL bytes, invalid UTF-8 and lone surrogate escapes, a leading byte
/// order mark, anything after the value, numbers beyond what a double can hold, bodies over the
/// size limit and nesting over the depth limit. Numbers keep their source text (see Value), so
/// "18446744073709551616" and "0.10" are written back unchanged.
///
/// Two parsers, one verdict. parse() first reads the body with simdjson, without tracking
/// positions (FastIntake, several times faster); only a body that parser would not accept as is
/// (refused, or unusual: a scalar at the top level, nesting past 128 levels, surrogate escapes
/// it does not judge strictly enough) is read again by the strict, position-tracking parser,
/// which alone decides refusals and describes them. The result is always exactly
/// parseStrict()'s.
///
/// Stateless and thread-safe (each thread keeps a simdjson parser of about 350 KB for bodies up
/// to 64 KiB). The strict parser keeps its own stack on the heap, so a body nested a million
/// deep is refused with DEPTH_LIMIT even on a thread with a small stack.
class JsonIntake
{
public:
    static IntakeResult parse(std::string_view bytes, const IntakeLimits &limits = {});
    static IntakeResult parse(const QByteArray &bytes, const IntakeLimits &limits = {});
    /// The strict parser alone: what parse() returns for every body, only slower on bodies that
    /// are accepted. Public so the two can be compared (tests/engine/json_intake) and measured
    /// (bench/intake); callers have no reason to prefer it.
    static IntakeResult parseStrict(std::string_view bytes, const IntakeLimits &limits = {});

    /// Reads and parses `device` (a file, a socket, stdin), reading at most maxBytes + 1 bytes
    /// so that an oversized body is refused (SIZE_LIMIT) without being loaded. Fails with
    /// READ_FAILED when the device is not readable.
    static Result<IntakeResult> read(QIODevice &device, const IntakeLimits &limits = {});
    /// As read(), for the file at `path` (FILE_UNREADABLE when it cannot be opened).
    static Result<IntakeResult> readFile(const QString &path, const IntakeLimits &limits = {});
};

} // namespace syncline::engine::json
