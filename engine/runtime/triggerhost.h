#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/runtime/systemtarget.h"
#include "engine/runtime/triggersource.h"

#include <QList>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace syncline::engine::net {
class HttpClient;
}

namespace syncline::engine::plugin {
class ConnectorRegistry;
}

namespace syncline::engine::runtime {

class ManualIntake;
class TopicRegistry;

/// What the host builds triggers with; all outlive it.
struct TriggerHostServices
{
    TriggerContext context;
    net::HttpClient *http = nullptr;
    /// The shared target of a workspace system (its breaker and rate limit see every caller).
    std::function<Result<SystemTarget>(const QString &systemId)> system;
    std::shared_ptr<TopicRegistry> topics;  // subscribe nodes register here; may be null
    std::shared_ptr<ManualIntake> manual;   // manual nodes register here; may be null
    /// The loaded connectors, for polls that list a connector object; may return null.
    std::function<std::shared_ptr<const plugin::ConnectorRegistry>()> connectors;
};

/// Runs the triggers that act by themselves — schedules and polls, one thread each — and keeps
/// the topic registry (subscribe) and the manual intake up to date with the deployed flows.
/// The Engine starts it after the executor and stops it before: stop() asks every trigger to
/// finish (a poll's HTTP call in progress is abandoned) and joins the threads, well within the
/// engine's 5 s shutdown. Thread-safe.
class TriggerHost
{
public:
    explicit TriggerHost(TriggerHostServices services);
    ~TriggerHost();

    TriggerHost(const TriggerHost &) = delete;
    TriggerHost &operator=(const TriggerHost &) = delete;

    /// Makes the trigger nodes of these flow versions (the latest of each flow) the active
    /// ones. Everything is built first: when any trigger's settings cannot run (a bad cron
    /// expression, an unknown system), nothing changes and every problem is listed
    /// (FLOW_CANNOT_RUN). Running triggers of replaced versions stop first; what they committed
    /// (a cursor, a last run) carries over to the new version.
    Result<void> setTriggers(const QList<std::shared_ptr<const FlowPlan>> &plans);
    /// Runs the given sources instead (tests; what setTriggers does after building).
    void setSources(QList<std::shared_ptr<TriggerSource>> sources);

    /// Starts a thread per schedule and poll. Idempotent.
    void start();
    /// Stops taking work and joins every trigger thread. Idempotent; start() may follow.
    void stop();

    QList<TriggerStatus> statuses() const;

    /// Node types the host runs (webhook triggers are the ingress's).
    static QStringList triggerTypes();

private:
    struct Runner;
    void launch(Runner &runner);
    void halt(QList<std::shared_ptr<Runner>> &runners);

    TriggerHostServices m_services;
    mutable std::mutex m_mutex;
    QList<std::shared_ptr<Runner>> m_runners;
    bool m_started = false;
};

} // namespace syncline::engine::runtime
