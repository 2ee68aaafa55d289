#include "engine/runtime/triggerhost.h"

#include "engine/core/threadname.h"
#include "engine/runtime/manualintake.h"
#include "engine/runtime/orderingkey.h"
#include "engine/runtime/polltrigger.h"
#include "engine/runtime/scheduletrigger.h"
#include "engine/runtime/topicregistry.h"
#include "engine/runtime/nodesupport.h"

#include <QDateTime>

#include <algorithm>
#include <thread>

namespace syncline::engine::runtime {

namespace {

// Longest single wait: a clock that jumps (NTP, suspend) is looked at again this often.
constexpr qint64 kMaxWaitMs = 30'000;

} // namespace

struct TriggerHost::Runner
{
    std::shared_ptr<TriggerSource> source;
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable wake;
    std::thread thread;
};

TriggerHost::TriggerHost(TriggerHostServices services)
    : m_services(std::move(services))
{
    if (!m_services.context.clockMs) {
        m_services.context.clockMs = [] { return QDateTime::currentMSecsSinceEpoch(); };
    }
}

TriggerHost::~TriggerHost()
{
    stop();
}

QStringList TriggerHost::triggerTypes()
{
    return {QStringLiteral("schedule"), QStringLiteral("poll"), QStringLiteral("subscribe"),
            QStringLiteral("manual")};
}

Result<void> TriggerHost::setTriggers(const QList<std::shared_ptr<const FlowPlan>> &plans)
{
    QList<std::shared_ptr<TriggerSource>> sources;
    QList<Subscription> subscriptions;
    QList<ManualTrigger> manuals;
    QStringList problems;
    for (const std::shared_ptr<const FlowPlan> &plan : plans) {
        for (const QString &id : plan->nodeOrder) {
            const PlannedNode &node = *plan->node(id);
            const TriggerTarget target{plan->flowId, plan->version, node.id, node.successors()};
            const auto problem = [&](const QString &why) {
                problems.append(QStringLiteral("flow %1 node %2 (%3): %4")
                                    .arg(plan->flowId, node.id, node.type, why));
            };
            if (node.type == QLatin1String("schedule")) {
                Result<ScheduleSettings> settings = ScheduleSettings::fromJson(node.settings);
                if (!settings) {
                    problem(settings.error().message);
                    continue;
                }
                sources.append(std::make_shared<ScheduleTrigger>(target, std::move(*settings),
                                                                 m_services.context));
            } else if (node.type == QLatin1String("poll")) {
                Result<PollSettings> settings = PollSettings::fromJson(node.settings);
                if (!settings) {
                    problem(settings.error().message);
                    continue;
                }
                Result<SystemTarget> system = m_services.system
                                                  ? m_services.system(settings->system)
                                                  : Result<SystemTarget>(Error::make(
                                                      QStringLiteral("SYSTEM_INVALID"),
                                                      QStringLiteral("no systems")));
                if (!system) {
                    problem(system.error().message);
                    continue;
                }
                const auto registry = m_services.connectors ? m_services.connectors()
                                                            : nullptr;
                if (Result<void> bound = settings->bindConnector(registry.get(), *system);
                    !bound) {
                    problem(bound.error().message);
                    continue;
                }
                sources.append(std::make_shared<PollTrigger>(target, std::move(*settings),
                                                             std::move(*system), node.retry,
                                                             *m_services.http,
                                                             m_services.context));
            } else if (node.type == QLatin1String("subscribe")) {
                const QString topic = settingText(node.settings, "topic");
                if (topic.isEmpty()) {
                    problem(QStringLiteral("settings/topic: a subscribe node names its topic"));
                    continue;
                }
                subscriptions.append({topic, plan->flowId, plan->version, node.id,
                                      node.successors(), orderingKeyPointer(node.settings)});
            } else if (node.type == QLatin1String("manual")) {
                ManualTrigger manual;
                manual.flowId = plan->flowId;
                manual.triggerId = node.id;
                manual.flowVersion = plan->version;
                manual.firstNodes = node.successors();
                manual.businessKeyPointer = settingText(node.settings, "businessKey");
                manual.orderingKeyPointer = orderingKeyPointer(node.settings);
                if (const auto max = node.settings.find("maxBytes");
                    max != node.settings.end() && max->is_number_integer()) {
                    manual.limits.maxBytes = max->get<qint64>();
                }
                manuals.append(manual);
            }
        }
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"), problems.join(QStringLiteral("; ")));
    }
    if (m_services.topics) {
        m_services.topics->setSubscriptions(subscriptions);
    }
    if (m_services.manual) {
        m_services.manual->setTriggers(manuals);
    }
    setSources(std::move(sources));
    return {};
}

void TriggerHost::setSources(QList<std::shared_ptr<TriggerSource>> sources)
{
    QList<std::shared_ptr<Runner>> replaced;
    QList<std::shared_ptr<Runner>> fresh;
    for (std::shared_ptr<TriggerSource> &source : sources) {
        auto runner = std::make_shared<Runner>();
        runner->source = std::move(source);
        fresh.append(std::move(runner));
    }
    {
        std::lock_guard lock(m_mutex);
        replaced.swap(m_runners);
    }
    // The old threads end before the new ones start: two versions of a poll never overlap.
    halt(replaced);
    std::lock_guard lock(m_mutex);
    m_runners = std::move(fresh);
    if (m_started) {
        for (const std::shared_ptr<Runner> &runner : m_runners) {
            launch(*runner);
        }
    }
}

void TriggerHost::launch(Runner &runner)
{
    runner.stop = false;
    runner.thread = std::thread([this, &runner] {
        nameThisThread("sl-trigger");
        const std::function<qint64()> &clock = m_services.context.clockMs;
        while (!runner.stop) {
            const qint64 next = runner.source->run(clock(), runner.stop);
            std::unique_lock lock(runner.mutex);
            const qint64 waitMs = std::clamp<qint64>(next - clock(), 0, kMaxWaitMs);
            runner.wake.wait_for(lock, std::chrono::milliseconds(waitMs),
                                 [&runner] { return runner.stop.load(); });
        }
    });
}

void TriggerHost::halt(QList<std::shared_ptr<Runner>> &runners)
{
    for (const std::shared_ptr<Runner> &runner : runners) {
        {
            std::lock_guard lock(runner->mutex);
            runner->stop = true;
        }
        runner->wake.notify_all();
    }
    for (const std::shared_ptr<Runner> &runner : runners) {
        if (runner->thread.joinable()) {
            runner->thread.join();
        }
    }
}

void TriggerHost::start()
{
    std::lock_guard lock(m_mutex);
    if (m_started) {
        return;
    }
    m_started = true;
    for (const std::shared_ptr<Runner> &runner : m_runners) {
        launch(*runner);
    }
}

void TriggerHost::stop()
{
    QList<std::shared_ptr<Runner>> runners;
    {
        std::lock_guard lock(m_mutex);
        if (!m_started) {
            return;
        }
        m_started = false;
        runners = m_runners;
    }
    halt(runners);
}

QList<TriggerStatus> TriggerHost::statuses() const
{
    std::lock_guard lock(m_mutex);
    QList<TriggerStatus> out;
    for (const std::shared_ptr<Runner> &runner : m_runners) {
        out.append(runner->source->status());
    }
    return out;
}

} // namespace syncline::engine::runtime
