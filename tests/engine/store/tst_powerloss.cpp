#include "engine/store/connection.h"
#include "engine/store/migrations.h"
#include "engine/store/writer.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

using namespace syncline::engine;
using namespace syncline::engine::store;

namespace {

// A VFS beneath the store's own that keeps, for every database and log, what its last sync made
// durable — what a power cut would leave. Syncs of the database take a while, as on a busy disk,
// so a sync the store defers is still under way when the store goes on.
struct Durable
{
    std::mutex mutex;
    std::map<std::string, std::string> images; // file name -> its content at its last sync
    sqlite3_vfs *platform = nullptr;
};

Durable &durable()
{
    static Durable d;
    return d;
}

constexpr auto kSlowSync = std::chrono::milliseconds(30);

struct File
{
    sqlite3_file base;
    sqlite3_file *real;
    std::string name; // empty: a file whose durability does not matter (temporary, -shm)
    bool database;
};

File *own(sqlite3_file *f)
{
    return reinterpret_cast<File *>(f);
}

std::string readWhole(const std::string &name)
{
    std::ifstream in(name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

int fileSync(sqlite3_file *file, int flags)
{
    File *f = own(file);
    if (f->database) {
        std::this_thread::sleep_for(kSlowSync);
    }
    const int rc = f->real->pMethods->xSync(f->real, flags);
    if (rc == SQLITE_OK && !f->name.empty()) {
        std::string image = readWhole(f->name);
        std::lock_guard lock(durable().mutex);
        durable().images[f->name] = std::move(image);
    }
    return rc;
}

int fileClose(sqlite3_file *file)
{
    File *f = own(file);
    const int rc = f->real->pMethods->xClose(f->real);
    f->~File();
    return rc;
}

template<auto Method>
struct Pass;

template<typename R, typename... Args, R (*sqlite3_io_methods::*Method)(sqlite3_file *, Args...)>
struct Pass<Method>
{
    static R call(sqlite3_file *file, Args... args)
    {
        return (own(file)->real->pMethods->*Method)(own(file)->real, args...);
    }
};

using Io = sqlite3_io_methods;
constexpr Io kMethods = {
    3,
    fileClose,
    &Pass<&Io::xRead>::call,
    &Pass<&Io::xWrite>::call,
    &Pass<&Io::xTruncate>::call,
    fileSync,
    &Pass<&Io::xFileSize>::call,
    &Pass<&Io::xLock>::call,
    &Pass<&Io::xUnlock>::call,
    &Pass<&Io::xCheckReservedLock>::call,
    &Pass<&Io::xFileControl>::call,
    &Pass<&Io::xSectorSize>::call,
    &Pass<&Io::xDeviceCharacteristics>::call,
    &Pass<&Io::xShmMap>::call,
    &Pass<&Io::xShmLock>::call,
    &Pass<&Io::xShmBarrier>::call,
    &Pass<&Io::xShmUnmap>::call,
    &Pass<&Io::xFetch>::call,
    &Pass<&Io::xUnfetch>::call,
};

constexpr int kOwnBytes = int((sizeof(File) + 15) / 16 * 16);

int vfsOpen(sqlite3_vfs *, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    sqlite3_vfs *platform = durable().platform;
    auto *f = new (file) File{{}, reinterpret_cast<sqlite3_file *>(
                                      reinterpret_cast<char *>(file) + kOwnBytes),
                              {}, (flags & SQLITE_OPEN_MAIN_DB) != 0};
    if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
        f->name = name;
    }
    const int rc = platform->xOpen(platform, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods) {
            f->real->pMethods->xClose(f->real);
        }
        f->~File();
        file->pMethods = nullptr;
        return rc;
    }
    f->base.pMethods = &kMethods;
    return SQLITE_OK;
}

int vfsDelete(sqlite3_vfs *, const char *name, int syncDir)
{
    {
        std::lock_guard lock(durable().mutex);
        durable().images.erase(name); // deleting counts as durable here: the log is gone
    }
    return durable().platform->xDelete(durable().platform, name, syncDir);
}

// Registered as the default before the store's VFS first looks for the platform's, so the
// store's VFS sits on top of this one.
void installDurableVfs()
{
    static sqlite3_vfs vfs = [] {
        sqlite3_vfs *platform = sqlite3_vfs_find(nullptr);
        durable().platform = platform;
        sqlite3_vfs v = *platform;
        v.zName = "test-durable";
        v.szOsFile = kOwnBytes + platform->szOsFile;
        v.pNext = nullptr;
        v.xOpen = vfsOpen;
        v.xDelete = vfsDelete;
        return v;
    }();
    sqlite3_vfs_register(&vfs, 1);
}

// How far the log may grow past checkpoints in the test that lets it: a quarter of what the
// test writes, so it starts over a few times.
constexpr qint64 kGrowth = 256 * 1024;

constexpr Migration kMigrations[] = {
    {1, "items", "CREATE TABLE item(id INTEGER PRIMARY KEY, payload BLOB NOT NULL);"},
};

} // namespace

class TestPowerLoss : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { installDurableVfs(); }

    void everyAcknowledgedRowSurvivesAPowerCut_data()
    {
        QTest::addColumn<qint64>("growth");
        QTest::newRow("the log starts over after every checkpoint") << qint64(0);
        QTest::newRow("the log grows past checkpoints, then starts over") << kGrowth;
    }

    // Many small checkpoints with slow database syncs, the log starting over after each or
    // growing past them while their syncs are under way: after every batch, a power cut at that
    // moment would keep every row acknowledged so far.
    void everyAcknowledgedRowSurvivesAPowerCut()
    {
        QFETCH(qint64, growth);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("store.db"));
        auto writer = Writer::start(path, kMigrations,
                                    {.maxBatch = 64, .checkpointPages = 8,
                                     .walGrowthBytes = growth});
        QVERIFY(writer);
        std::vector<std::map<std::string, std::string>> cuts;
        std::vector<int> acknowledged;
        int rows = 0;
        for (int batch = 0; batch < 12; ++batch) {
            std::vector<std::future<Result<void>>> jobs;
            for (int i = 0; i < 8; ++i) {
                jobs.push_back((*writer)->submit([](Connection &c) {
                    return c.exec("INSERT INTO item(payload) VALUES (randomblob(3000))");
                }));
            }
            for (auto &job : jobs) {
                QVERIFY(job.get().ok());
            }
            rows += 8;
            std::lock_guard lock(durable().mutex);
            cuts.push_back(durable().images);
            acknowledged.push_back(rows);
        }
        (*writer)->stop();
        // The log's file keeps the largest size it reached: one batch and a checkpoint's worth
        // when it starts over each time; past the growth allowed only by the transaction that
        // reached it, when it may grow.
        const qint64 logSize = QFileInfo(path + QStringLiteral("-wal")).size();
        if (growth == 0) {
            QVERIFY2(logSize < kGrowth / 2, qPrintable(QString::number(logSize)));
        } else {
            QVERIFY2(logSize >= growth && logSize < growth + kGrowth / 2,
                     qPrintable(QString::number(logSize)));
        }

        for (std::size_t cut = 0; cut < cuts.size(); ++cut) {
            const QString copy = dir.filePath(QStringLiteral("cut%1.db").arg(cut));
            for (const auto &[name, image] : cuts[cut]) {
                for (const std::string suffix : {"/store.db", "/store.db-wal"}) {
                    if (name.ends_with(suffix)) {
                        std::ofstream(copy.toStdString() + suffix.substr(9), std::ios::binary)
                            << image;
                    }
                }
            }
            Result<Connection> c = Connection::open(copy); // recovers the log
            QVERIFY(c);
            QVERIFY2(c->check(true).ok(), qPrintable(QStringLiteral("cut %1").arg(cut)));
            Result<Statement> count = c->prepare("SELECT count(*) FROM item");
            QVERIFY(count && *count->step());
            QCOMPARE(count->int64(0), qint64(acknowledged[cut]));
        }
    }
};

QTEST_GUILESS_MAIN(TestPowerLoss)
#include "tst_powerloss.moc"
