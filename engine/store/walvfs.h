#pragma once

namespace syncline::engine::store {

/// The name of an SQLite VFS for the writer's connection: it saves system calls and stalls on
/// the database and its write-ahead log without changing what a crash or power loss keeps.
/// Everything else is the platform's own VFS, unchanged.
///
/// - It gathers adjacent writes and makes them as a few large writes when the file is synced:
///   the frames of a commit (two writes per frame otherwise, its header and its page) and the
///   pages a checkpoint copies back (one write per page otherwise). SQLite shows readers new
///   frames only after the sync that commits them; any other access to the file (a read, its
///   size, a lock, closing it) first writes what is gathered.
/// - It skips a sync when nothing was written since the last one (a checkpoint syncs the log
///   that the commit before it has just synced).
/// - It defers a checkpoint's sync of the database, with writeback started, until the log is
///   about to lose the frames the checkpoint copied: when the log starts over, is truncated,
///   closed or deleted. Until then a crash recovers those pages from the log.
/// - `PRAGMA syncline_log_growth = BYTES` lets the log grow to that size, instead of starting
///   over, while a checkpoint's sync of the database is owed, so the writer need not wait for
///   that sync at every checkpoint (SQLite is told a reader still uses the log). 0, the
///   default, starts it over as SQLite would.
///
/// Registered on first use; thread-safe.
const char *walGatheringVfs();

} // namespace syncline::engine::store
