#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace syncline::engine::runtime {

/// The answer a respond node gives the sender who is still waiting on its webhook request.
struct Reply
{
    int status = 200;
    QByteArray body; // JSON
};

/// Webhook requests waiting for their flow to answer (a respond node), by correlation id. The
/// ingress registers a waiter once the message is committed; the respond node hands over the
/// answer from a worker thread; a waiter that gets no answer by its deadline is called with
/// nothing (the sender then gets the usual 202 with the ids). A waiter is called exactly once,
/// never with the lock held. Thread-safe.
class Replies
{
public:
    using Waiter = std::function<void(std::optional<Reply>)>;

    explicit Replies(std::function<qint64()> clockMs = {});
    ~Replies(); // answers every waiter left with nothing

    void expect(const QString &correlationId, qint64 timeoutMs, Waiter waiter);
    /// Hands `reply` to the oldest waiter on `correlationId`; false when nobody waits (the
    /// sender gave up, or the message came another way: a replay, a poll).
    bool deliver(const QString &correlationId, Reply reply);

    int waiting() const;

private:
    struct Pending
    {
        quint64 ticket = 0;
        qint64 deadlineMs = 0;
        Waiter waiter;
    };
    void expireLoop();

    std::function<qint64()> m_clockMs;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    QHash<QString, QList<Pending>> m_byCorrelation;
    std::multimap<qint64, std::pair<QString, quint64>> m_deadlines;
    quint64 m_nextTicket = 1;
    bool m_stopping = false;
    std::thread m_expirer;
};

} // namespace syncline::engine::runtime
