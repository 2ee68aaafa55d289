#pragma once

#include "engine/runtime/arrival.h"
#include "engine/runtime/backpressure.h"
#include "engine/runtime/flowplan.h"
#include "engine/runtime/metrics.h"
#include "engine/runtime/noderunner.h"
#include "engine/store/messagestore.h"

#include <QHash>

#include <functional>
#include <memory>

namespace syncline::engine::runtime {

struct ExecutorOptions
{
    int workers = 8;
    int claimBatch = 16;        // work items one claim takes for a non-blocking node
    qint64 leaseMs = 10 * 60'000; // a claim not completed by then is handed out again
    int tickMs = 100;           // how often due retries are looked for
    std::function<qint64()> clockMs;
    /// Shared with the webhook ingress; null: nodes are never held for a full downstream queue.
    std::shared_ptr<BackPressure> backPressure;
};

struct ExecutorSnapshot
{
    bool running = false;
    qint64 stepsCompleted = 0;
    qint64 stepsInProgress = 0;
    qint64 commitFailures = 0; // steps whose commit failed (the lease brings them back)
};

/// Runs the nodes of deployed flow versions over the store's work queues: worker threads claim
/// ready work items node by node, run the node, and commit each step — outputs, step record and
/// lineage in one transaction — without waiting for the fsync; the commit wakes the next node.
/// Retries follow each node's policy; failures that cannot go on are parked for the exception
/// queue. A node whose outgoing edge leads to a queue over its back-pressure threshold is not
/// claimed from until that queue drains. Thread-safe.
class Executor
{
public:
    Executor(store::MessageStore &store, Metrics &metrics, ExecutorOptions options = {});
    ~Executor();

    Executor(const Executor &) = delete;
    Executor &operator=(const Executor &) = delete;

    /// Adds a deployed flow version with a runner for each of its non-trigger nodes. Messages
    /// of that version run on these runners until they finish, even after a newer deploy.
    void addFlow(std::shared_ptr<const FlowPlan> plan,
                 QHash<QString, std::shared_ptr<NodeRunner>> runners);

    /// Makes work left claimed by an earlier run ready again, then starts the workers.
    Result<void> start();
    /// Stops taking work: workers finish the item they are running, and every step commit
    /// already submitted lands before this returns. Claimed items not yet run stay claimed in
    /// the store and are recovered by the next start(). Idempotent.
    void stop();

    /// Work arrived at a node (after ingest or another engine's commit).
    void notify(const QString &flowId, int flowVersion, const QString &nodeId);
    /// Runs the pure nodes (NodeRunner::pure) an arriving message meets first — while
    /// each succeeds, is not held by back pressure and leads on to exactly one node — and
    /// fills `request`'s inline steps and outputs, so the message is stored already past them
    /// in one commit. A node that fails is not run inline: the message waits before it and
    /// fails there as a queued message would. Returns the queues the message will wait in.
    /// Thread-safe; called by the intakes before they store a message.
    QList<Arrival> prepareArrival(store::IngestRequest &request, const json::Value *parsed);
    ExecutorSnapshot snapshot() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace syncline::engine::runtime
