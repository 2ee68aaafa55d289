#include "engine/runtime/replies.h"

#include <QDateTime>

#include <chrono>

namespace syncline::engine::runtime {

Replies::Replies(std::function<qint64()> clockMs)
    : m_clockMs(clockMs ? std::move(clockMs) : [] { return QDateTime::currentMSecsSinceEpoch(); })
    , m_expirer([this] { expireLoop(); })
{}

Replies::~Replies()
{
    QList<Waiter> left;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        for (QList<Pending> &pending : m_byCorrelation) {
            for (Pending &p : pending) {
                left.append(std::move(p.waiter));
            }
        }
        m_byCorrelation.clear();
        m_deadlines.clear();
    }
    m_wake.notify_all();
    m_expirer.join();
    for (const Waiter &waiter : left) {
        waiter(std::nullopt);
    }
}

void Replies::expect(const QString &correlationId, qint64 timeoutMs, Waiter waiter)
{
    {
        std::lock_guard lock(m_mutex);
        const quint64 ticket = m_nextTicket++;
        const qint64 deadline = m_clockMs() + timeoutMs;
        m_byCorrelation[correlationId].append({ticket, deadline, std::move(waiter)});
        m_deadlines.emplace(deadline, std::make_pair(correlationId, ticket));
    }
    m_wake.notify_all();
}

bool Replies::deliver(const QString &correlationId, Reply reply)
{
    Waiter waiter;
    {
        std::lock_guard lock(m_mutex);
        const auto found = m_byCorrelation.find(correlationId);
        if (found == m_byCorrelation.end() || found->isEmpty()) {
            return false;
        }
        Pending first = found->takeFirst();
        if (found->isEmpty()) {
            m_byCorrelation.erase(found);
        }
        const auto [from, to] = m_deadlines.equal_range(first.deadlineMs);
        for (auto it = from; it != to; ++it) {
            if (it->second.second == first.ticket) {
                m_deadlines.erase(it);
                break;
            }
        }
        waiter = std::move(first.waiter);
    }
    waiter(std::move(reply));
    return true;
}

int Replies::waiting() const
{
    std::lock_guard lock(m_mutex);
    return int(m_deadlines.size());
}

void Replies::expireLoop()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_deadlines.empty()) {
            m_wake.wait(lock);
            continue;
        }
        const qint64 now = m_clockMs();
        const auto earliest = m_deadlines.begin();
        if (earliest->first > now) {
            m_wake.wait_for(lock, std::chrono::milliseconds(earliest->first - now));
            continue;
        }
        const auto [correlationId, ticket] = earliest->second;
        m_deadlines.erase(earliest);
        Waiter waiter;
        QList<Pending> &pending = m_byCorrelation[correlationId];
        for (qsizetype i = 0; i < pending.size(); ++i) {
            if (pending[i].ticket == ticket) {
                waiter = std::move(pending[i].waiter);
                pending.removeAt(i);
                break;
            }
        }
        if (pending.isEmpty()) {
            m_byCorrelation.remove(correlationId);
        }
        if (waiter) {
            lock.unlock();
            waiter(std::nullopt);
            lock.lock();
        }
    }
}

} // namespace syncline::engine::runtime
