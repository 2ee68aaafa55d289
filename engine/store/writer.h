#pragma once

#include "engine/store/connection.h"
#include "engine/store/migrations.h"

#include <QString>

#include <functional>
#include <future>
#include <memory>
#include <span>

namespace syncline::engine::store {

/// Work run inside the writer's transaction. An error rolls back this job only; the other jobs
/// of the same group commit are unaffected.
using WriteJob = std::function<Result<void>(Connection &)>;

/// When a job's caller hears back.
enum class Completion {
    Committed, // after the transaction holding the job committed (durable)
    /// Right after the job ran inside the open transaction: its changes are visible to every
    /// later job, not yet durable, and undone if the commit fails. Only for changes whose loss
    /// the engine recovers from anyway, such as a claim (a lost claim is an expired lease).
    Executed,
};

struct WriterOptions
{
    /// Most jobs committed in one transaction.
    int maxBatch = 512;
    /// While the store is failing (disk full, I/O error), how long to wait between attempts.
    int retryIntervalMs = 500;
    /// WAL size (pages) from which the writer copies it back into the database file, after
    /// answering the commit that reached it. Each copy holds the writer, and the webhook p99
    /// follows the length of the copy: at 64 connections 27-29 ms from 250 pages, 30-36 ms from
    /// 500, 38-47 ms from 1,000 to 2,000, 53 ms from 6,000, for the same messages per second
    /// (docs/performance.md).
    int checkpointPages = 250;
    /// How large the WAL may grow, past checkpoints, while the last checkpoint's sync of the
    /// database is still under way; starting the WAL over would wait for that sync (about 4 ms
    /// of scattered writes, every checkpoint). 16 MiB is some 4,000 pages, so the writer waits
    /// once every 16 checkpoints: 5 % more messages a second in the end-to-end benchmark.
    qint64 walGrowthBytes = 16 * 1024 * 1024;
};

/// What a panel or the admin API can poll without touching the writer's thread.
struct WriterSnapshot
{
    bool healthy = true;
    QString lastError;
    qint64 committedJobs = 0;
    qint64 failedJobs = 0;
    qint64 transactions = 0;
    qint64 queued = 0;
};

/// Owns the only read-write connection and the thread every write runs on. Jobs submitted from
/// any thread are grouped into one transaction per batch (group commit), so one fsync covers
/// many messages. When a commit fails because the disk is full or an I/O error occurs, the
/// writer reports unhealthy (ingress answers 503), keeps what was committed, and keeps trying —
/// also when idle, with a probe write — until a commit succeeds again.
class Writer
{
public:
    /// Opens the database, checks it (quick_check), applies migrations and starts the thread.
    static Result<std::unique_ptr<Writer>> start(const QString &path,
                                                 std::span<const Migration> migrations,
                                                 WriterOptions options = {});
    ~Writer();

    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;

    /// Queues `job`; the future is ready once the job's transaction committed (or failed).
    /// Thread-safe. After stop(), jobs fail with STORE_BUSY.
    std::future<Result<void>> submit(WriteJob job, Completion when = Completion::Committed);
    /// Queues `job`; `done` runs on the writer's thread once the job's transaction committed (or
    /// failed), or with Completion::Executed once the job ran. It must be quick and must not
    /// submit and wait on the writer.
    void submit(WriteJob job, std::function<void(Result<void>)> done,
                Completion when = Completion::Committed);

    /// False while writes are failing for a storage reason: callers stop acknowledging.
    bool healthy() const;
    WriterSnapshot snapshot() const;

    /// Commits what is queued, then closes the connection and joins the thread. Idempotent.
    void stop();

private:
    struct Impl;
    explicit Writer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace syncline::engine::store
