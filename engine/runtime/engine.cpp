#include "engine/runtime/engine.h"

#include "engine/model/workspaceloader.h"
#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/adminapi.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/metrics.h"
#include "engine/runtime/nodefactory.h"
#include "engine/runtime/webhookingress.h"
#include "engine/store/sqlitemessagestore.h"

#include <QDateTime>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace syncline::engine::runtime {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray canonicalText(const nlohmann::json &document)
{
    const std::string text = document.dump(2) + '\n'; // sorted keys: the workspace file form
    return QByteArray(text.data(), qsizetype(text.size()));
}

} // namespace

QString EngineStatus::line() const
{
    return QStringLiteral("%1 flow%2 · accepted %3 · processed %4 · waiting %5 · in flight %6 · "
                          "retried %7 · exceptions %8 · refused %9 · store %10")
        .arg(flows)
        .arg(flows == 1 ? QString() : QStringLiteral("s"))
        .arg(accepted)
        .arg(processed)
        .arg(waiting)
        .arg(inFlight)
        .arg(retried)
        .arg(parked)
        .arg(refused + throttled)
        .arg(storeHealthy ? QStringLiteral("ok") : QStringLiteral("FAILING (not accepting)"));
}

struct Engine::Impl
{
    EngineOptions options;
    std::unique_ptr<store::SqliteMessageStore> store;
    net::HttpClient http;
    Metrics metrics;
    std::unique_ptr<WebhookIngress> ingress;
    std::unique_ptr<Executor> executor;
    std::unique_ptr<AdminApi> admin;
    net::HttpServer server;
    QStringList deployed;

    std::mutex samplerMutex;
    std::condition_variable samplerWake;
    bool stopping = false;
    std::thread sampler;
    bool stopped = false;

    mutable std::mutex statusMutex;
    qint64 waiting = 0;
    qint64 parked = 0;

    Result<void> deploy(const model::Workspace &workspace);
    void sample();
    QByteArray healthJson() const;
    QByteArray flowsJson() const;
    QByteArray queuesJson() const;
    QByteArray metricsJson() const;
};

Result<void> Engine::Impl::deploy(const model::Workspace &workspace)
{
    NodeFactory factory(workspace, {*store, http, options.secrets, nowMs});
    QList<WebhookTrigger> triggers;
    QStringList problems;
    QSet<QPair<QString, int>> added;

    const auto addVersion = [&](const nlohmann::json &document,
                                int version) -> std::optional<FlowPlan> {
        Result<FlowPlan> plan = FlowPlan::fromDocument(document, version);
        if (!plan) {
            problems.append(plan.error().message);
            return std::nullopt;
        }
        Result<QHash<QString, std::shared_ptr<NodeRunner>>> runners = factory.build(*plan);
        if (!runners) {
            problems.append(runners.error().message);
            return std::nullopt;
        }
        executor->addFlow(std::make_shared<FlowPlan>(*plan), *runners);
        added.insert({plan->flowId, version});
        return *plan;
    };

    for (const model::WorkspaceObject &flow : workspace.objects(model::ObjectKind::Flow)) {
        const QByteArray text = canonicalText(flow.document);
        Result<int> latest = store->latestFlowVersion(flow.id);
        if (!latest) {
            return latest.error();
        }
        int version = *latest;
        Result<std::optional<QByteArray>> current = store->flowVersion(flow.id, version);
        if (!current) {
            return current.error();
        }
        if (version == 0 || !current->has_value() || **current != text) {
            Result<int> next = store->deployFlow(flow.id, text);
            if (!next) {
                return next.error();
            }
            version = *next;
        }
        const std::optional<FlowPlan> plan = addVersion(flow.document, version);
        if (!plan) {
            continue;
        }
        Result<QList<WebhookTrigger>> hooks = factory.webhookTriggers(*plan);
        if (!hooks) {
            problems.append(hooks.error().message);
            continue;
        }
        triggers += *hooks;
        deployed.append(QStringLiteral("%1 v%2").arg(flow.id).arg(version));
    }

    // Messages in flight finish on the version they started with.
    Result<QList<QPair<QString, int>>> active = store->activeFlowVersions();
    if (!active) {
        return active.error();
    }
    for (const auto &[flowId, version] : *active) {
        if (added.contains({flowId, version})) {
            continue;
        }
        Result<std::optional<QByteArray>> document = store->flowVersion(flowId, version);
        if (!document || !document->has_value()) {
            problems.append(QStringLiteral("flow %1 v%2 has messages waiting but its document is "
                                           "missing from the store")
                                .arg(flowId)
                                .arg(version));
            continue;
        }
        const QByteArray &bytes = **document;
        addVersion(nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size(),
                                         nullptr, false),
                   version);
    }
    if (!problems.isEmpty()) {
        return Error::make(QStringLiteral("DEPLOY_FAILED"), problems.join(u'\n'));
    }
    ingress->setTriggers(triggers);
    return {};
}

void Engine::Impl::sample()
{
    Result<QList<store::QueueDepth>> depths = store->queueDepths();
    if (!depths) {
        return;
    }
    metrics.setQueueDepths(*depths);
    QHash<QString, qint64> byFlow;
    qint64 totalWaiting = 0;
    qint64 totalParked = 0;
    for (const store::QueueDepth &depth : *depths) {
        byFlow[depth.flowId] += depth.ready + depth.delayed;
        totalWaiting += depth.ready + depth.delayed;
        totalParked += depth.failed;
    }
    for (auto it = byFlow.cbegin(); it != byFlow.cend(); ++it) {
        ingress->setBacklog(it.key(), it.value());
    }
    {
        std::lock_guard lock(statusMutex);
        waiting = totalWaiting;
        parked = totalParked;
    }
    metrics.sample(nowMs());
}

QByteArray Engine::Impl::healthJson() const
{
    const bool healthy = store->acceptingWrites();
    nlohmann::json health = {{"status", healthy ? "ok" : "degraded"},
                             {"store", healthy ? "accepting" : "not accepting writes"},
                             {"executor", executor->snapshot().running ? "running" : "stopped"}};
    return QByteArray::fromStdString(health.dump());
}

QByteArray Engine::Impl::flowsJson() const
{
    nlohmann::json flows = nlohmann::json::array();
    for (const QString &entry : deployed) {
        flows.push_back({{"id", entry.section(u' ', 0, 0).toStdString()},
                         {"version", entry.section(u' ', 1).mid(1).toInt()}});
    }
    return QByteArray::fromStdString(nlohmann::json({{"flows", flows}}).dump());
}

QByteArray Engine::Impl::queuesJson() const
{
    nlohmann::json queues = nlohmann::json::array();
    Result<QList<store::QueueDepth>> depths = store->queueDepths();
    if (depths) {
        for (const store::QueueDepth &d : *depths) {
            queues.push_back({{"flow", d.flowId.toStdString()},
                              {"node", d.nodeId.toStdString()},
                              {"ready", d.ready},
                              {"delayed", d.delayed},
                              {"inFlight", d.inFlight},
                              {"failed", d.failed}});
        }
    }
    return QByteArray::fromStdString(nlohmann::json({{"queues", queues}}).dump());
}

QByteArray Engine::Impl::metricsJson() const
{
    nlohmann::json nodes = nlohmann::json::array();
    for (const NodeMetrics &n : metrics.snapshot()) {
        nlohmann::json history = nlohmann::json::array();
        for (const NodeSample &s : n.history) {
            history.push_back({{"at", s.atMs},
                               {"queueDepth", s.queueDepth},
                               {"inFlight", s.inFlight},
                               {"processedPerSecond", s.processedPerSecond},
                               {"failedPerSecond", s.failedPerSecond},
                               {"retriedPerSecond", s.retriedPerSecond},
                               {"p50Ms", s.p50Ms},
                               {"p99Ms", s.p99Ms}});
        }
        nodes.push_back({{"flow", n.flowId.toStdString()},
                         {"node", n.nodeId.toStdString()},
                         {"processed", n.processed},
                         {"failed", n.failed},
                         {"retried", n.retried},
                         {"inFlight", n.inFlight},
                         {"history", history}});
    }
    return QByteArray::fromStdString(nlohmann::json({{"nodes", nodes}}).dump());
}

Engine::Engine(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{}

Engine::~Engine()
{
    stop();
}

Result<std::unique_ptr<Engine>> Engine::start(EngineOptions options)
{
    if (options.adminToken.isEmpty()) {
        return Error::make(QStringLiteral("ENGINE_OPTIONS"),
                           QStringLiteral("the admin API needs a token"));
    }
    const model::LoadResult loaded = model::loadWorkspace(options.workspaceFolder);
    if (!loaded.problems.isEmpty()) {
        QStringList lines;
        for (const model::Problem &problem : loaded.problems) {
            lines.append(problem.toString());
        }
        return Error::make(QStringLiteral("WORKSPACE_INVALID"),
                           QStringLiteral("the workspace %1 has %2 problem(s):\n%3")
                               .arg(options.workspaceFolder)
                               .arg(lines.size())
                               .arg(lines.join(u'\n')));
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    Result<std::unique_ptr<store::SqliteMessageStore>> store = store::SqliteMessageStore::open(
        options.databasePath);
    if (!store) {
        return store.error();
    }
    impl->store = std::move(*store);
    Impl *raw = impl.get();
    ExecutorOptions executorOptions;
    executorOptions.workers = options.workers;
    impl->executor = std::make_unique<Executor>(*impl->store, impl->metrics, executorOptions);
    WebhookIngressOptions ingressOptions;
    ingressOptions.onStored = [raw](const QString &flowId, int version, const QStringList &nodes) {
        for (const QString &node : nodes) {
            raw->executor->notify(flowId, version, node);
        }
    };
    impl->ingress = std::make_unique<WebhookIngress>(*impl->store, ingressOptions);
    if (Result<void> deployed = impl->deploy(loaded.workspace); !deployed) {
        return deployed.error();
    }
    impl->admin = std::make_unique<AdminApi>(
        options.adminToken,
        AdminSources{[raw] { return raw->healthJson(); }, [raw] { return raw->flowsJson(); },
                     [raw] { return raw->queuesJson(); }, [raw] { return raw->metricsJson(); },
                     [raw] { return raw->metrics.prometheusText(); }});
    if (Result<void> started = impl->executor->start(); !started) {
        return started.error();
    }
    net::HttpServerOptions serverOptions;
    serverOptions.host = options.listenHost;
    serverOptions.port = options.listenPort;
    serverOptions.threads = options.httpThreads;
    Result<void> listening = impl->server.listen(serverOptions,
                                                 [raw](net::ServerRequest request,
                                                       net::Responder respond) {
                                                     if (AdminApi::handles(request.path)) {
                                                         raw->admin->handle(request, respond);
                                                         return;
                                                     }
                                                     raw->ingress->handle(std::move(request),
                                                                          std::move(respond));
                                                 });
    if (!listening) {
        impl->executor->stop();
        return listening.error();
    }
    impl->sample();
    impl->sampler = std::thread([raw] {
        std::unique_lock lock(raw->samplerMutex);
        while (!raw->samplerWake.wait_for(lock, std::chrono::seconds(1),
                                          [raw] { return raw->stopping; })) {
            lock.unlock();
            raw->sample();
            lock.lock();
        }
    });
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

quint16 Engine::port() const
{
    return d->server.port();
}

QStringList Engine::deployed() const
{
    return d->deployed;
}

EngineStatus Engine::status() const
{
    EngineStatus s;
    s.port = port();
    s.flows = int(d->deployed.size());
    s.storeHealthy = d->store->acceptingWrites();
    const WebhookCounters hooks = d->ingress->counters();
    s.accepted = hooks.accepted;
    s.duplicates = hooks.duplicates;
    s.refused = hooks.refused;
    s.throttled = hooks.throttled;
    for (const NodeMetrics &n : d->metrics.snapshot()) {
        s.processed += n.processed;
        s.retried += n.retried;
        s.failed += n.failed;
        s.inFlight += n.inFlight;
    }
    std::lock_guard lock(d->statusMutex);
    s.waiting = d->waiting;
    s.parked = d->parked;
    return s;
}

void Engine::stop()
{
    if (d->stopped) {
        return;
    }
    d->stopped = true;
    d->server.stop();
    {
        std::lock_guard lock(d->samplerMutex);
        d->stopping = true;
    }
    d->samplerWake.notify_all();
    if (d->sampler.joinable()) {
        d->sampler.join();
    }
    d->executor->stop();
}

} // namespace syncline::engine::runtime
