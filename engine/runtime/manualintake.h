#pragma once

#include "engine/runtime/arrival.h"
#include "engine/json/intake.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/adminapi.h"
#include "engine/store/messagestore.h"

#include <QHash>
#include <QString>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

namespace syncline::engine::runtime {

/// A manual trigger of a deployed flow version: a person or a script starts the flow.
struct ManualTrigger
{
    QString flowId;
    QString triggerId;
    int flowVersion = 1;
    QStringList firstNodes;
    QString businessKeyPointer; // JSON pointer into the payload
    QString orderingKeyPointer; // orderingKey: messages with one key run one after the other
    json::IntakeLimits limits;
};

struct ManualIntakeOptions
{
    int retryAfterSeconds = 5;
    /// A new message was committed at these nodes (wakes the executor).
    std::function<void(const QString &flowId, int flowVersion, const QStringList &nodes)> onStored;
    /// Why the trigger must not feed its flow now (back pressure); nothing: go on.
    std::function<std::optional<QString>(const QString &flowId, int flowVersion,
                                         const QString &nodeId)>
        held;
    /// Runs the pure nodes a message meets first before it is stored; unset: it waits at its
    /// first nodes.
    PrepareArrival prepare;
};

/// Takes `POST /api/v1/flows/<flow>/triggers/<trigger>/messages` (behind the admin API's bearer
/// token): the body is the payload, read as strictly as a webhook's; the answer is 202
/// {"correlationId", "messageId"} once the message is committed. A repeated `Idempotency-Key`
/// answers 200 with the original ids and creates nothing. Refusals are RFC 9457 problem
/// documents: 400 (bad JSON, with its position), 404 (no such manual trigger), 413, 503 with
/// Retry-After (back pressure, or the store cannot write). Thread-safe; never blocks on the store.
class ManualIntake
{
public:
    ManualIntake(store::MessageStore &store, ManualIntakeOptions options = {});

    /// Replaces the active triggers (on deploy).
    void setTriggers(const QList<ManualTrigger> &triggers);

    /// POST /api/v1/flows/{flow}/triggers/{trigger}/messages, for the admin API (which checks
    /// the token and the method).
    AdminRoute route();
    void handle(const QString &flowId, const QString &triggerId,
                const net::ServerRequest &request, const net::Responder &respond);

    qint64 accepted() const { return m_accepted; }

private:
    std::optional<ManualTrigger> trigger(const QString &flowId, const QString &triggerId) const;

    store::MessageStore &m_store;
    ManualIntakeOptions m_options;
    mutable std::mutex m_mutex;
    QHash<QString, ManualTrigger> m_triggers; // key: flow + '/' + trigger
    std::atomic<qint64> m_accepted{0};
};

} // namespace syncline::engine::runtime
