#include "engine/store/walvfs.h"

#include "engine/core/threadname.h"

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>

namespace syncline::engine::store {

namespace {

// Gathered frames are written at the latest once this many bytes wait (256 frames of 4 KiB).
constexpr std::size_t kMaxGatheredBytes = 1024 * 1024;
// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks larger sizes); stay below.
constexpr std::size_t kWriteBytes = 96 * 1024;
constexpr std::string_view kLogSuffix = "-wal";
// The pragma that sets how far the log may grow while a checkpoint's sync is owed (logMayGrow).
constexpr std::string_view kLogGrowthPragma = "syncline_log_growth";
// The shared-memory lock SQLite takes to start the log over: every reader slot but the first
// (WAL_READ_LOCK(1) and WAL_NREADER - 1 in wal.c), exclusively. Nothing else asks for exactly
// these slots that way except a RESTART or TRUNCATE checkpoint, which waits for them.
constexpr int kFirstReaderSlot = 4;
constexpr int kReaderSlotsButFirst = SQLITE_SHM_NLOCK - 4;

// The syncs a database file is owed since checkpoints copied pages into it, shared by the
// database's file objects and its log's. A thread of its own makes them as they are asked for,
// while the writer goes on with the next transaction.
class DatabaseSync
{
public:
    // The database opened read-only through the platform's VFS: a sync acts on the file, not on
    // the handle, and the platform VFS keeps closing this handle from dropping the process's
    // locks on the file.
    DatabaseSync(sqlite3_vfs *platform, const std::string &path)
        : m_path(path + std::string(2, '\0')) // a filename as SQLite passes them
        , m_file(static_cast<sqlite3_file *>(sqlite3_malloc(platform->szOsFile)))
    {
        if (m_file == nullptr) {
            return;
        }
        std::memset(m_file, 0, std::size_t(platform->szOsFile));
        int opened = 0;
        if (platform->xOpen(platform, m_path.c_str(), m_file,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB, &opened)
            != SQLITE_OK) {
            if (m_file->pMethods) {
                m_file->pMethods->xClose(m_file);
            }
            sqlite3_free(m_file);
            m_file = nullptr;
        }
    }

    ~DatabaseSync()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
        if (m_thread.joinable()) {
            m_thread.join();
        }
        if (m_file) {
            m_file->pMethods->xClose(m_file);
            sqlite3_free(m_file);
        }
    }

    void logOpened(int delta)
    {
        std::lock_guard lock(m_mutex);
        m_logs += delta;
    }

    // A checkpoint's sync of the database can wait until the log is about to lose the frames
    // the checkpoint copied: until then a crash recovers those pages from the log. False when
    // it cannot wait (no log: the database is not in WAL mode).
    bool defer()
    {
        std::lock_guard lock(m_mutex);
        if (m_file == nullptr || m_logs == 0) {
            return false;
        }
        ++m_requested;
        if (!m_thread.joinable()) {
            m_thread = std::thread([this] {
                nameThisThread("sl-dbsync");
                run();
            });
        }
        m_changed.notify_all();
        return true;
    }

    // The log was written from offset to end; a write of its header starts it over.
    void logWritten(sqlite3_int64 offset, sqlite3_int64 end)
    {
        std::lock_guard lock(m_mutex);
        m_logEnd = offset == 0 ? end : std::max(m_logEnd, end);
    }

    // Whether the log should grow rather than start over now: a checkpoint's sync is owed
    // (and has not failed: settle retries a failed one) and the log is still smaller than the
    // growth allowed. Starting over would make the writer wait for that sync, every checkpoint.
    bool logMayGrow()
    {
        std::lock_guard lock(m_mutex);
        return m_requested > m_made && !m_failed && m_logEnd < m_logGrowth;
    }

    void allowLogGrowth(sqlite3_int64 bytes)
    {
        std::lock_guard lock(m_mutex);
        m_logGrowth = bytes;
    }

    // Every sync asked for so far is made: the writer's own sync covered them.
    void covered()
    {
        std::lock_guard lock(m_mutex);
        m_made = m_requested;
        m_failed = false;
    }

    // Returns once every sync asked for so far is made. Called before anything that could lose
    // the log's copy of pages a checkpoint copied: the log starting over, being truncated,
    // closed or deleted. After a failed sync it tries once more itself.
    int settle()
    {
        std::unique_lock lock(m_mutex);
        const std::uint64_t target = m_requested;
        m_changed.wait(lock, [&] { return m_made >= target || m_failed; });
        if (m_made >= target) {
            return SQLITE_OK;
        }
        if (!sync()) {
            return SQLITE_IOERR_FSYNC; // still owed, and still failed: the next barrier retries
        }
        m_failed = false;
        m_made = std::max(m_made, target);
        return SQLITE_OK;
    }

private:
    bool sync() { return m_file->pMethods->xSync(m_file, SQLITE_SYNC_NORMAL) == SQLITE_OK; }

    void run()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_changed.wait(lock, [this] { return m_stopping || (m_requested > m_made && !m_failed); });
            if (m_stopping) {
                return;
            }
            const std::uint64_t target = m_requested;
            lock.unlock();
            const bool synced = sync();
            lock.lock();
            if (synced) {
                m_made = std::max(m_made, target);
            } else {
                m_failed = true;
            }
            m_changed.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_changed;
    const std::string m_path;
    sqlite3_file *m_file = nullptr;
    int m_logs = 0;
    sqlite3_int64 m_logEnd = 0;
    sqlite3_int64 m_logGrowth = 0; // none: the log starts over as soon as SQLite would
    std::uint64_t m_requested = 0;
    std::uint64_t m_made = 0; // of the syncs asked for, the last one a made sync covered
    bool m_failed = false;
    bool m_stopping = false;
    std::thread m_thread;
};

// create: the platform VFS to open the database with when it has no entry yet.
std::shared_ptr<DatabaseSync> databaseSync(const std::string &databasePath, sqlite3_vfs *create)
{
    static std::mutex mutex;
    static std::unordered_map<std::string, std::weak_ptr<DatabaseSync>> byPath;
    std::lock_guard lock(mutex);
    std::shared_ptr<DatabaseSync> sync = byPath[databasePath].lock();
    if (!sync && create) {
        sync = std::make_shared<DatabaseSync>(create, databasePath);
        byPath[databasePath] = sync;
    } else if (!sync) {
        byPath.erase(databasePath);
    }
    return sync;
}

// What the database of a log ("<database>-wal") is owed; null for another file.
std::shared_ptr<DatabaseSync> databaseOfLog(const std::string &path)
{
    if (!path.ends_with(kLogSuffix)) {
        return nullptr;
    }
    return databaseSync(path.substr(0, path.size() - kLogSuffix.size()), nullptr);
}

int settle(const std::shared_ptr<DatabaseSync> &sync)
{
    return sync ? sync->settle() : SQLITE_OK;
}

enum class FileKind { Other, Database, Log };

// Our part of a file object; the platform VFS's own file object follows it in the same block.
struct GatheringFile
{
    sqlite3_file base;
    sqlite3_file *real = nullptr;
    FileKind kind = FileKind::Other; // Other files (temporary ones) are passed through
    bool clean = false; // nothing written since the last sync made
    bool syncedOnce = false; // (database) its own sync made once, which also syncs its directory
    std::shared_ptr<DatabaseSync> database; // of a database or a log
    sqlite3_int64 gatheredAt = 0; // file offset of gathered[0]
    std::string gathered;
};

constexpr int kOwnBytes = int((sizeof(GatheringFile) + 15) / 16 * 16);

sqlite3_vfs *realVfs(sqlite3_vfs *vfs)
{
    return static_cast<sqlite3_vfs *>(vfs->pAppData);
}

GatheringFile *own(sqlite3_file *file)
{
    return reinterpret_cast<GatheringFile *>(file);
}

const sqlite3_io_methods &real(GatheringFile *f)
{
    return *f->real->pMethods;
}

int flush(GatheringFile *f)
{
    if (f->gathered.empty()) {
        return SQLITE_OK;
    }
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < f->gathered.size() && rc == SQLITE_OK;
         done += kWriteBytes) {
        const std::size_t size = std::min(kWriteBytes, f->gathered.size() - done);
        rc = real(f).xWrite(f->real, f->gathered.data() + done, int(size),
                            f->gatheredAt + sqlite3_int64(done));
    }
    f->gathered.clear();
    return rc;
}

int fileClose(sqlite3_file *file)
{
    GatheringFile *f = own(file);
    int rc = flush(f);
    if (f->database) {
        const int settled = settle(f->database);
        rc = rc != SQLITE_OK ? rc : settled;
        if (f->kind == FileKind::Log) {
            f->database->logOpened(-1);
        }
    }
    const int closed = real(f).xClose(f->real);
    f->~GatheringFile();
    return closed != SQLITE_OK ? closed : rc;
}

// A method of the platform's file, called on its part of the block; with kFlushFirst, after
// writing what is gathered (everything that reads, sizes, locks or controls the file).
template<auto Method, bool kFlushFirst>
struct Forward;

template<typename R, typename... Args, R (*sqlite3_io_methods::*Method)(sqlite3_file *, Args...),
         bool kFlushFirst>
struct Forward<Method, kFlushFirst>
{
    static R call(sqlite3_file *file, Args... args)
    {
        GatheringFile *f = own(file);
        if constexpr (kFlushFirst) {
            if (const int rc = flush(f); rc != SQLITE_OK) {
                return rc;
            }
        }
        return (real(f).*Method)(f->real, args...);
    }
};

template<auto Method>
constexpr auto flushed = &Forward<Method, true>::call;
template<auto Method>
constexpr auto passed = &Forward<Method, false>::call;

int fileWrite(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset)
{
    GatheringFile *f = own(file);
    if (f->kind == FileKind::Other) {
        return real(f).xWrite(f->real, buffer, amount, offset);
    }
    f->clean = false;
    if (f->kind == FileKind::Log && f->database) {
        if (offset == 0) {
            // The log's header: the log starts over and its next frames overwrite copied ones.
            if (const int rc = f->database->settle(); rc != SQLITE_OK) {
                return rc;
            }
        }
        f->database->logWritten(offset, offset + amount);
    }
    // Frames are appended in order, and a checkpoint copies pages in page order (the new ones
    // are adjacent at the end of the file); a write anywhere else (the log's header when it
    // starts over, a frame rewritten within its transaction) first writes what is gathered.
    if (!f->gathered.empty()
        && offset != f->gatheredAt + sqlite3_int64(f->gathered.size())) {
        if (const int rc = flush(f); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (f->gathered.empty()) {
        f->gatheredAt = offset;
    }
    f->gathered.append(static_cast<const char *>(buffer), std::size_t(amount));
    return f->gathered.size() >= kMaxGatheredBytes ? flush(f) : SQLITE_OK;
}

int fileTruncate(sqlite3_file *file, sqlite3_int64 size)
{
    GatheringFile *f = own(file);
    if (const int rc = flush(f); rc != SQLITE_OK) {
        return rc;
    }
    if (f->kind == FileKind::Log) {
        if (const int rc = settle(f->database); rc != SQLITE_OK) {
            return rc;
        }
    }
    f->clean = false;
    return real(f).xTruncate(f->real, size);
}

// SQLite starts the log over at the first write after a checkpoint copied all of it, if it
// can lock out every reader slot but the first; when it cannot, it appends to the log as if a
// reader still used it. Saying the slots are busy while the checkpoint's sync is owed keeps
// the writer from waiting for that sync at every checkpoint (see logMayGrow).
int fileShmLock(sqlite3_file *file, int offset, int n, int flags)
{
    GatheringFile *f = own(file);
    if (const int rc = flush(f); rc != SQLITE_OK) {
        return rc;
    }
    if (f->kind == FileKind::Database && f->database && offset == kFirstReaderSlot
        && n == kReaderSlotsButFirst && flags == (SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE)
        && f->database->logMayGrow()) {
        return SQLITE_BUSY;
    }
    return real(f).xShmLock(f->real, offset, n, flags);
}

// PRAGMA syncline_log_growth = BYTES on a connection through this VFS: how far its database's
// log may grow while a checkpoint's sync is owed. Other pragmas are SQLite's.
int fileControl(sqlite3_file *file, int op, void *arg)
{
    GatheringFile *f = own(file);
    if (const int rc = flush(f); rc != SQLITE_OK) {
        return rc;
    }
    if (op == SQLITE_FCNTL_PRAGMA && f->kind == FileKind::Database && f->database) {
        char **words = static_cast<char **>(arg); // [1] the pragma's name, [2] its value
        if (sqlite3_stricmp(words[1], kLogGrowthPragma.data()) == 0) {
            char *end = nullptr;
            const sqlite3_int64 bytes = words[2] ? std::strtoll(words[2], &end, 10) : -1;
            if (bytes < 0 || end == words[2] || *end != '\0') {
                words[0] = sqlite3_mprintf("%s takes a size in bytes", words[1]);
                return SQLITE_ERROR;
            }
            f->database->allowLogGrowth(bytes);
            return SQLITE_OK;
        }
    }
    return real(f).xFileControl(f->real, op, arg);
}

int fileSync(sqlite3_file *file, int flags)
{
    GatheringFile *f = own(file);
    if (const int rc = flush(f); rc != SQLITE_OK) {
        return rc;
    }
    if (f->kind == FileKind::Other) {
        return real(f).xSync(f->real, flags);
    }
    if (f->clean) {
        // Nothing was written since the last sync: a checkpoint syncing the log the commit
        // before it has just synced.
        return SQLITE_OK;
    }
    if (f->kind == FileKind::Database && f->syncedOnce && f->database && f->database->defer()) {
        return SQLITE_OK;
    }
    const int rc = real(f).xSync(f->real, flags);
    if (rc != SQLITE_OK) {
        return rc;
    }
    f->clean = true;
    if (f->kind == FileKind::Database) {
        f->syncedOnce = true;
        if (f->database) {
            f->database->covered();
        }
    }
    return SQLITE_OK;
}

using Io = sqlite3_io_methods;

constexpr Io kMethods = {
    3,
    fileClose,
    flushed<&Io::xRead>,
    fileWrite,
    fileTruncate,
    fileSync,
    flushed<&Io::xFileSize>,
    flushed<&Io::xLock>,
    flushed<&Io::xUnlock>,
    passed<&Io::xCheckReservedLock>,
    fileControl,
    passed<&Io::xSectorSize>,
    passed<&Io::xDeviceCharacteristics>,
    passed<&Io::xShmMap>,
    fileShmLock,
    passed<&Io::xShmBarrier>,
    passed<&Io::xShmUnmap>,
    flushed<&Io::xFetch>,
    passed<&Io::xUnfetch>,
};

// A database and its log share what the database is owed (found by the log's name).
void attach(GatheringFile *f, sqlite3_vfs *platform, const char *name, int flags)
{
    if (name == nullptr) {
        return;
    }
    const std::string path(name);
    if (flags & SQLITE_OPEN_MAIN_DB) {
        f->kind = FileKind::Database;
        f->database = databaseSync(path, platform);
    } else if ((flags & SQLITE_OPEN_WAL) && path.ends_with(kLogSuffix)) {
        f->kind = FileKind::Log;
        f->database = databaseOfLog(path);
        if (f->database) {
            f->database->logOpened(1);
        }
    }
}

int vfsOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    auto *f = new (file) GatheringFile;
    f->real = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(file) + kOwnBytes);
    const int rc = realVfs(vfs)->xOpen(realVfs(vfs), name, f->real, flags, outFlags);
    if (rc == SQLITE_OK && f->real->pMethods && f->real->pMethods->iVersion >= 3) {
        f->base.pMethods = &kMethods;
        attach(f, realVfs(vfs), name, flags);
        return SQLITE_OK;
    }
    if (f->real->pMethods) {
        f->real->pMethods->xClose(f->real); // a platform without shared memory or mmap methods
    }
    f->~GatheringFile();
    file->pMethods = nullptr; // SQLite calls no method of a file that failed to open
    return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
}

// Deleting the log loses its copy of checkpointed pages: the database's sync comes first.
int vfsDelete(sqlite3_vfs *vfs, const char *name, int syncDir)
{
    if (const int rc = settle(databaseOfLog(name)); rc != SQLITE_OK) {
        return rc;
    }
    return realVfs(vfs)->xDelete(realVfs(vfs), name, syncDir);
}

// Everything else is the platform VFS's, called with the platform VFS.

int vfsAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result)
{
    return realVfs(vfs)->xAccess(realVfs(vfs), name, flags, result);
}

int vfsFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out)
{
    return realVfs(vfs)->xFullPathname(realVfs(vfs), name, size, out);
}

void *vfsDlOpen(sqlite3_vfs *vfs, const char *name)
{
    return realVfs(vfs)->xDlOpen(realVfs(vfs), name);
}

void vfsDlError(sqlite3_vfs *vfs, int size, char *out)
{
    realVfs(vfs)->xDlError(realVfs(vfs), size, out);
}

void (*vfsDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void)
{
    return realVfs(vfs)->xDlSym(realVfs(vfs), handle, symbol);
}

void vfsDlClose(sqlite3_vfs *vfs, void *handle)
{
    realVfs(vfs)->xDlClose(realVfs(vfs), handle);
}

int vfsRandomness(sqlite3_vfs *vfs, int size, char *out)
{
    return realVfs(vfs)->xRandomness(realVfs(vfs), size, out);
}

int vfsSleep(sqlite3_vfs *vfs, int microseconds)
{
    return realVfs(vfs)->xSleep(realVfs(vfs), microseconds);
}

int vfsCurrentTime(sqlite3_vfs *vfs, double *now)
{
    return realVfs(vfs)->xCurrentTime(realVfs(vfs), now);
}

int vfsGetLastError(sqlite3_vfs *vfs, int size, char *out)
{
    return realVfs(vfs)->xGetLastError(realVfs(vfs), size, out);
}

int vfsCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now)
{
    return realVfs(vfs)->xCurrentTimeInt64(realVfs(vfs), now);
}

} // namespace

const char *walGatheringVfs()
{
    static const char *const name = [] {
        static sqlite3_vfs vfs{};
        sqlite3_vfs *platform = sqlite3_vfs_find(nullptr);
        vfs.iVersion = 2;
        vfs.szOsFile = kOwnBytes + platform->szOsFile;
        vfs.mxPathname = platform->mxPathname;
        vfs.zName = "syncline-wal-gathering";
        vfs.pAppData = platform;
        vfs.xOpen = vfsOpen;
        vfs.xDelete = vfsDelete;
        vfs.xAccess = vfsAccess;
        vfs.xFullPathname = vfsFullPathname;
        vfs.xDlOpen = vfsDlOpen;
        vfs.xDlError = vfsDlError;
        vfs.xDlSym = vfsDlSym;
        vfs.xDlClose = vfsDlClose;
        vfs.xRandomness = vfsRandomness;
        vfs.xSleep = vfsSleep;
        vfs.xCurrentTime = vfsCurrentTime;
        vfs.xGetLastError = vfsGetLastError;
        vfs.xCurrentTimeInt64 = vfsCurrentTimeInt64;
        sqlite3_vfs_register(&vfs, 0);
        return vfs.zName;
    }();
    return name;
}

} // namespace syncline::engine::store
