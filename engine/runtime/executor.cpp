#include "engine/runtime/executor.h"

#include "engine/core/threadname.h"
#include "engine/runtime/errorbranch.h"
#include "engine/runtime/exceptiondraft.h"
#include "engine/runtime/nodesupport.h"

#include <QDateTime>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace syncline::engine::runtime {

namespace {

// Node types whose run() waits on another system: claimed one at a time, so that several
// workers call in parallel up to the node's concurrency.
bool isBlockingType(const QString &type)
{
    return type == QLatin1String("http") || type == QLatin1String("poll");
}

double random01()
{
    thread_local std::uint64_t state = std::uint64_t(reinterpret_cast<std::uintptr_t>(&state))
                                       ^ 0x9E3779B97F4A7C15ull;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return double(state >> 11) / double(1ull << 53);
}

struct Slot
{
    std::shared_ptr<const FlowPlan> plan;
    const PlannedNode *node = nullptr;
    std::shared_ptr<NodeRunner> runner;
    std::atomic<bool> pending{true};
    std::atomic<quint64> generation{0}; // bumped by every notify
    std::atomic<qint64> dueAtMs{std::numeric_limits<qint64>::max()};
    std::atomic<int> inFlight{0};   // items claimed and running (within limit())
    std::atomic<int> committing{0}; // steps run and waiting for their commit
    bool ordered = false; // its flow has an ordering key: a commit may let a waiting turn go

    // Items of this node in progress at once: its concurrency, or a multiple of it for a node
    // that keeps its calls within its concurrency itself (NodeRunner::claimAhead).
    int limit() const { return node->concurrency * runner->claimAhead(); }
};

// A queue a committed step feeds: its node, flow, and the payload bytes added.
struct Fed
{
    QString flowId;
    int flowVersion = 0;
    QString nodeId;
    qint64 bytes = 0;
    bool wake = true; // false: a retry put back, woken by the ticker when due
};

// Steps of one node waiting for their commit at most; beyond, the node waits for the writer.
constexpr int kMaxCommitting = 512;

QString slotKey(const QString &flowId, int version, const QString &nodeId)
{
    return flowId + u'\n' + QString::number(version) + u'\n' + nodeId;
}

// What a node that went on produced, each output at a node: an output without a node goes to
// each successor on the node's chosen output.
QList<store::StepOutput> resolveOutputs(const PlannedNode &node, const NodeOutcome &outcome)
{
    QList<store::StepOutput> outputs;
    const QStringList successors = node.successors(outcome.output);
    if (!outcome.outputs.isEmpty()) {
        for (const store::StepOutput &output : outcome.outputs) {
            if (!output.nodeId.isEmpty()) {
                outputs.append(output);
                continue;
            }
            for (const QString &next : successors) {
                store::StepOutput routed = output;
                routed.nodeId = next;
                outputs.append(routed);
            }
        }
    } else if (!outcome.routedOutputs.isEmpty()) {
        for (const QString &output : outcome.routedOutputs) {
            for (const QString &next : node.successors(output)) {
                outputs.append({next, std::nullopt});
            }
        }
    } else if (outcome.passInput) {
        for (const QString &next : successors) {
            outputs.append({next, std::nullopt});
        }
    }
    return outputs;
}

} // namespace

struct Executor::Impl
{
    store::MessageStore &store;
    Metrics &metrics;
    ExecutorOptions options;

    mutable std::mutex mutex;
    std::condition_variable wake; // workers wait here
    // The ticker's own: sharing `wake`, the ticker caught the workers' wakeups meant for each
    // other, and passed each one on by waking every worker.
    std::condition_variable tick;
    std::vector<std::unique_ptr<Slot>> nodeSlots;
    QHash<QString, Slot *> byKey;
    size_t nextSlot = 0;
    std::atomic<bool> running{false};
    std::vector<std::thread> threads;

    std::mutex commitsMutex;
    std::condition_variable commitsDone;
    std::atomic<qint64> stepsCompleted{0};
    std::atomic<qint64> stepsInProgress{0};
    std::atomic<qint64> commitFailures{0};
    // Outputs that wait until a time (a delay, an aggregate's window): their node wakes then.
    std::multimap<qint64, Slot *> timers;

    Impl(store::MessageStore &s, Metrics &m, ExecutorOptions o)
        : store(s)
        , metrics(m)
        , options(std::move(o))
    {}

    qint64 now() const { return options.clockMs(); }
    Slot *pick();
    void workerLoop();
    void tickerLoop();
    void process(Slot &slot, const store::WorkItem &item);
    void processBatch(Slot &slot, const QList<store::WorkItem> &items);
    /// Turns a node's outcome into its step and commits it.
    void settle(Slot &slot, const store::WorkItem &item, NodeOutcome outcome, qint64 started,
                qint64 finished);
    void commit(Slot &slot, store::StepResult step, QList<Fed> fed, qint64 retryAtMs);
    void markPending(Slot &slot);
    void wakeWhenDue(const FlowPlan &plan, const QList<store::StepOutput> &outputs);
    bool held(const Slot &slot) const
    {
        return options.backPressure
               && options.backPressure->isHeld(slot.plan->flowId, slot.plan->version,
                                               slot.node->id);
    }
};

// A worker is woken when a node gets work it had not: a node already marked is picked by the
// next worker that looks (each looks again after its batch), and waking one more per arrival
// only had it find the node taken.
void Executor::Impl::markPending(Slot &slot)
{
    ++slot.generation;
    if (!slot.pending.exchange(true)) {
        wake.notify_one();
    }
}

void Executor::Impl::wakeWhenDue(const FlowPlan &plan, const QList<store::StepOutput> &outputs)
{
    const qint64 t = now();
    if (std::none_of(outputs.cbegin(), outputs.cend(),
                     [t](const store::StepOutput &o) { return o.availableAtMs > t; })) {
        return;
    }
    std::lock_guard lock(mutex);
    for (const store::StepOutput &output : outputs) {
        if (output.availableAtMs <= t || output.nodeId.isEmpty()) {
            continue;
        }
        const QString flowId = output.message ? output.message->flowId : plan.flowId;
        const int version = output.message ? output.message->flowVersion : plan.version;
        if (Slot *target = byKey.value(slotKey(flowId, version, output.nodeId))) {
            timers.emplace(output.availableAtMs, target);
        }
    }
}

Slot *Executor::Impl::pick()
{
    // Round robin over the nodeSlots with work and spare concurrency, so one busy node does not
    // starve the others. A held node keeps its pending mark; the ticker looks again.
    for (size_t i = 0; i < nodeSlots.size(); ++i) {
        Slot &slot = *nodeSlots[(nextSlot + i) % nodeSlots.size()];
        if (slot.pending && slot.inFlight < slot.limit()
            && slot.committing < kMaxCommitting && !held(slot)) {
            nextSlot = (nextSlot + i + 1) % nodeSlots.size();
            return &slot;
        }
    }
    return nullptr;
}

void Executor::Impl::workerLoop()
{
    while (running) {
        Slot *slot = nullptr;
        int take = 0;
        int reserved = 0;
        quint64 generation = 0;
        {
            std::unique_lock lock(mutex);
            wake.wait(lock, [&] { return !running || (slot = pick()) != nullptr; });
            if (!running) {
                return;
            }
            // One worker runs a claimed batch in turn; a blocking node's calls run in parallel
            // instead: one per worker, or — a node that waits on a batch at once — as many as
            // its concurrency has room for, each counted. Reserved before the claim, so others
            // see it.
            if (slot->runner->batchLimit() > 1) {
                take = std::min(slot->runner->batchLimit(), slot->limit() - slot->inFlight);
                reserved = take;
            } else {
                take = isBlockingType(slot->node->type) ? 1 : options.claimBatch;
                reserved = 1;
            }
            slot->inFlight += reserved;
            generation = slot->generation;
        }
        Result<QList<store::WorkItem>> claimed = store.claim(slot->plan->flowId,
                                                             slot->plan->version, slot->node->id,
                                                             take, options.leaseMs);
        const int got = claimed ? int(claimed->size()) : 0;
        if (got == 0) {
            slot->inFlight -= reserved;
            // Nothing ready: sleep on this node unless work arrived while we looked.
            quint64 expected = generation;
            if (slot->generation.compare_exchange_strong(expected, generation)) {
                slot->pending = false;
            }
            continue;
        }
        if (got < take) {
            quint64 expected = generation;
            if (slot->generation.compare_exchange_strong(expected, generation)) {
                slot->pending = false;
            }
        }
        if (options.backPressure) {
            qint64 bytes = 0;
            for (const store::WorkItem &item : *claimed) {
                bytes += item.message.payload.size();
            }
            options.backPressure->taken(slot->plan->flowId, slot->node->id, got, bytes);
        }
        if (reserved > 1) {
            slot->inFlight -= reserved - got; // room the claim did not fill
        }
        wake.notify_one(); // more workers may help with what is left
        if (reserved > 1) {
            processBatch(*slot, *claimed);
        } else {
            for (const store::WorkItem &item : *claimed) {
                process(*slot, item);
            }
        }
        // Free for the next batch while these commit: the group commit's fsync is not the
        // node's work, and waiting for it would cap a node at a batch per fsync.
        slot->inFlight -= reserved > 1 ? got : 1;
        wake.notify_one();
    }
}

namespace {

NodeOutcome unexpected(const PlannedNode &node, const std::exception &e)
{
    return NodeOutcome::fail(QStringLiteral("INTERNAL"),
                             QStringLiteral("node %1 failed unexpectedly: %2")
                                 .arg(node.id, QString::fromUtf8(e.what())));
}

} // namespace

void Executor::Impl::process(Slot &slot, const store::WorkItem &item)
{
    ++stepsInProgress;
    metrics.addInFlight(slot.plan->flowId, slot.node->id, 1);
    const qint64 started = now();
    NodeOutcome outcome;
    try {
        outcome = slot.runner->run(item);
    } catch (const std::exception &e) {
        outcome = unexpected(*slot.node, e);
    }
    settle(slot, item, std::move(outcome), started, now());
}

void Executor::Impl::processBatch(Slot &slot, const QList<store::WorkItem> &items)
{
    stepsInProgress += items.size();
    metrics.addInFlight(slot.plan->flowId, slot.node->id, int(items.size()));
    const qint64 started = now();
    QList<NodeOutcome> outcomes;
    try {
        outcomes = slot.runner->runBatch(items);
    } catch (const std::exception &e) {
        outcomes = QList<NodeOutcome>(items.size(), unexpected(*slot.node, e));
    }
    const qint64 finished = now();
    for (qsizetype i = 0; i < items.size(); ++i) {
        settle(slot, items[i], std::move(outcomes[i]), started, finished);
    }
}

void Executor::Impl::settle(Slot &slot, const store::WorkItem &item, NodeOutcome outcome,
                            qint64 started, qint64 finished)
{
    const PlannedNode &node = *slot.node;
    const QString &flowId = slot.plan->flowId;
    store::StepResult step;
    step.workItemId = item.id;
    step.startedAtMs = started;
    step.finishedAtMs = finished;
    step.errorCode = outcome.errorCode;
    step.errorDetail = outcome.errorDetail;
    step.stateWrites = outcome.stateWrites;
    step.effect = outcome.effect;
    qint64 retryAt = 0;

    switch (outcome.kind) {
    case NodeOutcome::Kind::Continue:
        step.status = store::StepStatus::Succeeded;
        step.outputs = resolveOutputs(node, outcome);
        metrics.recordProcessed(flowId, node.id, double(finished - started));
        break;
    case NodeOutcome::Kind::Retry: {
        const std::optional<qint64> delay = node.retry.nextDelayMs(
            item.attempts + 1, finished - item.message.createdAtMs, outcome.retryAfterMs,
            random01());
        if (delay) {
            step.status = store::StepStatus::Retrying;
            retryAt = finished + *delay;
            metrics.recordRetried(flowId, node.id);
        } else {
            step.status = store::StepStatus::Failed;
            step.errorCode = QStringLiteral("RETRIES_EXHAUSTED");
            step.errorDetail = QStringLiteral("gave up after %1 attempts; last: %2 %3")
                                   .arg(item.attempts + 1)
                                   .arg(outcome.errorCode, outcome.errorDetail);
            metrics.recordFailed(flowId, node.id);
        }
        break;
    }
    case NodeOutcome::Kind::Defer:
        step.status = store::StepStatus::Deferred;
        retryAt = finished + outcome.retryAfterMs.value_or(1000);
        break;
    case NodeOutcome::Kind::Fail:
        step.status = store::StepStatus::Failed;
        metrics.recordFailed(flowId, node.id);
        break;
    }
    if (step.status == store::StepStatus::Failed) {
        step.exception = draftException(*slot.plan, node, item, outcome, step.errorCode);
    }
    divertToErrorBranch(node, item, step);
    wakeWhenDue(*slot.plan, step.outputs);
    step.retryAtMs = retryAt;
    QList<Fed> fed;
    for (const store::StepOutput &output : step.outputs) {
        if (output.nodeId.isEmpty()) {
            continue; // recorded for lineage only
        }
        // A published message feeds another flow's version (a subscriber), not this one.
        const bool elsewhere = output.message && !output.message->flowId.isEmpty();
        fed.append({elsewhere ? output.message->flowId : flowId,
                    elsewhere ? output.message->flowVersion : slot.plan->version, output.nodeId,
                    (output.message ? output.message->payload : item.message.payload).size()});
    }
    if (retryAt > 0) {
        fed.append({flowId, slot.plan->version, node.id, item.message.payload.size(),
                    false}); // back in its queue
    }
    commit(slot, std::move(step), std::move(fed), retryAt);
}

void Executor::Impl::commit(Slot &slot, store::StepResult step, QList<Fed> fed, qint64 retryAtMs)
{
    const QString flowId = slot.plan->flowId;
    const int version = slot.plan->version;
    const QString nodeId = slot.node->id;
    if (options.backPressure) {
        // Counted before the worker frees the node, so its next claim already sees the queue
        // (a failed commit overstates it until the next sample).
        for (const Fed &queue : fed) {
            options.backPressure->queued(queue.flowId, queue.nodeId, 1, queue.bytes);
        }
    }
    ++slot.committing;
    store.completeStepAsync(std::move(step), [this, &slot, flowId, version, nodeId,
                                              fed = std::move(fed),
                                              retryAtMs](Result<void> done) {
        const bool wasFull = slot.committing-- == kMaxCommitting;
        metrics.addInFlight(flowId, nodeId, -1);
        const auto finishCommit = [this] {
            std::lock_guard commitsLock(commitsMutex);
            --stepsInProgress;
            commitsDone.notify_all();
        };
        if (!done) {
            // STALE_CLAIM: someone else owns it now. A storage fault: the lease brings the
            // item back and the effect ledger keeps a repeated call from doing anything twice.
            ++commitFailures;
            finishCommit();
            return;
        }
        ++stepsCompleted;
        std::unique_lock lock(mutex);
        int ready = wasFull ? 1 : 0; // the node may take its next batch now
        for (const Fed &queue : fed) {
            if (!queue.wake) {
                continue;
            }
            if (Slot *target = byKey.value(slotKey(queue.flowId, queue.flowVersion,
                                                   queue.nodeId))) {
                ++target->generation;
                ready += target->pending.exchange(true) ? 0 : 1; // see markPending
            }
        }
        if (slot.ordered) {
            // The step may have ended its message's turn and let the next message with the
            // same key go, wherever in this flow (any version) that one waits.
            for (const auto &other : nodeSlots) {
                if (other->plan->flowId == flowId) {
                    ++other->generation;
                    other->pending = true;
                    ++ready;
                }
            }
        }
        if (retryAtMs > 0) {
            qint64 due = slot.dueAtMs;
            while (retryAtMs < due && !slot.dueAtMs.compare_exchange_weak(due, retryAtMs)) {
            }
        }
        lock.unlock();
        // One worker per queue that got work, not all of them: with dozens of workers on few
        // cores, waking every one per commit costs more than the steps (the ticker wakes all
        // now and then, should a wakeup be missed).
        for (int i = 0; i < ready; ++i) {
            wake.notify_one();
        }
        finishCommit(); // last: after this, stop() may let the executor go
    });
}

void Executor::Impl::tickerLoop()
{
    qint64 lastSweep = now();
    while (running) {
        {
            std::unique_lock lock(mutex);
            tick.wait_for(lock, std::chrono::milliseconds(options.tickMs));
            if (!running) {
                return;
            }
            const qint64 t = now();
            for (const auto &slot : nodeSlots) {
                if (slot->dueAtMs <= t) {
                    slot->dueAtMs = std::numeric_limits<qint64>::max();
                    ++slot->generation;
                    slot->pending = true;
                }
            }
            for (auto due = timers.begin(); due != timers.end() && due->first <= t;
                 due = timers.erase(due)) {
                ++due->second->generation;
                due->second->pending = true;
            }
        }
        if (now() - lastSweep >= 10'000) {
            // Safety net: expired leases, and work committed by someone else (a replay job).
            lastSweep = now();
            (void) store.releaseExpiredClaims();
            std::lock_guard lock(mutex);
            for (const auto &slot : nodeSlots) {
                ++slot->generation;
                slot->pending = true;
            }
        }
        wake.notify_all();
    }
}

QList<Arrival> Executor::prepareArrival(store::IngestRequest &request, const json::Value *parsed)
{
    const store::NewMessage &message = request.message;
    store::WorkItem item;
    static_cast<store::NewMessage &>(item.message) = message;
    QList<store::StepOutput> outputs;
    std::optional<json::Value> ownParse; // when the intake did not parse the payload
    QString at = request.firstNodes.size() == 1 ? request.firstNodes.constFirst() : QString();
    // Along a chain of single successors: a node that feeds several goes through the queues.
    while (!at.isEmpty()) {
        Slot *slot = nullptr;
        {
            std::lock_guard lock(d->mutex);
            slot = d->byKey.value(slotKey(message.flowId, message.flowVersion, at));
        }
        PureNode *pure = slot ? slot->runner->pure() : nullptr;
        if (!pure || d->held(*slot)) {
            break;
        }
        if (!parsed) {
            Result<json::Value> read = readPayload(item);
            if (!read) {
                break; // fails at its first node as a queued message would
            }
            parsed = &ownParse.emplace(std::move(*read));
        }
        const qint64 started = d->now();
        const NodeOutcome outcome = pure->runParsed(item, *parsed);
        const qint64 finished = d->now();
        if (outcome.kind != NodeOutcome::Kind::Continue) {
            break;
        }
        QList<store::StepOutput> produced = resolveOutputs(*slot->node, outcome);
        d->metrics.recordProcessed(message.flowId, at, double(finished - started));
        request.inlineSteps.append({at, started, finished});
        outputs = std::move(produced);
        const bool passedOn = outputs.size() == 1 && !outputs.constFirst().message
                              && outputs.constFirst().availableAtMs == 0;
        at = passedOn ? outputs.constFirst().nodeId : QString();
    }
    if (request.inlineSteps.isEmpty()) {
        return arrivalsAtFirstNodes(request);
    }
    request.inlineOutputs = outputs;
    QList<Arrival> arrivals;
    for (const store::StepOutput &output : outputs) {
        if (!output.nodeId.isEmpty()) {
            arrivals.append({output.nodeId, (output.message ? output.message->payload
                                                            : message.payload)
                                                .size()});
        }
    }
    return arrivals;
}

Executor::Executor(store::MessageStore &store, Metrics &metrics, ExecutorOptions options)
    : d(std::make_unique<Impl>(store, metrics, std::move(options)))
{
    if (!d->options.clockMs) {
        d->options.clockMs = [] { return QDateTime::currentMSecsSinceEpoch(); };
    }
}

Executor::~Executor()
{
    stop();
}

void Executor::addFlow(std::shared_ptr<const FlowPlan> plan,
                       QHash<QString, std::shared_ptr<NodeRunner>> runners)
{
    if (d->options.backPressure) {
        d->options.backPressure->addFlow(*plan);
    }
    std::lock_guard lock(d->mutex);
    for (const QString &id : plan->nodeOrder) {
        const PlannedNode *node = plan->node(id);
        if (node->isTrigger || !runners.contains(id)) {
            continue;
        }
        auto slot = std::make_unique<Slot>();
        slot->plan = plan;
        slot->node = node;
        slot->runner = runners.value(id);
        slot->ordered = plan->ordered;
        d->byKey.insert(slotKey(plan->flowId, plan->version, id), slot.get());
        d->nodeSlots.push_back(std::move(slot));
    }
    d->wake.notify_all();
}

Result<void> Executor::start()
{
    if (d->running) {
        return {};
    }
    if (Result<int> recovered = d->store.recoverClaims(); !recovered) {
        return recovered.error();
    }
    d->running = true;
    for (int i = 0; i < std::max(1, d->options.workers); ++i) {
        d->threads.emplace_back([this] {
            nameThisThread("sl-worker");
            d->workerLoop();
        });
    }
    d->threads.emplace_back([this] {
        nameThisThread("sl-ticker");
        d->tickerLoop();
    });
    return {};
}

void Executor::stop()
{
    if (!d->running.exchange(false)) {
        return;
    }
    {
        std::lock_guard lock(d->mutex); // a waiter between its check and its wait hears this
    }
    d->wake.notify_all();
    d->tick.notify_all();
    for (std::thread &t : d->threads) {
        t.join(); // a worker finishes the item it is running, then sees the stop
    }
    d->threads.clear();
    // Commits run on the store's writer thread and always complete; their callbacks use this
    // executor, so wait for every one.
    std::unique_lock lock(d->commitsMutex);
    d->commitsDone.wait(lock, [this] { return d->stepsInProgress == 0; });
}

void Executor::notify(const QString &flowId, int flowVersion, const QString &nodeId)
{
    std::lock_guard lock(d->mutex);
    if (Slot *slot = d->byKey.value(slotKey(flowId, flowVersion, nodeId))) {
        d->markPending(*slot);
    }
}

ExecutorSnapshot Executor::snapshot() const
{
    return {d->running, d->stepsCompleted, d->stepsInProgress, d->commitFailures};
}

} // namespace syncline::engine::runtime
