#pragma once

#include "engine/store/exceptionrecords.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace syncline::engine::store {

/// A message about to be stored. Payload and headers are JSON text, stored as received.
struct NewMessage
{
    QString flowId;
    int flowVersion = 0;
    QString correlationId; // minted at ingest when empty; children inherit their parent's
    QString causationId;   // the message this one was derived from; empty for a source event
    QString businessKey;   // e.g. an invoice number; searchable
    QByteArray headers;    // JSON object
    QByteArray payload;    // JSON value
    /// Set by a trigger with an ordering key when the message enters a flow: it starts only
    /// after every earlier message of the flow with the same key has finished the flow.
    /// Not part of the message row (order_turns keeps it).
    QString orderingKey = {};
};

struct StoredMessage : NewMessage
{
    QString messageId;
    qint64 createdAtMs = 0;
};

/// A change to durable node state — a dedupe key, an aggregate's member, a poll cursor, an id
/// learned from a target — committed in the same transaction as the step or ingest that caused
/// it, so that state and messages never disagree after a crash.
struct StateWrite
{
    QString scope;                   // e.g. "dedupe/<flow>/<node>", "idmap/<name>"
    QString key;                     // empty with no value: every key of the scope goes
    std::optional<QByteArray> value; // nothing: the key is deleted
    qint64 expiresAtMs = 0;          // 0: kept until deleted; expired entries read as absent
};

struct StateEntry
{
    QString key;
    QByteArray value;
    qint64 expiresAtMs = 0;
    qint64 updatedAtMs = 0;
};

/// What a node produced for the next nodes. Without a message, the input message itself moves
/// on to `nodeId` (no copy); with one, a child message is stored and linked in the lineage.
struct StepOutput
{
    QString nodeId;
    std::optional<NewMessage> message;
    QString edgeKind = QStringLiteral("next"); // next, split, aggregate, publish
    qint64 availableAtMs = 0; // 0: ready at once; later: waits (a window, a delay)
    /// With a message: more messages it derives from besides the step's input (an aggregate's
    /// members), each linked to it in the lineage like the input, with `edgeKind`.
    QStringList alsoFrom = {};
};

/// A step of a pure node (validate, map, route) the engine ran on a message before queueing it
/// anywhere — at ingest, on the arriving message — so that the message is stored already past
/// those nodes in one commit. Recorded like an executed step (attempt 1, succeeded).
struct InlineStep
{
    QString nodeId;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;
};

/// A message arriving from outside (webhook, poll, schedule). `source` and `deliveryId` identify
/// a delivery so that a repeated delivery is recognised and creates nothing.
struct IngestRequest
{
    NewMessage message;
    QString source;          // e.g. "<flow>/<trigger>"
    QString deliveryId;      // the sender's event or delivery id; empty = never a duplicate
    QStringList firstNodes;  // nodes the message is queued at (without inline steps)
    QList<StateWrite> stateWrites; // committed with the message (e.g. the poll cursor after it)
    /// When not empty: the nodes already run on the message, in order; `inlineOutputs` (what
    /// the last one produced, as in StepResult) are queued instead of `firstNodes`.
    QList<InlineStep> inlineSteps = {};
    QList<StepOutput> inlineOutputs = {};
};

struct IngestResult
{
    QString messageId;
    QString correlationId;
    bool duplicate = false; // true: an earlier delivery with the same id was already stored
};

/// A message waiting at (or claimed by) one node of a flow version.
struct WorkItem
{
    qint64 id = 0;
    QString nodeId;
    int attempts = 0; // attempts already made at this node
    StoredMessage message;
};

enum class StepStatus {
    Succeeded, // outputs go on; the work item is finished
    Retrying,  // a technical failure; the work item becomes ready again at retryAtMs
    Deferred,  // not tried (circuit open, posting window): ready again at retryAtMs, no attempt
    Failed,    // cannot go on: parked for the exception queue
};

enum class EffectState { Pending, Succeeded, Failed, Uncertain };

/// What an effect is about to do, committed before it runs.
struct EffectIntent
{
    QString idempotencyKey; // derived from correlation id, node and business key
    QString messageId;
    QString correlationId;
    QString flowId;
    QString nodeId;
    QString businessKey;
    QString target; // system id
    QString method;
    QString url;
};

struct EffectOutcome
{
    QString idempotencyKey;
    EffectState state = EffectState::Succeeded;
    int httpStatus = 0;
    QByteArray externalIds; // JSON object of ids the target returned, e.g. {"erpDocument": "SO-1"}
    QString detail;
};

/// Everything one node step commits, in one transaction.
struct StepResult
{
    qint64 workItemId = 0;
    StepStatus status = StepStatus::Succeeded;
    QString errorCode;
    QString errorDetail;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;
    qint64 retryAtMs = 0; // for Retrying
    QList<StepOutput> outputs;
    QList<StateWrite> stateWrites;
    /// The outcome of the node's effect (see MessageStore::finishEffect), recorded with the step
    /// — also when the claim turned out stale, since the call happened either way.
    std::optional<EffectOutcome> effect = std::nullopt;
    /// For Failed: the exception the step becomes, committed with it. Without one, the store
    /// derives it from the error code (its category, the step's node and input, owner by
    /// category as docs/operations.md says, no SLA beyond the default).
    std::optional<NewException> exception = std::nullopt;
};

struct EffectRecord
{
    EffectIntent intent;
    EffectState state = EffectState::Pending;
    int attempts = 0;
    int httpStatus = 0;
    QByteArray externalIds;
    QString detail;
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
};

struct QueueDepth
{
    QString flowId;
    QString nodeId;
    qint64 ready = 0;    // can run now
    qint64 delayed = 0;  // waiting for a retry time or a window
    qint64 inFlight = 0; // claimed by a worker
    qint64 failed = 0;   // parked for the exception queue
    qint64 bytes = 0;    // payload bytes of the ready and delayed ones (back pressure)
};

/// A flow document a deployment records as the flow's next version.
struct FlowDocument
{
    QString flowId;
    QByteArray document;
};

/// An operator action or deployment, written in the same transaction as the action itself.
struct AuditRecord
{
    QString actor;      // user id
    QString role;       // the actor's role at the time, e.g. "admin"
    QString action;     // e.g. "deploy", "replay", "repair", "discard", "unmask", "user.create"
    QString objectType; // e.g. "flow", "exception", "user", "secret"
    QString objectId;
    QString reason;     // required for replay, discard and unmask (the caller checks)
    QByteArray detail;  // JSON object with what else matters (never a secret value); may be empty
};

/// A stored audit record. Records form a hash chain: `hash` covers `previousHash` and every
/// field, so changing, removing or reordering a record breaks every link after it.
struct AuditEntry
{
    qint64 sequence = 0; // 1, 2, 3, ... without gaps
    qint64 atMs = 0;
    AuditRecord record;
    QByteArray previousHash; // hex; 64 zeros for the first record
    QByteArray hash;         // hex SHA-256
};

QString effectStateName(EffectState state);
std::optional<EffectState> effectStateFromName(const QString &name);

} // namespace syncline::engine::store
