#include "engine/runtime/replayjobrunner.h"

#include "engine/core/threadname.h"

#include <QDateTime>

#include <algorithm>
#include <chrono>

namespace syncline::engine::runtime {

namespace {

constexpr int kItemBatch = 100;
constexpr qint64 kRateWindowMs = 10'000;

bool isStoreTrouble(const Error &error)
{
    return error.retryable;
}

} // namespace

ReplayJobRunner::ReplayJobRunner(store::ReplayJobStore &jobs,
                                 ExceptionService &exceptions,
                                 ReplayJobRunnerOptions options)
    : m_jobs(jobs)
    , m_exceptions(exceptions)
    , m_options(std::move(options))
{
    if (!m_options.clockMs) {
        m_options.clockMs = [] { return QDateTime::currentMSecsSinceEpoch(); };
    }
}

ReplayJobRunner::~ReplayJobRunner()
{
    stop();
}

qint64 ReplayJobRunner::now() const
{
    return m_options.clockMs();
}

void ReplayJobRunner::start()
{
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable() || m_stopping) {
        return;
    }
    m_dirty = true;
    m_thread = std::thread([this] {
        nameThisThread("sl-replay");
        loop();
    });
}

void ReplayJobRunner::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_dirty = true;
    }
    m_wake.notify_all();
}

void ReplayJobRunner::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::optional<ReplayJobProgress> ReplayJobRunner::progress(qint64 jobId) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_runs.find(jobId);
    if (found == m_runs.end()) {
        return std::nullopt;
    }
    const Run &run = found->second;
    ReplayJobProgress progress;
    progress.throttled = run.throttled;
    progress.nextTokenMs = run.nextTokenMs;
    const qint64 at = now();
    const auto recent = std::count_if(run.doneAtMs.cbegin(), run.doneAtMs.cend(), [at](qint64 t) {
        return at - t <= kRateWindowMs;
    });
    if (recent > 1) {
        const qint64 spanMs = std::max<qint64>(1, at - run.doneAtMs[run.doneAtMs.size() - recent]);
        progress.observedPerSecond = double(recent) * 1000.0 / double(spanMs);
    }
    const qint64 remaining = run.job.total - run.job.done();
    double perSecond = run.job.ratePerSecond;
    if (progress.observedPerSecond > 0) {
        perSecond = std::min(perSecond, progress.observedPerSecond);
    }
    if (perSecond > 0) {
        progress.etaMs = qint64(double(remaining) * 1000.0 / perSecond);
    }
    return progress;
}

void ReplayJobRunner::loop()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_dirty) {
            m_dirty = false;
            lock.unlock();
            refresh();
            lock.lock();
            continue;
        }
        lock.unlock();
        const qint64 waitMs = runOnce();
        lock.lock();
        if (m_stopping || m_dirty || waitMs == 0) {
            continue;
        }
        const auto woken = [this] { return m_stopping || m_dirty; };
        if (waitMs < 0) {
            m_wake.wait(lock, woken);
        } else {
            m_wake.wait_for(lock, std::chrono::milliseconds(waitMs), woken);
        }
    }
}

void ReplayJobRunner::refresh()
{
    Result<QList<store::ReplayJob>> active = m_jobs.activeJobs();
    if (!active) {
        // The store is in trouble: try again shortly.
        std::lock_guard lock(m_mutex);
        m_dirty = true;
        return;
    }
    std::lock_guard lock(m_mutex);
    std::map<qint64, Run> runs;
    for (const store::ReplayJob &job : std::as_const(*active)) {
        auto known = m_runs.find(job.id);
        Run run;
        if (known != m_runs.end()) {
            run = std::move(known->second);
        }
        if (!run.bucket || run.job.ratePerSecond != job.ratePerSecond) {
            run.bucket = std::make_unique<RateLimiter>(job.ratePerSecond, 1.0);
        }
        run.job = job;
        runs.emplace(job.id, std::move(run));
    }
    m_runs = std::move(runs);
}

qint64 ReplayJobRunner::runOnce()
{
    Run *chosen = nullptr;
    qint64 waitMs = -1;
    {
        std::lock_guard lock(m_mutex);
        if (m_runs.empty()) {
            return -1;
        }
        // Round robin: the first runnable job after the one served last.
        auto it = m_runs.upper_bound(m_lastJob);
        for (size_t n = 0; n < m_runs.size(); ++n, ++it) {
            if (it == m_runs.end()) {
                it = m_runs.begin();
            }
            Run &run = it->second;
            const store::ReplayJobState state = run.job.state;
            if (state != store::ReplayJobState::Queued && state != store::ReplayJobState::Running) {
                run.throttled = false;
                run.nextTokenMs = 0;
                continue;
            }
            const qint64 until = run.bucket->tryAcquire(now());
            run.throttled = until > 0;
            run.nextTokenMs = std::max<qint64>(0, until);
            if (until > 0) {
                waitMs = waitMs < 0 ? until : std::min(waitMs, until);
                continue;
            }
            chosen = &run;
            m_lastJob = it->first;
            break;
        }
    }
    if (!chosen) {
        return waitMs;
    }
    return runItem(*chosen);
}

qint64 ReplayJobRunner::runItem(Run &run)
{
    const qint64 jobId = run.job.id;
    if (run.job.state == store::ReplayJobState::Queued || run.pending.empty()) {
        if (run.pending.empty()) {
            Result<QList<store::ReplayJobItem>> next =
                m_jobs.items(jobId, store::ReplayItemState::Pending, run.cursor, kItemBatch);
            if (!next) {
                return gaveUp(run, next.error());
            }
            std::lock_guard lock(m_mutex);
            for (const store::ReplayJobItem &item : std::as_const(*next)) {
                run.pending.push_back(item.exceptionId);
                run.cursor = item.exceptionId;
            }
        }
        // Starts a queued job; finishes one whose items were all recorded before a restart.
        if (run.job.state == store::ReplayJobState::Queued || run.pending.empty()) {
            Result<store::ReplayJob> marked = m_jobs.markRunning(jobId);
            if (!marked) {
                return gaveUp(run, marked.error());
            }
            std::lock_guard lock(m_mutex);
            run.job = *marked;
            if (!marked->active()) {
                m_dirty = true;
                return 0;
            }
        }
        if (run.pending.empty()) {
            return 0;
        }
    }
    const qint64 exceptionId = run.pending.front();
    const security::Principal actor{
        run.job.createdBy,
        security::roleFromName(run.job.createdRole).value_or(security::Role::Viewer)};
    const QString reason = QStringLiteral("bulk replay job %1: %2").arg(jobId).arg(run.job.reason);
    const Result<store::ReplayTicket> ticket =
        m_exceptions.replayException(exceptionId, actor, reason);
    if (!ticket && isStoreTrouble(ticket.error())) {
        return m_options.storeRetryMs; // the same item again once the store takes writes
    }
    store::ReplayJobItem item;
    item.exceptionId = exceptionId;
    item.state = outcomeOf(ticket);
    item.detail = ticket ? QStringLiteral("message %1 from node %2")
                               .arg(ticket->messageId, ticket->nodeId)
                         : QStringLiteral("%1: %2").arg(ticket.error().code, ticket.error().message);
    Result<store::ReplayJob> recorded = m_jobs.recordItem(jobId, item);
    if (!recorded) {
        // Not counted yet: the next attempt finds the exception resolved and counts it skipped.
        return m_options.storeRetryMs;
    }
    std::lock_guard lock(m_mutex);
    run.pending.pop_front();
    run.job = *recorded;
    run.doneAtMs.push_back(now());
    while (run.doneAtMs.size() > 2 && run.doneAtMs.front() < now() - kRateWindowMs) {
        run.doneAtMs.pop_front();
    }
    if (!recorded->active()) {
        m_dirty = true;
    }
    return 0;
}

qint64 ReplayJobRunner::gaveUp(Run &run, const Error &error)
{
    if (isStoreTrouble(error)) {
        return m_options.storeRetryMs; // the store will take writes again: so will the job
    }
    // Anything else would fail the same way on every attempt: the job says so and stops.
    Result<store::ReplayJob> failed = m_jobs.fail(
        run.job.id, QStringLiteral("%1: %2").arg(error.code, error.message));
    if (!failed) {
        return m_options.storeRetryMs;
    }
    std::lock_guard lock(m_mutex);
    run.job = *failed;
    m_dirty = true;
    return 0;
}

store::ReplayItemState ReplayJobRunner::outcomeOf(const Result<store::ReplayTicket> &ticket) const
{
    if (ticket) {
        return store::ReplayItemState::Replayed;
    }
    // Resolved since the job was made — by a person, or by this job just before a crash whose
    // record of it was lost: either way it must not go again.
    if (ticket.error().code == QLatin1String(store::kExceptionResolved)) {
        return store::ReplayItemState::Skipped;
    }
    return store::ReplayItemState::Failed;
}

} // namespace syncline::engine::runtime
