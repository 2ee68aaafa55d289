#include "app/sandbox/webhooks.h"

#include "engine/net/httpclient.h"
#include "engine/net/signature.h"

#include <QDateTime>

namespace syncline::sandbox {

using engine::net::HttpClient;
using engine::net::HttpOutcome;
using engine::net::HttpRequest;
using engine::net::SignatureScheme;

namespace {
constexpr int kAttempts = 3;
constexpr int kAnswerBytes = 4096;
} // namespace

Webhooks::Webhooks(const Credentials &credentials)
    : m_credentials(credentials)
    , m_client(std::make_unique<HttpClient>())
{
    m_thread = std::thread([this] { run(); });
}

Webhooks::~Webhooks()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void Webhooks::setEndpoints(const Json &endpoints)
{
    std::lock_guard lock(m_mutex);
    m_endpoints = endpoints.is_object() ? endpoints : Json::object();
}

Json Webhooks::endpoints() const
{
    std::lock_guard lock(m_mutex);
    return m_endpoints;
}

std::pair<QByteArray, QByteArray> Webhooks::signature(const QString &system,
                                                      const QByteArray &body,
                                                      const QByteArray &secret, qint64 nowSeconds)
{
    if (system == QLatin1String("billing")) {
        return {"Stripe-Signature",
                engine::net::signBody(SignatureScheme::TimestampedV1, body, secret, nowSeconds)};
    }
    const QByteArray header = system == QLatin1String("crm")       ? "X-Syncline-Signature"
                              : system == QLatin1String("support") ? "X-Zendesk-Webhook-Signature"
                                                                   : "X-Usage-Signature";
    return {header, engine::net::signBody(SignatureScheme::Sha256Prefixed, body, secret,
                                          nowSeconds)};
}

void Webhooks::send(const OutboundEvent &event)
{
    const QByteArray body = QByteArray::fromStdString(event.event.dump());
    std::lock_guard lock(m_mutex);
    m_last[event.system] = body;
    const std::string system = event.system.toStdString();
    if (!m_endpoints.contains(system) || !m_endpoints[system].is_string()) {
        return;
    }
    Delivery delivery{event.system,
                      QString::fromStdString(m_endpoints[system].get<std::string>()), body};
    m_queue.emplace(0, std::move(delivery));
    m_wake.notify_all();
}

bool Webhooks::resendLast(const QString &system)
{
    QByteArray body;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_last.find(system);
        if (it == m_last.end()) {
            return false;
        }
        body = it->second;
    }
    const Json event = Json::parse(body.toStdString(), nullptr, false);
    send({system, event});
    return true;
}

void Webhooks::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_queue.empty()) {
            m_wake.wait(lock);
            continue;
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto first = m_queue.begin();
        if (first->first > now) {
            m_wake.wait_for(lock, std::chrono::milliseconds(first->first - now));
            continue;
        }
        Delivery delivery = std::move(first->second);
        m_queue.erase(first);
        lock.unlock();
        deliver(std::move(delivery));
        lock.lock();
    }
}

void Webhooks::deliver(Delivery delivery)
{
    const QByteArray secret = m_credentials.value(delivery.system
                                                  + QStringLiteral("/webhook-signing"));
    const auto [header, value] = signature(delivery.system, delivery.body, secret,
                                           QDateTime::currentSecsSinceEpoch());
    HttpRequest request;
    request.method = "POST";
    request.url = delivery.url;
    request.body = delivery.body;
    request.headers = {{"Content-Type", "application/json"}, {header, value},
                       {"User-Agent", "syncline-sandbox"}};
    request.totalTimeoutMs = 10'000;
    const HttpOutcome outcome = m_client->send(request).get();
    const bool answered = outcome.response.ok();
    const int status = answered ? outcome.response->status : 0;
    std::lock_guard lock(m_mutex);
    Counts &counts = m_counts[delivery.system];
    if (delivery.attempt == 1) {
        ++counts.sent;
    }
    if (answered) {
        counts.lastAnswer = {{"status", status},
                             {"elapsedMs", outcome.response->elapsedMs},
                             {"body", outcome.response->body.left(kAnswerBytes).toStdString()}};
    }
    if (answered && status < 300) {
        ++counts.succeeded;
        return;
    }
    counts.lastError = answered ? QStringLiteral("HTTP %1 from %2").arg(status).arg(delivery.url)
                                : outcome.response.error().message;
    const bool retry = !answered || status >= 500 || status == 429;
    if (!retry || delivery.attempt >= kAttempts || m_stopping) {
        ++counts.failed;
        return;
    }
    const qint64 due = QDateTime::currentMSecsSinceEpoch() + 1000LL * delivery.attempt;
    ++delivery.attempt;
    m_queue.emplace(due, std::move(delivery));
}

Json Webhooks::statistics() const
{
    std::lock_guard lock(m_mutex);
    Json stats = Json::object();
    for (const auto &[system, counts] : m_counts) {
        stats[system.toStdString()] = {{"sent", counts.sent},
                                       {"succeeded", counts.succeeded},
                                       {"failed", counts.failed},
                                       {"lastError", counts.lastError.toStdString()},
                                       {"lastAnswer", counts.lastAnswer}};
    }
    return stats;
}

int Webhooks::pending() const
{
    std::lock_guard lock(m_mutex);
    return int(m_queue.size());
}

void Webhooks::clearStatistics()
{
    std::lock_guard lock(m_mutex);
    m_counts.clear();
    m_last.clear();
    m_queue.clear();
}

} // namespace syncline::sandbox
