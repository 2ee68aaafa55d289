#pragma once

#include "engine/expr/expression.h"
#include "engine/money/decimal.h"
#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/store/messagestore.h"

#include <QHash>
#include <QSet>

#include <deque>
#include <functional>
#include <mutex>

namespace syncline::engine::runtime {

/// Collects messages into groups (a JSONata group key) and emits one child message per group
/// when it closes: after `count` members, or `windowMs` after its first member arrived, whichever
/// comes first. The child's payload has the group key, the member count and, over a value
/// expression, the exact decimal sum, min and max (as strings: money never goes through a
/// double). Its lineage links every member (edge kind "aggregate").
///
/// Members are node state (scope "aggregate/<flow>/<node>"), committed with each member's step;
/// closing deletes them and leaves a marker per member for a day (scope
/// "aggregate-closed/<flow>/<node>"), in the same transaction as the child. So a restart loses
/// no member, and a member whose own step runs again after a crash is not counted twice. A time
/// window is closed by a timer message the group's first step queues at this node for the
/// window's end, so it closes even when no further message arrives.
class AggregateNode final : public NodeRunner
{
public:
    static Result<std::shared_ptr<AggregateNode>> create(const PlannedNode &node,
                                                         store::MessageStore &store,
                                                         std::function<qint64()> clockMs);
    NodeOutcome run(const store::WorkItem &item) override;

    static QString scopeOf(const QString &flowId, const QString &nodeId);
    static QString closedScopeOf(const QString &flowId, const QString &nodeId);

private:
    AggregateNode(store::MessageStore &store, std::function<qint64()> clockMs)
        : m_store(store)
        , m_clockMs(std::move(clockMs))
    {}

    struct Member
    {
        QString messageId;
        QString correlationId;
        QString value; // decimal text; empty without a value expression
        qint64 atMs = 0;
    };
    struct Group
    {
        QString key;
        QString openerId; // the first member's message id: names the group
        qint64 openedAtMs = 0;
        QList<Member> members;
    };
    // Everything one step changes, gathered under the lock.
    struct Changes
    {
        QList<store::StepOutput> outputs;
        QList<store::StateWrite> writes;
    };

    NodeOutcome member(const store::WorkItem &item, const QString &key, const QString &value,
                       qint64 now);
    NodeOutcome timer(const store::WorkItem &item, const QString &key, const QString &opener,
                      qint64 now);
    void close(const store::WorkItem &item, Group group, const QString &closedBy, qint64 now,
               Changes &changes);
    Result<void> loadOnce();
    QByteArray encode(const Group &group, const Member &member) const;

    store::MessageStore &m_store;
    std::function<qint64()> m_clockMs;
    QString m_scope;
    QString m_closedScope;
    QString m_nodeId;
    std::optional<expr::Expression> m_groupBy;
    std::optional<expr::Expression> m_value;
    qint64 m_count = 0;    // 0: no count threshold
    qint64 m_windowMs = 0; // 0: no time window
    bool m_sum = false;
    bool m_min = false;
    bool m_max = false;

    std::mutex m_mutex;
    bool m_loaded = false;
    QHash<QString, Group> m_open;      // by group key: the group taking members
    QHash<QString, Group> m_expired;   // by opener id: past their window, waiting for the timer
    QSet<QString> m_closedMembers;     // members closed by this runner lately
    std::deque<QString> m_closedOrder; // to forget the oldest of them
};

} // namespace syncline::engine::runtime
