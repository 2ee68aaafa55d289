#pragma once

#include "engine/runtime/exceptionservice.h"
#include "engine/runtime/ratelimiter.h"
#include "engine/store/replayjobstore.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace syncline::engine::runtime {

struct ReplayJobRunnerOptions
{
    /// Milliseconds since the epoch; tests pass a controllable clock (and call wake() after
    /// moving it).
    std::function<qint64()> clockMs;
    /// How long to wait before trying again while the store refuses writes.
    int storeRetryMs = 500;
};

/// What the runner knows of a job beyond its stored counts.
struct ReplayJobProgress
{
    double observedPerSecond = 0; // items done per second over the last seconds
    qint64 etaMs = -1;            // until the last item is done at the throttle; -1 unknown
    bool throttled = false;       // waiting for its next token
    qint64 nextTokenMs = 0;       // until the next token, when throttled
};

/// Runs bulk replay jobs on a thread of its own (never on the HTTP server's): each job's items in
/// exception order, each through ExceptionService::replayException — the one replay entry point,
/// which writes the replay's own audit record — and the outcome recorded with the job's counts.
/// A token bucket per job (burst 1) spaces the replays at the job's messages per second. Paused
/// jobs wait, cancelled ones stop; after a restart start() picks up the jobs that were queued or
/// running, from their first item not yet recorded. An item replayed just before a crash, whose
/// outcome was not recorded, is refused by replayException as already resolved and counted as
/// skipped: an exception is never replayed twice. Thread-safe.
class ReplayJobRunner
{
public:
    ReplayJobRunner(store::ReplayJobStore &jobs,
                    ExceptionService &exceptions,
                    ReplayJobRunnerOptions options = {});
    ~ReplayJobRunner();

    ReplayJobRunner(const ReplayJobRunner &) = delete;
    ReplayJobRunner &operator=(const ReplayJobRunner &) = delete;

    /// Starts the thread, which reads the active jobs from the store first.
    void start();
    /// A job was created or changed (or the clock moved): read the jobs again.
    void wake();
    /// Finishes the item in hand and joins the thread. Idempotent.
    void stop();

    /// Nothing when the job is not active here.
    std::optional<ReplayJobProgress> progress(qint64 jobId) const;

private:
    struct Run
    {
        store::ReplayJob job;
        std::unique_ptr<RateLimiter> bucket;
        std::deque<qint64> pending; // the next items, in exception order
        qint64 cursor = 0;          // the last exception id read into `pending`
        std::deque<qint64> doneAtMs; // completion times of the last items, for the rate
        bool throttled = false;
        qint64 nextTokenMs = 0;
    };

    void loop();
    void refresh();
    /// Runs at most one item of one job; how long until something can be done (0: at once,
    /// -1: nothing to do until woken).
    qint64 runOnce();
    qint64 runItem(Run &run);
    /// After a store error: wait and try again when it may pass, else fail the job.
    qint64 gaveUp(Run &run, const Error &error);
    store::ReplayItemState outcomeOf(const Result<store::ReplayTicket> &ticket) const;
    qint64 now() const;

    store::ReplayJobStore &m_jobs;
    ExceptionService &m_exceptions;
    ReplayJobRunnerOptions m_options;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_dirty = true;
    std::map<qint64, Run> m_runs; // guarded by m_mutex for progress(); changed on the thread
    qint64 m_lastJob = 0;         // round robin between flows' jobs
    std::thread m_thread;
};

} // namespace syncline::engine::runtime
