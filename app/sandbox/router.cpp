#include "app/sandbox/router.h"

#include "app/sandbox/idempotency.h"

#include <QDateTime>

namespace syncline::sandbox {

using engine::net::Responder;
using engine::net::ServerRequest;
using engine::net::ServerResponse;

// A request between the router's checks and its (possibly delayed) execution.
struct Router::Pending
{
    ServerRequest request;
    Responder respond;
    System *system = nullptr;
    QString idempotencyKey;
    bool reset = false;
};

Router::Router(StateStore &store, Faults &faults, Webhooks &webhooks)
    : m_store(store)
    , m_faults(faults)
    , m_webhooks(webhooks)
{
    m_timerThread = std::thread([this] { runTimer(); });
}

Router::~Router()
{
    {
        std::lock_guard lock(m_timerMutex);
        m_stopping = true;
    }
    m_timerWake.notify_all();
    m_timerThread.join();
}

void Router::addSystem(std::unique_ptr<System> system)
{
    m_systems.push_back(std::move(system));
}

void Router::setControl(ControlHandler control)
{
    m_control = std::move(control);
}

System *Router::systemFor(const QByteArray &path) const
{
    for (const auto &system : m_systems) {
        const QByteArray prefix = system->prefix();
        if (path == prefix || path.startsWith(prefix + '/')) {
            return system.get();
        }
    }
    return nullptr;
}

void Router::handle(ServerRequest request, Responder respond)
{
    if (request.path == "/_sandbox" || request.path.startsWith("/_sandbox/")) {
        respond(m_control(request));
        return;
    }
    System *system = systemFor(request.path);
    if (!system) {
        respond(ServerResponse::problem(
            404, QStringLiteral("urn:syncline:sandbox:not-found"), QStringLiteral("Not Found"),
            QStringLiteral("no simulated system serves %1; the systems are under /crm, /billing, "
                           "/support, /erp, /usage and /data")
                .arg(QString::fromUtf8(request.path))));
        return;
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const FaultDecision decision = m_faults.decide(system->name(), request.method, request.path,
                                                   nowMs);
    if (decision.refusal) {
        ServerResponse refused = system->refuse(*decision.refusal, decision.status,
                                                decision.detail);
        if (decision.retryAfterSeconds > 0) {
            refused.headers.append({"Retry-After", QByteArray::number(decision.retryAfterSeconds)});
        }
        respond(std::move(refused));
        return;
    }
    auto pending = std::make_shared<Pending>();
    pending->system = system;
    pending->reset = decision.reset;
    pending->respond = std::move(respond);
    {
        auto lock = m_store.lock();
        Call call{request, request.path.mid(system->prefix().size())};
        call.nowMs = nowMs;
        if (auto refused = system->authenticate(call)) {
            lock.unlock();
            pending->respond(std::move(*refused));
            return;
        }
        const QByteArray key = request.header("idempotency-key");
        if (system->honoursIdempotencyKey() && request.method == "POST" && !key.isEmpty()) {
            pending->idempotencyKey = QString::fromUtf8(key);
            const Idempotency::Check check = Idempotency::begin(
                m_store, system->name(), pending->idempotencyKey,
                Idempotency::fingerprint(request), nowMs);
            if (check.state != Idempotency::State::Proceed) {
                if (check.state == Idempotency::State::Replay) {
                    m_store.add(QStringLiteral("refused:") + system->name(), 1);
                }
                lock.unlock();
                pending->respond(
                    check.state == Idempotency::State::Replay ? check.stored
                    : check.state == Idempotency::State::Reused
                        ? system->refuse(Refusal::IdempotencyReused, 422,
                                         QStringLiteral("Keys for idempotent requests can only "
                                                        "be used with the same parameters they "
                                                        "were first used with."))
                        : system->refuse(Refusal::IdempotencyInUse, 409,
                                         QStringLiteral("There is currently another in-progress "
                                                        "request using this Idempotency-Key.")));
                return;
            }
        }
    }
    pending->request = std::move(request);
    if (decision.latencyMs > 0) {
        after(decision.latencyMs, [this, pending] { complete(pending); });
        return;
    }
    complete(pending);
}

void Router::complete(const std::shared_ptr<Pending> &pending)
{
    Call call{pending->request, pending->request.path.mid(pending->system->prefix().size())};
    call.idempotencyKey = pending->idempotencyKey;
    call.nowMs = QDateTime::currentMSecsSinceEpoch();
    ServerResponse response;
    {
        auto lock = m_store.lock();
        response = execute(*pending->system, call);
    }
    for (const OutboundEvent &event : call.events) {
        m_webhooks.send(event);
    }
    response.dropConnection = pending->reset;
    pending->respond(std::move(response));
}

ServerResponse Router::execute(System &system, Call &call)
{
    if (const auto begun = m_store.begin(); !begun) {
        return system.refuse(Refusal::Unavailable, 503, begun.error().message);
    }
    ServerResponse response;
    try {
        response = system.handle(call);
    } catch (const std::exception &e) {
        // A member of the wrong JSON type reached a handler that trusted it.
        response = system.refuse(Refusal::BadRequest, 400,
                                 QStringLiteral("the request body has a member of the wrong "
                                                "type: %1")
                                     .arg(QString::fromUtf8(e.what())));
    }
    if (response.status >= 400 && !call.keepChanges) {
        m_store.rollback();
        call.events.clear();
        (void) m_store.begin();
    }
    if (!call.idempotencyKey.isEmpty()) {
        if (response.status >= 500) {
            Idempotency::abandon(m_store, system.name(), call.idempotencyKey);
        } else {
            Idempotency::finish(m_store, system.name(), call.idempotencyKey, response);
        }
    }
    if (const auto committed = m_store.commit(); !committed) {
        m_store.rollback();
        call.events.clear();
        return system.refuse(Refusal::Unavailable, 503, committed.error().message);
    }
    return response;
}

ServerResponse Router::internal(const QByteArray &method, const QByteArray &path,
                                const Json &body, const QString &origin)
{
    System *system = systemFor(path);
    if (!system) {
        return ServerResponse::problem(404, QStringLiteral("urn:syncline:sandbox:not-found"),
                                       QStringLiteral("Not Found"), QString::fromUtf8(path));
    }
    ServerRequest request;
    request.method = method;
    request.path = path;
    request.body = body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump());
    request.headers = {{"content-type", "application/json"}};
    request.peer = QStringLiteral("sandbox");
    Call call{request, path.mid(system->prefix().size())};
    call.origin = origin;
    call.nowMs = QDateTime::currentMSecsSinceEpoch();
    ServerResponse response;
    {
        auto lock = m_store.lock();
        response = execute(*system, call);
    }
    for (const OutboundEvent &event : call.events) {
        m_webhooks.send(event);
    }
    return response;
}

void Router::after(int delayMs, std::function<void()> work)
{
    std::lock_guard lock(m_timerMutex);
    m_timers.emplace(QDateTime::currentMSecsSinceEpoch() + delayMs, std::move(work));
    m_timerWake.notify_all();
}

void Router::runTimer()
{
    std::unique_lock lock(m_timerMutex);
    while (!m_stopping) {
        if (m_timers.empty()) {
            m_timerWake.wait(lock);
            continue;
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto first = m_timers.begin();
        if (first->first > now) {
            m_timerWake.wait_for(lock, std::chrono::milliseconds(first->first - now));
            continue;
        }
        std::function<void()> work = std::move(first->second);
        m_timers.erase(first);
        lock.unlock();
        work();
        lock.lock();
    }
}

} // namespace syncline::sandbox
