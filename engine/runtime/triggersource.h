#pragma once

#include "engine/runtime/arrival.h"
#include "engine/store/messagestore.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

namespace syncline::engine::runtime {

/// Where a trigger's messages go: the deployed flow version it belongs to and the nodes after it.
struct TriggerTarget
{
    QString flowId;
    int flowVersion = 1;
    QString nodeId; // the trigger node
    QStringList firstNodes;

    /// The ingest source that delivery ids are unique within: "<flow>/<node>", the same for
    /// every version so that a redeploy does not repeat what an earlier version took.
    QString source() const { return flowId + u'/' + nodeId; }
    /// The scope of the trigger's durable state (cursor, last run); also version-independent.
    QString stateScope(const QString &kind) const { return kind + u'/' + source(); }
};

/// What every trigger needs from the engine. All outlive the triggers.
struct TriggerContext
{
    store::MessageStore *store = nullptr;
    std::function<qint64()> clockMs;
    /// A new message was committed at these nodes (wakes the executor).
    std::function<void(const QString &flowId, int flowVersion, const QStringList &nodes)> onStored;
    /// Why the trigger must not feed its flow now (a full queue downstream); nothing: go on.
    std::function<std::optional<QString>(const QString &flowId, int flowVersion,
                                         const QString &nodeId)>
        held;
    /// Runs the pure nodes a message meets first before it is stored; unset: it waits at its
    /// first nodes.
    PrepareArrival prepare;
};

/// What the admin API and the status panel show of one trigger. Counts since start.
struct TriggerStatus
{
    QString flowId;
    int flowVersion = 0;
    QString nodeId;
    QString type;
    qint64 messages = 0;   // messages committed
    qint64 duplicates = 0; // deliveries already taken before (poll items seen again)
    qint64 runs = 0;       // schedule fires, poll rounds completed
    qint64 skipped = 0;    // schedule runs missed while stopped and skipped by policy
    qint64 failures = 0;   // failed attempts (a poll's HTTP error, the store refusing)
    int consecutiveFailures = 0;
    QString lastError;     // empty once an attempt succeeds again
    qint64 lastSuccessAtMs = 0;
    qint64 nextRunAtMs = 0;
    bool failing() const { return consecutiveFailures > 0; }
};

/// A trigger that acts by itself (a schedule, a poll). The TriggerHost gives each one a thread
/// and calls run() whenever it is due. Status is read from other threads.
class TriggerSource
{
public:
    TriggerSource(TriggerTarget target, QString type, TriggerContext context);
    virtual ~TriggerSource() = default;

    TriggerSource(const TriggerSource &) = delete;
    TriggerSource &operator=(const TriggerSource &) = delete;

    /// Does what is due at `nowMs` and returns when it wants to run next (Unix ms). Blocking is
    /// allowed (HTTP calls), but it must return soon once `stop` is true; everything committed
    /// before that stays, and the next start continues from the committed state.
    virtual qint64 run(qint64 nowMs, const std::atomic<bool> &stop) = 0;

    const TriggerTarget &target() const { return m_target; }
    TriggerStatus status() const;

protected:
    /// Commits one message (with its state writes) and wakes the flow. Duplicates are counted.
    Result<store::IngestResult> ingest(store::IngestRequest request);
    void recordSuccess(qint64 nowMs);
    void recordFailure(const QString &error);
    /// Changes the status under its lock.
    void updateStatus(const std::function<void(TriggerStatus &)> &change);

    TriggerTarget m_target;
    TriggerContext m_context;

private:
    mutable std::mutex m_statusMutex;
    TriggerStatus m_status;
};

} // namespace syncline::engine::runtime
