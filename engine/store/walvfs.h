#pragma once

namespace syncline::engine::store {

/// The name of an SQLite VFS that gathers adjacent writes to a database and its write-ahead log
/// and makes them as a few large writes when the file is synced: the frames of a commit (two
/// writes per frame otherwise, its header and its page) and the pages a checkpoint copies back
/// (one write per page otherwise; new pages are adjacent). Everything else is the platform's
/// own VFS, unchanged.
///
/// Nothing becomes visible or durable later than before. SQLite shows readers new frames only
/// after the sync that commits them, and pages a checkpoint copied only after it synced the
/// database; any other access to the file (a read, its size, a lock, a truncation, closing it)
/// first writes what is gathered. A crash loses only writes that were never synced, which
/// SQLite ignores anyway.
///
/// Registered on first use; thread-safe.
const char *walGatheringVfs();

} // namespace syncline::engine::store
