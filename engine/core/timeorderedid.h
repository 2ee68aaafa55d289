#pragma once

#include <QString>

namespace syncline::engine {

// A new identifier in the RFC 9562 version 7 layout: 48 bits of Unix milliseconds, then a
// counter and random bits, printed as the usual 36-character UUID text.
//
// Ids made later sort later, as text too. The store keys its B-tree indexes by message and
// correlation id; random (version 4) ids put every insert on a different index page, so each
// commit rewrote one page per index per message. Ordered ids append to the last pages instead.
// Ids made in the same millisecond by this process still increase: the 12-bit field after the
// version counts within the millisecond (RFC 9562 §6.2, method 1).
QString newTimeOrderedId();

/// Whether `id` has the layout newTimeOrderedId() prints (lowercase, version 7). Ids from
/// elsewhere (a caller's X-Correlation-ID) may have any layout.
bool isTimeOrderedId(QStringView id);

/// The first 13 characters of a time-ordered id ("0190a1b2-c3d4"): its millisecond, in an order
/// that sorts as text.
constexpr qsizetype kTimeOrderedPrefixLength = 13;

} // namespace syncline::engine
