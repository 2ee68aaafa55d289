#pragma once

#include "app/sandbox/credentials.h"
#include "app/sandbox/system.h"

#include <QString>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace syncline::engine::net {
class HttpClient;
}

namespace syncline::sandbox {

/// Sends the systems' webhooks, signed as each vendor signs them, on a thread of its own;
/// retries a connection error or 5xx twice (1 s, then 2 s later). Thread-safe.
class Webhooks
{
public:
    explicit Webhooks(const Credentials &credentials);
    ~Webhooks();

    /// System → URL; a system without one sends nothing.
    void setEndpoints(const Json &endpoints);
    Json endpoints() const;
    void send(const OutboundEvent &event);
    /// Sends `system`'s last webhook again, unchanged (a duplicate delivery). False when none.
    bool resendLast(const QString &system);
    /// Deliveries per system and the last answer to each system's webhooks.
    Json statistics() const;
    int pending() const;
    void clearStatistics();

    /// The header name and value `system` signs `body` with (also for tests).
    static std::pair<QByteArray, QByteArray> signature(const QString &system,
                                                       const QByteArray &body,
                                                       const QByteArray &secret, qint64 nowSeconds);

private:
    struct Delivery
    {
        QString system;
        QString url;
        QByteArray body;
        int attempt = 1;
    };
    struct Counts
    {
        qint64 sent = 0;
        qint64 succeeded = 0;
        qint64 failed = 0;
        QString lastError;
        Json lastAnswer;
    };
    void run();
    void deliver(Delivery delivery);

    const Credentials &m_credentials;
    std::unique_ptr<engine::net::HttpClient> m_client;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::multimap<qint64, Delivery> m_queue; // by due time (ms since epoch)
    Json m_endpoints = Json::object();
    std::map<QString, QByteArray> m_last;
    std::map<QString, Counts> m_counts;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace syncline::sandbox
