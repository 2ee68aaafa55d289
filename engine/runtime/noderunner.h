#pragma once

#include "engine/core/result.h"
#include "engine/json/value.h"
#include "engine/runtime/flowplan.h"
#include "engine/store/records.h"

#include <QString>

#include <memory>
#include <optional>

namespace syncline::engine::runtime {

/// What a node did with one message.
struct NodeOutcome
{
    enum class Kind {
        Continue, // outputs go on to the next nodes
        Retry,    // a technical failure: the node's retry policy decides when, or gives up
        Defer,    // not tried now (circuit open, outside a posting window): again at retryAfterMs,
                  // without spending an attempt
        Fail,     // cannot go on: becomes an exception with errorCode
    };
    Kind kind = Kind::Continue;
    /// For Continue: what goes where. Empty `nodeId` in an output means "the node's successors
    /// on output `output`" and is resolved by the executor.
    QList<store::StepOutput> outputs;
    QString output; // the named output to follow when `outputs` is empty ("" = default)
    /// Several named outputs at once (a route in mode "all"); the input moves on to each.
    QStringList routedOutputs;
    bool passInput = true; // Continue without outputs: the input message moves on unchanged
    QString errorCode;
    QString errorDetail;
    /// Fail: what the exception shows beyond the detail — the JSON pointer into the input the
    /// failure is about (SCHEMA), facts for a person as a JSON object (the violations, the
    /// target's own error), and the owner and category when the node knows better than the
    /// code's default and the flow's policy (an error branch's settings).
    QString errorPointer;
    QByteArray errorFacts;
    QString ownerRole;
    std::optional<store::ExceptionCategory> category;
    std::optional<qint64> retryAfterMs; // Retry: the target's Retry-After; Defer: the wait
    /// Durable node state (a dedupe key, an aggregate's member, a learned id), committed in the
    /// same transaction as the step, whatever its outcome.
    QList<store::StateWrite> stateWrites;
    /// How the node's effect ended (its intent was committed before the call), committed with
    /// the step: a crash loses both or neither.
    std::optional<store::EffectOutcome> effect;

    NodeOutcome &&withEffect(store::EffectOutcome outcome) &&
    {
        effect = std::move(outcome);
        return std::move(*this);
    }

    static NodeOutcome next(const QString &output = {})
    {
        NodeOutcome o;
        o.output = output;
        return o;
    }
    static NodeOutcome produce(QList<store::StepOutput> outputs)
    {
        NodeOutcome o;
        o.outputs = std::move(outputs);
        o.passInput = false;
        return o;
    }
    static NodeOutcome retry(QString code, QString detail, std::optional<qint64> afterMs = {})
    {
        NodeOutcome o;
        o.kind = Kind::Retry;
        o.errorCode = std::move(code);
        o.errorDetail = std::move(detail);
        o.retryAfterMs = afterMs;
        return o;
    }
    static NodeOutcome defer(QString code, QString detail, qint64 waitMs)
    {
        NodeOutcome o;
        o.kind = Kind::Defer;
        o.errorCode = std::move(code);
        o.errorDetail = std::move(detail);
        o.retryAfterMs = waitMs;
        return o;
    }
    static NodeOutcome fail(QString code, QString detail)
    {
        NodeOutcome o;
        o.kind = Kind::Fail;
        o.errorCode = std::move(code);
        o.errorDetail = std::move(detail);
        return o;
    }
};

class PureNode;

/// The work of one node type for one node of a flow version. Created once per deploy; run()
/// is called from several worker threads at once (up to the node's concurrency) and must keep
/// no per-message state between calls. It may block (an HTTP call, a rate-limit wait).
class NodeRunner
{
public:
    virtual ~NodeRunner() = default;
    virtual NodeOutcome run(const store::WorkItem &item) = 0;
    /// Most items runBatch takes at once; above 1 the executor hands a worker up to this many
    /// claimed items together (within the node's concurrency) instead of one.
    virtual int batchLimit() const { return 1; }
    /// How many times its concurrency the executor may have claimed for this node at once. A
    /// node that keeps its own calls within its concurrency (the HTTP node, CallGate) claims
    /// ahead: the next batch's intents commit while the current calls are out.
    virtual int claimAhead() const { return 1; }
    /// Runs several items and returns an outcome for each, in their order. A node that waits
    /// on other systems overrides it to wait for all of them at once (the HTTP node: one commit
    /// for every intent, then every call in flight together), so few workers keep many calls
    /// going. The default runs them one after the other.
    virtual QList<NodeOutcome> runBatch(const QList<store::WorkItem> &items)
    {
        QList<NodeOutcome> outcomes;
        outcomes.reserve(items.size());
        for (const store::WorkItem &item : items) {
            outcomes.append(run(item));
        }
        return outcomes;
    }
    /// Not null for a pure node (PureNode), which the engine may run on an arriving message
    /// before storing it.
    virtual PureNode *pure() { return nullptr; }
};

/// A pure node — no effect, no state, no waiting, the same outcome for the same payload
/// (validate, map, route). The engine may run it on an arriving message before storing it, so
/// the message is committed once, already past it; along such a chain the payload is parsed
/// once, by the intake, and handed to each node as it is.
class PureNode : public NodeRunner
{
public:
    /// Reads the payload strictly, then runs on it. A stored payload was accepted once, so a
    /// refusal here means the store was changed behind the engine's back.
    NodeOutcome run(const store::WorkItem &item) final;
    virtual NodeOutcome runParsed(const store::WorkItem &item, const json::Value &payload) = 0;
    PureNode *pure() final { return this; }
};

} // namespace syncline::engine::runtime
