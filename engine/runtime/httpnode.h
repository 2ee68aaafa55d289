#pragma once

#include "engine/net/httpclient.h"
#include "engine/plugin/connector.h"
#include "engine/runtime/callgate.h"
#include "engine/runtime/noderunner.h"
#include "engine/runtime/systemtarget.h"
#include "engine/store/messagestore.h"
#include "engine/runtime/transformnodes.h"

#include <functional>
#include <optional>
#include <variant>

namespace syncline::engine::runtime {

struct HttpNodeSettings
{
    QString system;
    QByteArray method = "POST";
    QString path;             // appended to the system's base URL; {/pointer} inserts a payload value
    /// A connector operation ("create" of "invoice"): the connector's method and path (then
    /// `path` is appended to it), and its classifier reads the answer. Empty: a plain HTTP call.
    QString operation;
    QString object;
    QString externalIdPointer; // the message's value for the operation path's {externalId}
    QString businessKeyPointer; // where the business key is in the payload; else the message's
    net::HttpHeaders headers;
    QHash<QString, QString> externalIds; // name -> JSON pointer into the response body
    /// Learns an id map entry from each success: the message's id at `keyPointer` maps to the
    /// external id named `externalId` (one of externalIds), in id map `name` (a lookup node's
    /// "idMap"), committed with the step.
    struct IdMap
    {
        QString name;
        QString keyPointer;
        QString externalId;
    };
    std::optional<IdMap> idMap;
    /// Non-empty: the message goes on with an object of the external ids at this dotted path
    /// (e.g. "erpCustomer" → {"number": "C-00042", "currency": "USD"}) — how a GET enriches it.
    QString into;
    int timeoutMs = 0;                   // 0: the system's
    int connectTimeoutMs = 0;            // 0: the HTTP client's (5 s)
    qint64 maxResponseBytes = 1024 * 1024;

    static Result<HttpNodeSettings> fromJson(const nlohmann::json &settings);
};

/// The connector a node's operation goes through (see docs/connectors.md).
struct ConnectorUse
{
    const plugin::Connector *connector = nullptr; // lives as long as the process
    QString connectorId;
};

/// An HTTP effect through the effect ledger: the intent and its idempotency key (from the
/// correlation id, the node and the business key) are committed before the call, the outcome
/// after. A succeeded effect is never called again; retries reuse the key; POST, PUT and PATCH
/// carry it in the system's idempotency header. A timeout after the request left, to a system
/// without idempotency support, is Uncertain and waits for a person.
class HttpNode final : public NodeRunner
{
public:
    HttpNode(const PlannedNode &node, HttpNodeSettings settings, SystemTarget target,
             store::MessageStore &store, net::HttpClient &client,
             std::function<qint64()> clockMs, ConnectorUse connector = {});

    NodeOutcome run(const store::WorkItem &item) override;
    /// Commits the intents of all items in one transaction, then has every call in flight at
    /// once on the client's event loop and waits for all of them.
    QList<NodeOutcome> runBatch(const QList<store::WorkItem> &items) override;
    int batchLimit() const override { return kBatchLimit; }
    int claimAhead() const override { return 2; }

    /// The request body is this mapping applied to the message (settings/mapping) instead of
    /// the message itself; the message goes on unchanged.
    void setBody(std::shared_ptr<const MapNode> body) { m_body = std::move(body); }

    /// The key for a message at a node: stable across retries, restarts and replays. A digest
    /// of the correlation, flow, node and business key; for a correlation id this engine made
    /// after `orderedAfter` (MessageStore::orderedEffectKeysAfter), led by its millisecond, so
    /// the ledger's key index grows at its end. Every other correlation keeps the key it always
    /// had, whatever a target has seen.
    static QString idempotencyKey(const QString &correlationId, const QString &flowId,
                                  const QString &nodeId, const QString &businessKey,
                                  const QString &orderedAfter);

private:
    static constexpr int kBatchLimit = 16;

    /// What a call needs, worked out before its intent is committed.
    struct Prepared
    {
        QString url;
        QByteArray key;
        QString learnFrom;
        QByteArray body;
        store::EffectIntent intent;
    };
    /// One wave of calls in flight: each call's headers and outcome (httpnode.cpp).
    class Wave;

    /// The call's URL, body and intent; an outcome instead when the message cannot be called
    /// with (a business failure: nothing was begun).
    std::variant<NodeOutcome, Prepared> prepare(const store::WorkItem &item) const;
    /// What the ledger says about the key: an outcome when the call must not run (succeeded
    /// before, or Uncertain), nothing when it should.
    std::optional<NodeOutcome> fromLedger(const store::WorkItem &item, const Prepared &call,
                                          const store::EffectRecord &effect) const;
    /// Sends the call, its outcome to `wave` at `slot`; an outcome instead when it cannot go
    /// now (breaker open, no token).
    std::optional<NodeOutcome> start(const store::WorkItem &item, const Prepared &call,
                                     Wave &wave, int slot);
    /// How the sent call ended, with its effect outcome.
    NodeOutcome finish(const store::WorkItem &item, const Prepared &call,
                       const net::HttpHeaders &sent, const net::HttpOutcome &outcome);
    /// A call that succeeded, now or before: learns the id map entry and carries the external
    /// ids into the message when settings/into asks.
    NodeOutcome succeeded(const store::WorkItem &item, const QString &learnFrom,
                          const QByteArray &externalIds) const;
    /// A business refusal (4xx): HTTP_4XX, or the connector's reason code when a connector
    /// classified it, with the target's own error among the facts.
    NodeOutcome refused(const net::HttpResponse &response, const net::HttpHeaders &sent,
                        const QString &url, const plugin::AnswerVerdict *verdict = nullptr) const;
    /// The answer read by the node's connector instead of by its status alone.
    NodeOutcome classified(const store::WorkItem &item, const net::HttpResponse &response,
                           const net::HttpHeaders &sent, const QString &url,
                           store::EffectOutcome finished, const QString &learnFrom);
    /// The external ids of a success: the connector's (if any) and the node's own pointers.
    QByteArray externalIdsOf(const QByteArray &body,
                             const QMap<QString, QString> &fromConnector) const;

    PlannedNode m_node;
    HttpNodeSettings m_settings;
    SystemTarget m_target;
    store::MessageStore &m_store;
    net::HttpClient &m_client;
    std::function<qint64()> m_clockMs;
    std::shared_ptr<const MapNode> m_body;
    ConnectorUse m_connector;
    std::unique_ptr<CallGate> m_calls; // calls in flight: at most the node's concurrency
};

} // namespace syncline::engine::runtime
