#pragma once

// Interning of object member names (json::Key). Internal to engine/json.

#include "engine/json/valuerep.h"

#include <cstdint>
#include <string_view>

namespace syncline::engine::json::detail {

const StringRep *makeEmptyKeyRep();

/// The representation of the empty name; immortal. Inline: every Key move leaves it behind.
inline const StringRep *emptyKeyRep()
{
    static const StringRep *const rep = makeEmptyKeyRep();
    return rep;
}

/// The representation Key(text) holds: the interned one for short names while the table has
/// room (immortal, compares by pointer), else a new counted string. A per-thread cache of
/// interned names sits in front of the shared table, so a name the thread has seen before is
/// found without taking a lock. Thread-safe.
const StringRep *makeKeyRep(std::string_view text);

/// The shared, mutex-guarded table alone, without the per-thread cache: what makeKeyRep did
/// before the cache. `hash` is Key::hashOf(text); `text` is non-empty and at most
/// kInternMaxLength bytes. Exposed for bench/intake, which measures what the cache saves.
const StringRep *internKeyRep(std::string_view text, std::uint64_t hash);

/// Longer names are not interned (they are rarely repeated, and would crowd the table).
constexpr std::size_t kInternMaxLength = 64;

} // namespace syncline::engine::json::detail
