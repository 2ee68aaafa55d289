#pragma once

#include "engine/runtime/arrival.h"
#include "engine/json/intake.h"
#include "engine/net/httpserver.h"
#include "engine/net/signature.h"
#include "engine/runtime/backpressure.h"
#include "engine/store/messagestore.h"
#include "engine/runtime/replies.h"

#include <QHash>
#include <QString>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

namespace syncline::engine::runtime {

/// How one webhook trigger of a deployed flow version takes requests.
struct WebhookTrigger
{
    QString flowId;
    QString triggerId;
    int flowVersion = 1;
    QStringList firstNodes;

    /// Unset: unsigned requests are accepted (only for senders that cannot sign).
    std::optional<net::SignatureScheme> signature;
    QByteArray signatureHeader = "x-signature"; // e.g. "stripe-signature"
    QList<QByteArray> secrets;                  // two while a secret is rotated

    /// Where the sender's event or delivery id is: a header (wins when present), else a JSON
    /// pointer into the body. Repeated deliveries with the same id create nothing.
    QByteArray deliveryIdHeader;
    QString deliveryIdPointer = QStringLiteral("/id");
    /// JSON pointer to the business key (e.g. the invoice number), for search and the ledger.
    QString businessKeyPointer;
    QString orderingKeyPointer; // orderingKey: messages with one key run one after the other

    json::IntakeLimits limits;
    /// Above 0: the flow answers its senders (a respond node); the request waits this long for
    /// the answer after the message is committed, then gets the usual 202.
    qint64 replyTimeoutMs = 0;
};

struct WebhookIngressOptions
{
    /// Back pressure: while an edge out of the trigger leads to a queue over its threshold,
    /// requests are refused with 503 and this Retry-After. Null: never refused for a full queue.
    std::shared_ptr<BackPressure> backPressure;
    int retryAfterSeconds = 5;
    /// Unix seconds, for signature timestamps; tests pass a fixed clock.
    std::function<qint64()> clockSeconds;
    /// Called once a new message is committed, with where it waits (to wake the executor).
    std::function<void(const QString &flowId, int flowVersion, const QStringList &nodes)> onStored;
    /// Runs the pure nodes a message meets first before it is stored; unset: it waits at its
    /// first nodes.
    PrepareArrival prepare;
    /// Where requests of flows that answer their senders wait (see WebhookTrigger); null: they
    /// never wait.
    std::shared_ptr<Replies> replies;
};

/// What a panel polls: requests by outcome since start.
struct WebhookCounters
{
    qint64 accepted = 0;
    qint64 duplicates = 0;
    qint64 refused = 0;   // 4xx: unsigned, bad JSON, unknown trigger
    qint64 throttled = 0; // 503: back pressure or the store cannot write
};

/// Takes webhooks at /hooks/<flow-id>/<trigger-id>: verifies the signature on the raw bytes,
/// reads the body strictly, commits the message, and only then answers 202 with its ids; a
/// repeated delivery answers 200 with the original ids. Refusals are RFC 9457 problem documents
/// naming a reason code. Thread-safe; handle() never blocks on the store.
class WebhookIngress
{
public:
    WebhookIngress(store::MessageStore &store, WebhookIngressOptions options = {});

    /// Replaces the active triggers (on deploy). Requests in progress keep the old ones.
    void setTriggers(const QList<WebhookTrigger> &triggers);

    void handle(net::ServerRequest request, net::Responder respond);
    WebhookCounters counters() const;

private:
    std::optional<WebhookTrigger> trigger(const QString &flowId, const QString &triggerId) const;
    net::ServerResponse refuse(int status, const char *code, const QString &title,
                               const QString &detail, const QByteArray &extra = {});
    net::ServerResponse throttle(const QString &detail);

    store::MessageStore &m_store;
    WebhookIngressOptions m_options;
    mutable std::mutex m_mutex;
    QHash<QString, WebhookTrigger> m_triggers; // key: flow + '/' + trigger
    std::atomic<qint64> m_accepted{0};
    std::atomic<qint64> m_duplicates{0};
    std::atomic<qint64> m_refused{0};
    std::atomic<qint64> m_throttled{0};
};

} // namespace syncline::engine::runtime
