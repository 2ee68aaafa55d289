#include "engine/store/writer.h"

#include "engine/core/threadname.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace syncline::engine::store {

namespace {

struct Pending
{
    WriteJob job;
    std::function<void(Result<void>)> done;
    Completion when = Completion::Committed;
    bool answered = false; // an Executed job's caller heard back already
};

bool isStorageFault(const Error &error)
{
    return error.code == QLatin1String(kStoreFull) || error.code == QLatin1String(kStoreBusy);
}

Result<void> runGuarded(const WriteJob &job, Connection &connection)
{
    try {
        return job(connection);
    } catch (const std::exception &e) {
        return Error::make(QString::fromLatin1(kStoreSql),
                           QStringLiteral("write job threw: %1").arg(QString::fromUtf8(e.what())));
    }
}

// A write that needs fresh pages, so it fails while the disk (or page quota) is full.
constexpr auto kProbe = "BEGIN IMMEDIATE;"
                        " INSERT INTO store_probe(payload) VALUES (zeroblob(65536));"
                        " DELETE FROM store_probe;"
                        " COMMIT;";

// Savepoint statements are run twice per job: prepared once, not parsed each time.
Result<void> runCached(Connection &connection, std::string_view sql)
{
    Result<Statement *> statement = connection.cached(sql);
    if (!statement) {
        return statement.error();
    }
    return (*statement)->run();
}

} // namespace

struct Writer::Impl
{
    Connection connection;
    WriterOptions options;

    mutable std::mutex mutex;
    std::condition_variable wake;
    std::deque<Pending> queue;
    bool stopping = false;
    int walPages = 0; // the WAL's size after the last commit (writer thread only)
    int pagesSinceCheckpoint = 0; // written to the WAL since the last checkpoint (ditto)
    WriterSnapshot stats;
    std::thread thread;

    explicit Impl(Connection c, WriterOptions o)
        : connection(std::move(c))
        , options(o)
    {}

    void loop();
    void runBatch(std::vector<Pending> &batch);
    void probe();
    void checkpointIfDue();
    void recordFault(const Error &error);
    void recordCommit(qint64 committed, qint64 failed, const std::optional<Error> &fault);
};

void Writer::Impl::loop()
{
    for (;;) {
        std::vector<Pending> batch;
        {
            std::unique_lock lock(mutex);
            if (stats.healthy) {
                wake.wait(lock, [this] { return stopping || !queue.empty(); });
            } else {
                wake.wait_for(lock, std::chrono::milliseconds(options.retryIntervalMs),
                              [this] { return stopping; });
            }
            if (stopping && queue.empty()) {
                return;
            }
            while (!queue.empty() && int(batch.size()) < options.maxBatch) {
                batch.push_back(std::move(queue.front()));
                queue.pop_front();
            }
            stats.queued = qint64(queue.size());
        }
        if (batch.empty()) {
            probe();
        } else {
            runBatch(batch);
        }
    }
}

void Writer::Impl::runBatch(std::vector<Pending> &batch)
{
    // Health is recorded before any caller is woken, so a caller that sees its job refused for
    // a full disk also sees the store as unhealthy.
    const auto failAll = [&](const Error &error) {
        recordFault(error);
        for (Pending &pending : batch) {
            if (!pending.answered) {
                pending.done(error);
            }
        }
    };
    if (Result<void> begin = connection.exec("BEGIN IMMEDIATE"); !begin) {
        failAll(begin.error());
        return;
    }
    std::vector<Result<void>> results;
    results.reserve(batch.size());
    for (Pending &pending : batch) {
        if (Result<void> savepoint = runCached(connection, "SAVEPOINT job"); !savepoint) {
            results.push_back(savepoint.error());
            continue;
        }
        Result<void> result = runGuarded(pending.job, connection);
        if (!connection.inTransaction()) {
            // SQLite rolled the whole transaction back (full disk, I/O error): nothing of this
            // batch is stored, so no job may report success.
            failAll(result.ok() ? Error::make(QString::fromLatin1(kStoreFull),
                                              QStringLiteral("the transaction was rolled back"),
                                              true)
                                : result.error());
            return;
        }
        if (!result) {
            (void) runCached(connection, "ROLLBACK TO job");
        }
        (void) runCached(connection, "RELEASE job");
        if (pending.when == Completion::Executed) {
            pending.answered = true;
            pending.done(result);
        }
        results.push_back(std::move(result));
    }
    connection.resetCached(); // no read left open across the commit (see resetCached)
    if (Result<void> commit = connection.exec("COMMIT"); !commit) {
        (void) connection.exec("ROLLBACK");
        failAll(commit.error());
        return;
    }
    qint64 failed = 0;
    std::optional<Error> fault;
    for (const Result<void> &result : results) {
        if (!result) {
            ++failed;
            if (isStorageFault(result.error())) {
                fault = result.error();
            }
        }
    }
    recordCommit(qint64(batch.size()) - failed, failed, fault);
    for (size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].answered) {
            batch[i].done(std::move(results[i]));
        }
    }
    checkpointIfDue();
}

// Inside the commit, SQLite's own checkpoint held every caller of the batch that reached the
// threshold until the copy was done (the long tail of webhook latency, docs/performance.md).
// Here the batch is answered first; only jobs queued meanwhile wait. The writer is the only
// writer, so the PASSIVE pass copies the whole WAL unless a reader still needs old pages; the
// next transaction starts the WAL over, or appends to it while the copy's sync is still owed.
void Writer::Impl::checkpointIfDue()
{
    if (pagesSinceCheckpoint < options.checkpointPages) {
        return;
    }
    pagesSinceCheckpoint = 0;
    if (Result<void> done = connection.exec("PRAGMA wal_checkpoint(PASSIVE)"); !done) {
        recordFault(done.error());
    }
}

void Writer::Impl::probe()
{
    if (Result<void> result = connection.exec(kProbe); !result) {
        (void) connection.exec("ROLLBACK");
        recordFault(result.error());
        return;
    }
    recordCommit(0, 0, std::nullopt);
}

void Writer::Impl::recordFault(const Error &error)
{
    std::lock_guard lock(mutex);
    stats.lastError = error.message;
    if (isStorageFault(error)) {
        stats.healthy = false;
    }
}

void Writer::Impl::recordCommit(qint64 committed, qint64 failed, const std::optional<Error> &fault)
{
    std::lock_guard lock(mutex);
    stats.healthy = !fault;
    if (fault) {
        stats.lastError = fault->message;
    }
    stats.committedJobs += committed;
    stats.failedJobs += failed;
    ++stats.transactions;
}

Writer::Writer(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{}

Writer::~Writer()
{
    stop();
}

Result<std::unique_ptr<Writer>> Writer::start(const QString &path,
                                              std::span<const Migration> migrations,
                                              WriterOptions options)
{
    Result<Connection> connection = Connection::open(path, OpenMode::ReadWrite);
    if (!connection) {
        return connection.error();
    }
    if (Result<void> checked = connection->check(); !checked) {
        return checked.error();
    }
    if (Result<int> version = migrate(*connection, migrations); !version) {
        return version.error();
    }
    if (Result<void> probeTable = connection->exec(
            "CREATE TABLE IF NOT EXISTS store_probe(payload BLOB)");
        !probeTable) {
        return probeTable.error();
    }
    const std::string growth = "PRAGMA syncline_log_growth="
                               + std::to_string(options.walGrowthBytes);
    if (Result<void> set = connection->exec(growth); !set) {
        return set.error();
    }
    auto impl = std::make_unique<Impl>(std::move(*connection), options);
    Impl *raw = impl.get();
    raw->connection.onWalCommit([raw](int pages) {
        // Smaller than before: the WAL started over with this commit. (It may also go on
        // growing past a checkpoint: WriterOptions::walGrowthBytes.)
        raw->pagesSinceCheckpoint += pages >= raw->walPages ? pages - raw->walPages : pages;
        raw->walPages = pages;
    });
    impl->thread = std::thread([raw] {
        nameThisThread("sl-writer");
        raw->loop();
    });
    return std::unique_ptr<Writer>(new Writer(std::move(impl)));
}

std::future<Result<void>> Writer::submit(WriteJob job, Completion when)
{
    auto promise = std::make_shared<std::promise<Result<void>>>();
    std::future<Result<void>> future = promise->get_future();
    submit(
        std::move(job),
        [promise](Result<void> result) { promise->set_value(std::move(result)); }, when);
    return future;
}

void Writer::submit(WriteJob job, std::function<void(Result<void>)> done, Completion when)
{
    {
        std::lock_guard lock(d->mutex);
        if (!d->stopping) {
            d->queue.push_back(Pending{std::move(job), std::move(done), when});
            d->stats.queued = qint64(d->queue.size());
            d->wake.notify_one();
            return;
        }
    }
    done(Error::make(QString::fromLatin1(kStoreBusy), QStringLiteral("the store is shutting down"),
                     true));
}

bool Writer::healthy() const
{
    std::lock_guard lock(d->mutex);
    return d->stats.healthy;
}

WriterSnapshot Writer::snapshot() const
{
    std::lock_guard lock(d->mutex);
    return d->stats;
}

void Writer::stop()
{
    {
        std::lock_guard lock(d->mutex);
        if (d->stopping && !d->thread.joinable()) {
            return;
        }
        d->stopping = true;
    }
    d->wake.notify_one();
    if (d->thread.joinable()) {
        d->thread.join();
    }
}

} // namespace syncline::engine::store
