#pragma once

namespace syncline::engine::store {

/// The name of an SQLite VFS that gathers the frames SQLite appends to a write-ahead log and
/// writes them with one call when the log is synced, instead of two calls per frame (its header,
/// then its page). Everything else is the platform's own VFS, unchanged.
///
/// Nothing becomes visible or durable later than before: SQLite makes new frames visible to
/// readers only after the sync that commits them, and any other access to the log (a read, its
/// size, a truncation, closing it) first writes what is gathered. A crash loses only frames that
/// were never synced, which SQLite ignores anyway.
///
/// Registered on first use; thread-safe.
const char *walGatheringVfs();

} // namespace syncline::engine::store
