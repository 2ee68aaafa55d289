#include "engine/store/walvfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <new>
#include <string>

namespace syncline::engine::store {

namespace {

// Gathered frames are written at the latest once this many bytes wait (256 frames of 4 KiB).
constexpr std::size_t kMaxGatheredBytes = 1024 * 1024;
// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks larger sizes); stay below.
constexpr std::size_t kWriteBytes = 96 * 1024;

// Our part of a file object; the platform VFS's own file object follows it in the same block.
struct GatheringFile
{
    sqlite3_file base;
    sqlite3_file *real = nullptr;
    bool gathers = false; // the database or its log, not a temporary file
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
    const int written = flush(f);
    const int rc = real(f).xClose(f->real);
    f->~GatheringFile();
    return rc != SQLITE_OK ? rc : written;
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
    if (!f->gathers) {
        return real(f).xWrite(f->real, buffer, amount, offset);
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

using Io = sqlite3_io_methods;

constexpr Io kMethods = {
    3,
    fileClose,
    flushed<&Io::xRead>,
    fileWrite,
    flushed<&Io::xTruncate>,
    flushed<&Io::xSync>,
    flushed<&Io::xFileSize>,
    flushed<&Io::xLock>,
    flushed<&Io::xUnlock>,
    passed<&Io::xCheckReservedLock>,
    flushed<&Io::xFileControl>,
    passed<&Io::xSectorSize>,
    passed<&Io::xDeviceCharacteristics>,
    passed<&Io::xShmMap>,
    flushed<&Io::xShmLock>,
    passed<&Io::xShmBarrier>,
    passed<&Io::xShmUnmap>,
    flushed<&Io::xFetch>,
    passed<&Io::xUnfetch>,
};

int vfsOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    auto *f = new (file) GatheringFile;
    f->real = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(file) + kOwnBytes);
    f->gathers = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
    const int rc = realVfs(vfs)->xOpen(realVfs(vfs), name, f->real, flags, outFlags);
    if (rc == SQLITE_OK && f->real->pMethods && f->real->pMethods->iVersion >= 3) {
        f->base.pMethods = &kMethods;
        return SQLITE_OK;
    }
    if (f->real->pMethods) {
        f->real->pMethods->xClose(f->real); // a platform without shared memory or mmap methods
    }
    f->~GatheringFile();
    file->pMethods = nullptr; // SQLite calls no method of a file that failed to open
    return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
}

// Everything but xOpen is the platform VFS's, called with the platform VFS.
int vfsDelete(sqlite3_vfs *vfs, const char *name, int syncDir)
{
    return realVfs(vfs)->xDelete(realVfs(vfs), name, syncDir);
}

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
