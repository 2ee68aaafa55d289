#pragma once

#include "engine/core/result.h"
#include "engine/runtime/exceptionpolicy.h"
#include "engine/runtime/retrypolicy.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

/// An edge's back-pressure threshold: the queue it feeds is full at this many messages or this
/// many payload bytes waiting, whichever comes first (NiFi's object and size thresholds).
struct EdgeThreshold
{
    static constexpr qint64 kDefaultMessages = 10'000;
    static constexpr qint64 kDefaultBytes = qint64(1) << 30; // 1 GiB

    qint64 messages = kDefaultMessages;
    qint64 bytes = kDefaultBytes;
};

/// One node of a deployed flow version, as the executor needs it.
struct PlannedNode
{
    QString flowId; // the flow it belongs to (node ids are unique within a flow only)
    QString id;
    QString type;
    nlohmann::json settings = nlohmann::json::object();
    /// Successors by output name; "" is the default output.
    QHash<QString, QStringList> next;
    /// Back pressure of the edges to each successor (the edge's "backPressure", else defaults).
    QHash<QString, EdgeThreshold> thresholds;
    RetryPolicy retry;
    int concurrency = 4; // work items of this node in progress at once
    bool isTrigger = false;

    QStringList successors(const QString &output = {}) const { return next.value(output); }
};

/// A flow document compiled once per deployed version: nodes by id and the edges between them.
/// Immutable after fromDocument(); shared by every worker.
struct FlowPlan
{
    QString flowId;
    int version = 0;
    QHash<QString, PlannedNode> nodes;
    QStringList nodeOrder; // as written in the document
    ExceptionPolicy policy; // owners and SLAs of the flow's exceptions
    bool ordered = false;   // a trigger names an ordering key (docs/engine.md, "Ordering")

    /// Checks what the runtime relies on beyond the workspace rules (edges to existing nodes,
    /// settings of the right shape); every problem is reported, with its JSON pointer.
    static Result<FlowPlan> fromDocument(const nlohmann::json &document, int version);

    const PlannedNode *node(const QString &id) const;
    QStringList triggers() const;
    /// The nodes with an edge to `id` on any output but "error".
    QStringList predecessors(const QString &id) const;
};

/// Node types that start a flow (they have no input queue of their own).
bool isTriggerType(const QString &type);

} // namespace syncline::engine::runtime
