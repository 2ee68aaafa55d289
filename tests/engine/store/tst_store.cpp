#include "engine/store/connection.h"
#include "engine/store/migrations.h"
#include "engine/store/writer.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cstdint>
#include <future>
#include <latch>
#include <thread>
#include <vector>

using namespace syncline::engine;
using namespace syncline::engine::store;

namespace {

constexpr Migration kMigrations[] = {
    {1, "items", "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"},
    {2, "payload", "ALTER TABLE item ADD COLUMN payload BLOB;"},
};

WriteJob insertItem(QString name)
{
    return [name](Connection &c) -> Result<void> {
        Result<Statement> insert = c.prepare("INSERT INTO item(name) VALUES (?)");
        if (!insert) {
            return insert.error();
        }
        insert->bind(1, name);
        return insert->run();
    };
}

// QVERIFY2 evaluates its message even on success, so only read error() when there is one.
template<typename T>
QByteArray why(const Result<T> &result)
{
    return result.ok() ? QByteArray() : result.error().message.toUtf8();
}

// Bytes that differ at every offset and between rows, so a frame written at the wrong place or
// left out shows.
std::string patterned(int row, int size)
{
    std::string bytes(std::size_t(size), '\0');
    std::uint32_t state = 2654435761u * std::uint32_t(row + 1);
    for (char &byte : bytes) {
        state = state * 1664525u + 1013904223u;
        byte = char(state >> 24);
    }
    return bytes;
}

WriteJob insertPayloads(int firstRow, int rows, int size)
{
    return [=](Connection &c) -> Result<void> {
        Result<Statement *> insert = c.cached("INSERT INTO item(name, payload) VALUES (?, ?)");
        if (!insert) {
            return insert.error();
        }
        for (int row = firstRow; row < firstRow + rows; ++row) {
            (*insert)->reset(true);
            (*insert)->bind(1, QString::number(row)).bindBlob(2, patterned(row, size));
            if (Result<void> r = (*insert)->run(); !r) {
                return r;
            }
        }
        return {};
    };
}

qint64 scalar(Connection &c, std::string_view sql)
{
    Result<Statement> statement = c.prepare(sql);
    if (!statement || !statement->step().ok()) {
        return -1;
    }
    return statement->int64(0);
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void openUsesWalAndFullSync()
    {
        Result<Connection> c = Connection::open(path());
        QVERIFY2(c.ok(), why(c).constData());
        Result<Statement> mode = c->prepare("PRAGMA journal_mode");
        QVERIFY(mode.ok() && mode->step().ok());
        QCOMPARE(mode->qtext(0), QStringLiteral("wal"));
        QCOMPARE(scalar(*c, "PRAGMA synchronous"), 2); // FULL
        QCOMPARE(scalar(*c, "PRAGMA foreign_keys"), 1);
    }

    // The store's own pragma on the writer's connection takes a size in bytes and nothing else.
    void theLogGrowthPragmaRefusesWhatIsNotASize()
    {
        Result<Connection> c = Connection::open(path());
        QVERIFY2(c.ok(), why(c).constData());
        QVERIFY(c->exec("PRAGMA syncline_log_growth=65536").ok());
        for (const char *bad : {"PRAGMA syncline_log_growth=-1",
                                "PRAGMA syncline_log_growth='16MB'",
                                "PRAGMA syncline_log_growth"}) {
            Result<void> refused = c->exec(bad);
            QVERIFY2(!refused.ok(), bad);
            QVERIFY2(refused.error().message.contains(
                         QLatin1String("syncline_log_growth takes a size in bytes")),
                     qPrintable(refused.error().message));
        }
    }

    void migrationsApplyOnceAndRecordTheVersion()
    {
        Result<Connection> c = Connection::open(path());
        QVERIFY(c.ok());
        Result<int> first = migrate(*c, kMigrations);
        QVERIFY2(first.ok(), why(first).constData());
        QCOMPARE(*first, 2);
        Result<int> again = migrate(*c, kMigrations);
        QVERIFY(again.ok());
        QCOMPARE(*again, 2);
        QVERIFY(c->exec("INSERT INTO item(name, payload) VALUES ('a', x'00')").ok());
    }

    void newerDatabaseIsRefusedUntouched()
    {
        Result<Connection> c = Connection::open(path());
        QVERIFY(c.ok());
        QVERIFY(migrate(*c, kMigrations).ok());
        Result<int> old = migrate(*c, std::span(kMigrations).first(1));
        QVERIFY(!old.ok());
        QCOMPARE(old.error().code, QString::fromLatin1(kStoreVersion));
        QVERIFY(old.error().message.contains(QStringLiteral("schema version 2")));
        QCOMPARE(*c->userVersion(), 2);
    }

    void failedMigrationLeavesThePreviousVersion()
    {
        const Migration broken[] = {kMigrations[0], {2, "broken", "CREATE TABLE item(x);"}};
        Result<Connection> c = Connection::open(path());
        QVERIFY(c.ok());
        Result<int> result = migrate(*c, broken);
        QVERIFY(!result.ok());
        QVERIFY(result.error().message.contains(QStringLiteral("migration 2 (broken)")));
        QCOMPARE(*c->userVersion(), 1);
        QVERIFY(!c->inTransaction());
    }

    void jobsQueuedTogetherCommitInOneTransaction()
    {
        auto writer = startWriter();
        std::latch release(1);
        std::atomic<bool> blocking{false};
        // Hold the writer inside a job so the next 100 jobs queue up behind it.
        auto gate = writer->submit([&](Connection &) -> Result<void> {
            blocking = true;
            release.wait();
            return {};
        });
        while (!blocking) {
            std::this_thread::yield();
        }
        std::vector<std::future<Result<void>>> futures;
        for (int i = 0; i < 100; ++i) {
            futures.push_back(writer->submit(insertItem(QStringLiteral("item-%1").arg(i))));
        }
        const qint64 before = writer->snapshot().transactions;
        release.count_down();
        QVERIFY(gate.get().ok());
        for (auto &future : futures) {
            QVERIFY(future.get().ok());
        }
        const WriterSnapshot after = writer->snapshot();
        QCOMPARE(after.transactions - before, 1 + 1); // the gate's batch, then all 100 at once
        QCOMPARE(after.committedJobs, 101);
        QCOMPARE(count(), 100);
    }

    void aFailingJobRollsBackOnlyItself()
    {
        auto writer = startWriter();
        std::latch release(1);
        std::atomic<bool> blocking{false};
        auto gate = writer->submit([&](Connection &) -> Result<void> {
            blocking = true;
            release.wait();
            return {};
        });
        while (!blocking) {
            std::this_thread::yield();
        }
        auto first = writer->submit(insertItem(QStringLiteral("first")));
        auto broken = writer->submit([](Connection &c) -> Result<void> {
            if (Result<void> r = c.exec("INSERT INTO item(name) VALUES ('half-done')"); !r) {
                return r;
            }
            return c.exec("INSERT INTO item(name) VALUES ('first')"); // UNIQUE violation
        });
        auto third = writer->submit(insertItem(QStringLiteral("third")));
        release.count_down();
        QVERIFY(gate.get().ok());
        QVERIFY(first.get().ok());
        Result<void> failed = broken.get();
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, QString::fromLatin1(kStoreSql));
        QVERIFY(third.get().ok());
        QCOMPARE(names(), QStringList({QStringLiteral("first"), QStringLiteral("third")}));
        QVERIFY(writer->healthy());
    }

    void readersDoNotBlockTheWriter()
    {
        auto writer = startWriter();
        QVERIFY(writer->submit(insertItem(QStringLiteral("before"))).get().ok());
        Result<Connection> reader = Connection::open(path(), OpenMode::ReadOnly);
        QVERIFY(reader.ok());
        QVERIFY(reader->exec("BEGIN").ok());
        QCOMPARE(scalar(*reader, "SELECT count(*) FROM item"), 1);
        // The reader holds a snapshot open; the writer still commits.
        QVERIFY(writer->submit(insertItem(QStringLiteral("during"))).get().ok());
        QCOMPARE(scalar(*reader, "SELECT count(*) FROM item"), 1);
        QVERIFY(reader->exec("COMMIT").ok());
        QCOMPARE(scalar(*reader, "SELECT count(*) FROM item"), 2);
        QVERIFY(!reader->exec("INSERT INTO item(name) VALUES ('x')").ok());
    }

    void fullDiskStopsAcknowledgingKeepsDataAndRecovers()
    {
        auto writer = startWriter({.maxBatch = 512, .retryIntervalMs = 10});
        QVERIFY(writer->submit(insertItem(QStringLiteral("kept"))).get().ok());
        const qint64 pages = [&] {
            Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
            return scalar(*c, "PRAGMA page_count");
        }();
        // Cap the database a few pages above its size: the disk is "full" soon after.
        QVERIFY(writer->submit([pages](Connection &c) {
                          return c.exec("PRAGMA max_page_count = " + std::to_string(pages + 4));
                      })
                    .get()
                    .ok());
        Result<void> refused;
        int accepted = 0;
        for (int i = 0; i < 100 && refused.ok(); ++i) {
            refused = writer
                          ->submit([i](Connection &c) {
                              return c.exec("INSERT INTO item(name, payload) VALUES ('blob-"
                                            + std::to_string(i) + "', zeroblob(8192))");
                          })
                          .get();
            accepted += refused.ok() ? 1 : 0;
        }
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QString::fromLatin1(kStoreFull));
        QVERIFY(refused.error().retryable);
        QVERIFY(!writer->healthy());
        QCOMPARE(count(), 1 + accepted); // nothing committed was lost

        // The fault clears (space freed); the writer notices by itself and acknowledges again.
        QVERIFY(writer->submit([](Connection &c) { return c.exec("PRAGMA max_page_count = 1000000"); })
                    .get()
                    .ok());
        QVERIFY(writer->submit(insertItem(QStringLiteral("after"))).get().ok());
        QVERIFY(writer->healthy());
        Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
        QVERIFY(c->check(true).ok());
    }

    // The writer's connection gathers a commit's log frames into a few large writes (walvfs.h).
    // Commits larger than one write, larger than what is gathered at most, spread over
    // checkpoints that start the log over, and a restart that recovers the log: every row reads
    // back exactly, from other connections, right after its commit.
    void gatheredLogFramesReadBackExactly()
    {
        auto writer = startWriter({.maxBatch = 512, .checkpointPages = 300});
        const auto verify = [this](int rows, int size) {
            Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
            QVERIFY(c);
            Result<Statement> s = c->prepare("SELECT name, payload FROM item ORDER BY id");
            QVERIFY(s);
            int seen = 0;
            while (*s->step()) {
                const int row = s->qtext(0).toInt();
                QVERIFY2(s->text(1) == patterned(row, size), qPrintable(s->qtext(0)));
                ++seen;
            }
            QCOMPARE(seen, rows);
        };
        int rows = 0;
        for (int round = 0; round < 3; ++round) {
            // One commit of 1.6 MB (beyond what is gathered before a write) ...
            QVERIFY(writer->submit(insertPayloads(rows, 8, 200'000)).get().ok());
            rows += 8;
            verify(rows, 200'000);
            // ... and a group commit of many small jobs.
            std::vector<std::future<Result<void>>> jobs;
            for (int i = 0; i < 20; ++i) {
                jobs.push_back(writer->submit(insertPayloads(rows++, 1, 200'000)));
            }
            for (auto &job : jobs) {
                QVERIFY(job.get().ok());
            }
            verify(rows, 200'000);
        }
        writer->stop();
        writer.reset();
        writer = startWriter();
        verify(rows, 200'000);
        Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
        QVERIFY(c->check(true).ok());
    }

    void theWriterThreadIsNamed()
    {
        // Operators find the writer in top -H, perf and gdb by its name.
        const auto threadNames = [] {
            QStringList names;
            for (const QString &task : QDir(QStringLiteral("/proc/self/task")).entryList(
                     QDir::Dirs | QDir::NoDotAndDotDot)) {
                QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(task));
                if (comm.open(QIODevice::ReadOnly)) {
                    names.append(QString::fromUtf8(comm.readAll().trimmed()));
                }
            }
            return names;
        };
        QVERIFY(!threadNames().contains(QStringLiteral("sl-writer")));
        auto writer = startWriter();
        QVERIFY(writer->submit(insertItem(QStringLiteral("named"))).get().ok());
        QVERIFY2(threadNames().contains(QStringLiteral("sl-writer")),
                 qPrintable(threadNames().join(u',')));
    }

    void stopCommitsWhatIsQueued()
    {
        auto writer = startWriter();
        std::vector<std::future<Result<void>>> futures;
        for (int i = 0; i < 50; ++i) {
            futures.push_back(writer->submit(insertItem(QStringLiteral("n%1").arg(i))));
        }
        writer->stop();
        for (auto &future : futures) {
            QVERIFY(future.get().ok());
        }
        Result<void> late = writer->submit(insertItem(QStringLiteral("late"))).get();
        QVERIFY(!late.ok());
        QVERIFY(late.error().retryable);
        QCOMPARE(count(), 50);
    }

    void corruptFileIsRefusedAndLeftAlone()
    {
        QFile file(path());
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray garbage(8192, 'x');
        file.write(garbage);
        file.close();
        auto writer = Writer::start(path(), kMigrations);
        QVERIFY(!writer.ok());
        QVERIFY(writer.error().message.contains(path()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), garbage);
    }

private:
    QString path() const { return m_dir->filePath(QStringLiteral("store.db")); }

    std::unique_ptr<Writer> startWriter(WriterOptions options = {})
    {
        auto writer = Writer::start(path(), kMigrations, options);
        if (!writer) {
            qFatal("cannot start writer: %s", qPrintable(writer.error().message));
        }
        return std::move(*writer);
    }

    qint64 count()
    {
        Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
        return scalar(*c, "SELECT count(*) FROM item");
    }

    QStringList names()
    {
        Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
        Result<Statement> s = c->prepare("SELECT name FROM item ORDER BY id");
        QStringList out;
        while (*s->step()) {
            out.append(s->qtext(0));
        }
        return out;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
