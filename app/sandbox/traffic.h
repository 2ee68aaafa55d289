#pragma once

#include "app/sandbox/system.h"

#include <QStringList>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace syncline::sandbox {

class Router;
class Webhooks;

/// Generates scenario traffic: each event creates its documents in the source system through
/// the system's own API (origin "traffic") and so sends that system's signed webhook; a share
/// carries bad data (docs/sandbox.md, /_sandbox/traffic). Thread-safe.
class Traffic
{
public:
    Traffic(Router &router, Webhooks &webhooks);
    ~Traffic();

    /// Starts (or restarts) from a /_sandbox/traffic/start body; errors name the bad member.
    engine::Result<void> start(const Json &config, quint64 defaultSeed);
    void stop();
    Json status() const;

private:
    struct Customer
    {
        QString accountId;    // ACC-…
        QString crmId;        // 001…
        QString billingId;    // cus_…
        QString erpNumber;    // C-…
        qint64 supportId = 0; // organization
        QString subscription; // sub_…
        QString item;         // si_… of the licensed item
        QString usageItem;    // si_… of the metered item
        QString currency;
    };
    void run();
    void makeCustomers(int count);
    std::optional<Customer> makeCustomer(int index, const QString &currency, bool inErp);
    void event();
    QString pickKind();
    void opportunityClosedWon(const QString &bad);
    void opportunityAmended(const QString &bad);
    void addLineItem(const QByteArray &opportunityId, const std::string &productCode,
                     qint64 quantity, double unitPrice);
    void invoiceIssued(const QString &bad);
    void paymentFailed(const QString &bad);
    void subscriptionUpdated();
    void ticketCreated();
    void usageEvents(const QString &bad);
    void accountChanged();
    Json call(const QByteArray &method, const QByteArray &path, const Json &body);
    const Customer &anyCustomer();
    double uniform();

    Router &m_router;
    Webhooks &m_webhooks;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_thread;
    bool m_running = false;
    bool m_stopping = false;
    Json m_config = Json::object();
    double m_ratePerSecond = 5;
    double m_badShare = 0.04;
    qint64 m_maxEvents = 0;
    std::map<QString, double> m_mix;
    std::mt19937_64 m_random;
    QList<Customer> m_customers;
    int m_amended = 0; // amendments go round the customers, two of one contract back to back
    int m_badIndex = 0;
    qint64 m_eventCount = 0;
    qint64 m_number = 0; // the event being generated; only the generating thread touches it
    std::map<QString, qint64> m_sent;
    std::map<QString, qint64> m_bad;
    std::map<QString, std::map<QString, qint64>> m_badByKind; // scenario kind → bad kind → n
    Json m_lastUsageBatch = Json::array(); // what a repeated usage event repeats
    QString m_lastError;
};

} // namespace syncline::sandbox
