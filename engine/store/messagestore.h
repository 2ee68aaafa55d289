#pragma once

#include "engine/core/result.h"
#include "engine/store/records.h"

#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace syncline::engine::store {

/// The engine's durable state: messages, the work queues between nodes, step records, lineage
/// and the effect ledger. An interface so that a PostgreSQL backend (row claims with SKIP LOCKED)
/// can let several engines share work; SqliteMessageStore is the embedded one.
/// Every method is thread-safe and returns only after its change is durable (committed).
class MessageStore
{
public:
    virtual ~MessageStore() = default;

    /// Records a deployed flow document under the next version number and returns it.
    virtual Result<int> deployFlow(const QString &flowId, const QByteArray &document) = 0;
    /// Records the documents of one deployment, each under its flow's next version, and the
    /// deployment's audit record, in one transaction; the versions in the order of `flows`.
    virtual Result<QList<int>> deployFlows(const QList<FlowDocument> &flows,
                                           const AuditRecord &audit) = 0;
    /// The document of a deployed flow version; nothing when unknown.
    virtual Result<std::optional<QByteArray>> flowVersion(const QString &flowId, int version) = 0;
    virtual Result<int> latestFlowVersion(const QString &flowId) = 0; // 0 when never deployed

    /// Stores a message from outside and queues it at its first nodes, unless the same delivery
    /// was stored before: then nothing is created and the original ids come back. `done` runs
    /// once the message is committed (or refused), on a thread of the store's: quick, no waiting.
    virtual void ingestAsync(IngestRequest request,
                             std::function<void(Result<IngestResult>)> done)
        = 0;
    /// ingestAsync, waiting for the outcome.
    Result<IngestResult> ingest(const IngestRequest &request);

    /// Claims up to `limit` ready work items of a node for `leaseMs`. A claim that is not
    /// completed in time (the engine crashed) becomes ready again through releaseExpiredClaims.
    /// Returns before the claim is durable: a claim lost in a crash or a failed commit is like
    /// an expired lease (the step commit then fails with STALE_CLAIM).
    virtual Result<QList<WorkItem>> claim(const QString &flowId, int flowVersion,
                                          const QString &nodeId, int limit, qint64 leaseMs)
        = 0;
    /// Commits a step: the work item's new state, the step record, the outputs queued at the
    /// next nodes and their lineage edges — all or nothing. Fails with STALE_CLAIM when the
    /// work item is no longer claimed (its lease ran out and it was handed out again).
    virtual void completeStepAsync(StepResult step, std::function<void(Result<void>)> done) = 0;
    /// completeStepAsync, waiting for the outcome.
    Result<void> completeStep(const StepResult &step);
    /// Makes claimed work items whose lease ran out ready again. Returns how many.
    virtual Result<int> releaseExpiredClaims() = 0;
    /// Makes every claimed work item ready again: for the start of the only engine working on
    /// this store, whose earlier run ended without completing them. Returns how many.
    virtual Result<int> recoverClaims() = 0;

    /// Commits an effect's intent before it runs. When the key is known already, returns the
    /// existing record (with attempts counted up) so the caller can skip a succeeded effect.
    virtual Result<EffectRecord> beginEffect(const EffectIntent &intent) = 0;
    /// beginEffect for several intents in one commit (a node calling for several messages at
    /// once): every intent is durable before this returns; the records in the intents' order.
    /// A new intent for a message the store does not hold fails them all with STALE_CLAIM: a
    /// claim is answered before its transaction commits, and when that commit failed, its items
    /// may name messages whose ingest was rolled back (their senders heard 503 and send again).
    virtual Result<QList<EffectRecord>> beginEffects(const QList<EffectIntent> &intents) = 0;
    /// Records an effect's outcome. Unlike the other writes it returns once the outcome is
    /// written, before it is durable: it becomes durable no later than the caller's next write
    /// (the step commit), so a crash loses both or neither of them — as a crash during the call
    /// would, which a retry with the same key or an Uncertain effect already covers.
    virtual Result<void> finishEffect(const EffectOutcome &outcome) = 0;
    virtual Result<std::optional<EffectRecord>> effect(const QString &idempotencyKey) = 0;
    /// Correlation ids whose time-ordered prefix sorts after this one get idempotency keys in
    /// time order (HttpNode::idempotencyKey); empty when none do. Fixed for the store's life.
    virtual QString orderedEffectKeysAfter() const { return {}; }

    /// Durable node state (see StateWrite): one key, or every unexpired key of a scope in key
    /// order. writeState commits writes that belong to no step (a schedule's last run).
    virtual Result<std::optional<QByteArray>> state(const QString &scope, const QString &key) = 0;
    virtual Result<QList<StateEntry>> stateEntries(const QString &scope) = 0;
    virtual Result<void> writeState(const QList<StateWrite> &writes) = 0;
    /// Deletes expired state entries. Returns how many.
    virtual Result<int> purgeExpiredState() = 0;

    virtual Result<QList<QueueDepth>> queueDepths() = 0;
    /// Flow versions that still have work items waiting or claimed (not parked ones).
    virtual Result<QList<QPair<QString, int>>> activeFlowVersions() = 0;
    virtual Result<std::optional<StoredMessage>> message(const QString &messageId) = 0;

    /// False while the store cannot commit (disk full, I/O error): stop acknowledging.
    virtual bool acceptingWrites() const = 0;
};

/// Codes of the Errors the message store adds to the store module's.
inline constexpr auto kStaleClaim = "STALE_CLAIM";
inline constexpr auto kUnknownEffect = "UNKNOWN_EFFECT";

} // namespace syncline::engine::store
