#pragma once

#include "app/sandbox/faults.h"
#include "app/sandbox/system.h"
#include "app/sandbox/webhooks.h"

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace syncline::sandbox {

/// Routes each request to its system by path prefix, applying faults, authentication and
/// idempotency around the system's handler, and sends the webhooks a request caused once it
/// committed. Control endpoints (/_sandbox/) go to the control handler, never faulted.
class Router
{
public:
    using ControlHandler = std::function<engine::net::ServerResponse(
        const engine::net::ServerRequest &)>;

    Router(StateStore &store, Faults &faults, Webhooks &webhooks);
    ~Router();

    void addSystem(std::unique_ptr<System> system);
    void setControl(ControlHandler control);
    const std::vector<std::unique_ptr<System>> &systems() const { return m_systems; }

    void handle(engine::net::ServerRequest request, engine::net::Responder respond);
    /// Runs one request against a system as its own operator would: no faults, no
    /// authentication; the documents it creates carry `origin`. Takes the store's lock.
    engine::net::ServerResponse internal(const QByteArray &method, const QByteArray &path,
                                         const Json &body, const QString &origin);

private:
    struct Pending;
    System *systemFor(const QByteArray &path) const;
    /// Runs the handler in a transaction and records the idempotent response; store locked.
    engine::net::ServerResponse execute(System &system, Call &call);
    void complete(const std::shared_ptr<Pending> &pending);
    void after(int delayMs, std::function<void()> work);
    void runTimer();

    StateStore &m_store;
    Faults &m_faults;
    Webhooks &m_webhooks;
    ControlHandler m_control;
    std::vector<std::unique_ptr<System>> m_systems;

    std::mutex m_timerMutex;
    std::condition_variable m_timerWake;
    std::multimap<qint64, std::function<void()>> m_timers;
    bool m_stopping = false;
    std::thread m_timerThread;
};

} // namespace syncline::sandbox
