#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/runtime/replaydryrun.h"
#include "engine/runtime/replayjobrunner.h"
#include "engine/store/replayjobstore.h"

#include <QThreadPool>

#include <atomic>

namespace syncline::engine::runtime {

/// Bulk replay jobs in the admin API (docs/operations.md, "Bulk replay"), all behind
/// Permission::BulkReplay (admin only):
///   POST /api/v1/replays/dry-run          {"filter", "rate"?}  the preview; nothing is stored
///   POST /api/v1/replays                  {"filter", "rate", "reason"}  201 with the job
///   GET  /api/v1/replays                  newest first (?limit=)
///   GET  /api/v1/replays/{id}             with progress and the items that failed or were skipped
///   POST /api/v1/replays/{id}/pause|resume|cancel   {"reason"?}
/// The filter has the members of the exception list's query (flow — required —, node, category,
/// reason, owner, state, businessKey, correlationId, olderThan, newerThan, overdue). Requests
/// wait on the store, so they run on a pool of their own rather than on the server's threads.
class ReplayJobApi
{
public:
    ReplayJobApi(store::ReplayJobStore &jobs,
                 store::ExceptionStore &exceptions,
                 store::MessageStore &messages,
                 ReplayJobRunner &runner);
    ~ReplayJobApi();

    QList<AdminRoute> routes();
    /// Lets running requests finish; later ones answer 503.
    void stop();

private:
    using Work = net::ServerResponse (ReplayJobApi::*)(const AdminCall &call);
    AdminHandler on(Work work);
    net::ServerResponse dryRun(const AdminCall &call);
    net::ServerResponse create(const AdminCall &call);
    net::ServerResponse list(const AdminCall &call);
    net::ServerResponse show(const AdminCall &call);
    net::ServerResponse pause(const AdminCall &call);
    net::ServerResponse resume(const AdminCall &call);
    net::ServerResponse cancel(const AdminCall &call);
    net::ServerResponse control(const AdminCall &call, store::ReplayJobControl action);
    nlohmann::json jobJson(const store::ReplayJob &job) const;

    store::ReplayJobStore &m_jobs;
    ReplayDryRun m_dryRun;
    ReplayJobRunner &m_runner;
    QThreadPool m_pool;
    std::atomic<bool> m_stopped{false};
};

/// Limits of a job's throttle, in messages per second.
inline constexpr double kMaxReplayRate = 1000;

} // namespace syncline::engine::runtime
