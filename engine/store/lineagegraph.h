#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace syncline::engine::store {

/// What a lineage is looked up by.
enum class LineageKey {
    CorrelationId,
    BusinessKey, // a message's business key, e.g. an invoice number
    ExternalId,  // an id a target returned for an effect, e.g. an ERP document number
};

QString lineageKeyName(LineageKey key); // "correlationId", "businessKey", "externalId"
std::optional<LineageKey> lineageKeyFromName(const QString &name);

struct LineageQuery
{
    static constexpr int kDefaultMaxMessages = 1000;
    static constexpr int kMostMessages = 20'000;

    LineageKey key = LineageKey::CorrelationId;
    QString value;
    /// The graph stops growing at this many messages (it is then marked truncated); those
    /// nearest the messages that matched are kept.
    int maxMessages = kDefaultMaxMessages;
};

/// One run of a node on a message (a retry is another step with the next attempt number).
struct LineageStep
{
    QString nodeId;
    int attempt = 0;
    QString status; // succeeded, retrying, deferred, failed
    QString errorCode;
    QString errorDetail;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;
};

/// An id a target returned for an effect, under the name the HTTP node's externalIds gave it.
struct ExternalId
{
    QString name;  // e.g. "erpDocument"
    QString value; // e.g. "SO-1001"
};

/// A call to a target system, from the effect ledger.
struct LineageEffect
{
    QString idempotencyKey;
    QString nodeId;
    QString businessKey;
    QString target; // system id
    QString method;
    QString url;
    QString state; // pending, succeeded, failed, uncertain
    int attempts = 0;
    int httpStatus = 0; // 0: no answer
    QList<ExternalId> externalIds;
    QString detail; // the target's answer when it failed (an excerpt of its body)
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
};

/// Something a person did about an exception: assign, comment, repair, replay, discard.
struct LineageExceptionEvent
{
    qint64 atMs = 0;
    QString actor; // user id
    QString role;
    QString kind;
    QString text;
};

/// An exception the message became at a node (the exception work queue), and what was done
/// about it.
struct LineageException
{
    qint64 id = 0;
    QString nodeId;
    QString category;   // business, technical, uncertain
    QString reasonCode; // e.g. HTTP_4XX, MISSING_TAX_CODE
    QString state;      // open, assigned, resolved
    QString resolution; // replayed, repaired, discarded (resolved only)
    QString resolutionReason;
    QString resolvedBy;
    qint64 resolvedAtMs = 0;
    qint64 createdAtMs = 0;
    QString detail;
    QList<LineageExceptionEvent> events; // oldest first
};

/// A stored message with what happened to it.
struct LineageMessage
{
    QString messageId;
    QString flowId;
    int flowVersion = 0;
    QString correlationId;
    QString causationId; // the message it was derived from; empty for a source event
    QString businessKey;
    qint64 createdAtMs = 0;
    QByteArray headers;           // JSON text
    QByteArray payload;           // JSON text
    bool matched = false;         // found by the query itself, not only through its neighbours
    QList<LineageStep> steps;     // by start time
    QList<LineageEffect> effects; // by creation time
    QList<LineageException> exceptions; // by creation time

    /// The nodes it ran through, in the order it first reached them.
    QStringList nodePath() const;
    /// Where it stands by its steps: "failed" when a node's latest step failed (an exception),
    /// "resolved" instead once every exception it became was resolved (repaired, replayed,
    /// discarded), else "retrying" or "deferred" when one waits for another attempt,
    /// "succeeded" when every node's latest step succeeded, "waiting" before its first step.
    QString status() const;
    /// The most attempts made at any one node.
    int attempts() const;
};

/// A parent → child link: the node that derived the child and how (next, split, aggregate,
/// publish, timer).
struct LineageEdge
{
    QString parentId;
    QString childId;
    QString nodeId;
    QString kind;
};

/// Everything connected to the messages a query matched: lineage edges followed both ways and
/// messages sharing a correlation id, across flows. A value: the admin API, the export, the CLI
/// and the studio's lineage explorer all read this one model through its JSON form
/// (docs/lineage.md describes it).
struct LineageGraph
{
    static constexpr auto kFormat = "syncline-lineage/1";

    LineageKey key = LineageKey::CorrelationId;
    QString value;
    int maxMessages = LineageQuery::kDefaultMaxMessages;
    bool truncated = false; // more messages are connected than maxMessages
    /// Personal data in payloads and texts masked for whoever asked (docs/lineage.md); false:
    /// as stored.
    bool masked = false;
    QList<LineageMessage> messages; // by creation time, then id
    QList<LineageEdge> edges;       // by parent, then child

    const LineageMessage *message(const QString &messageId) const;
    /// Messages no edge in the graph leads to: the source events (and, when truncated, the
    /// furthest messages kept).
    QStringList roots() const;
    qint64 startedAtMs() const;  // the earliest message
    qint64 finishedAtMs() const; // the latest step or effect outcome
    int effectCount() const;

    /// The stable JSON form: members in a fixed order, arrays in the order above, times as
    /// ISO 8601 UTC with milliseconds, payloads embedded as JSON with numbers exactly as stored.
    /// `indent` 0 gives one line; 2 the export's layout.
    QByteArray toJson(int indent = 0) const;
    /// Reads the JSON form back (the CLI and the studio read what the API returned).
    static Result<LineageGraph> fromJson(const QByteArray &text);
};

} // namespace syncline::engine::store
