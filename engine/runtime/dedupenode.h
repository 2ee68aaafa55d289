#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/runtime/nodesupport.h"
#include "engine/store/messagestore.h"

#include <QHash>

#include <functional>
#include <mutex>

namespace syncline::engine::runtime {

/// Lets the first message with a business key through and stops repeats within a window that
/// starts at that first message (a fixed window, not a sliding one). A repeat goes to the output
/// "duplicate" when it is connected, else it ends there; either way its step carries the code
/// DUPLICATE_EVENT and names the first message, so the lineage shows it.
///
/// The key and the first message's id are node state (scope "dedupe/<flow>/<node>"), committed
/// with the step and expiring at the window's end, so they survive a restart and a redeploy. The
/// check and the record happen under one lock: of two messages with one key running at once,
/// exactly one goes on. A message that runs again (its step's commit was lost to a crash) finds
/// its own id and goes on again.
class DedupeNode final : public NodeRunner
{
public:
    static Result<std::shared_ptr<DedupeNode>> create(const PlannedNode &node,
                                                      store::MessageStore &store,
                                                      std::function<qint64()> clockMs);
    NodeOutcome run(const store::WorkItem &item) override;

    static QString scopeOf(const QString &flowId, const QString &nodeId);

private:
    DedupeNode(store::MessageStore &store, std::function<qint64()> clockMs)
        : m_store(store)
        , m_clockMs(std::move(clockMs))
    {}

    struct First
    {
        QString messageId;
        qint64 firstSeenAtMs = 0;
        qint64 cachedUntilMs = 0; // dropped from memory then; the store still knows it
    };
    Result<std::optional<First>> lookUp(const QString &key, qint64 now);
    void sweep(qint64 now);

    store::MessageStore &m_store;
    std::function<qint64()> m_clockMs;
    KeySetting m_key;
    qint64 m_windowMs = 0;
    bool m_duplicateOutput = false;
    QString m_scope;

    std::mutex m_mutex;
    // Keys seen lately: their step commits may not have landed yet, so the store cannot answer.
    QHash<QString, First> m_recent;
    qint64 m_nextSweepMs = 0;
};

} // namespace syncline::engine::runtime
