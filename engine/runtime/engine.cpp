#include "engine/runtime/engine.h"

#include "engine/core/threadname.h"
#include "engine/model/workspaceloader.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/plugin/connectorrules.h"
#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/adminapi.h"
#include "engine/runtime/auditroutes.h"
#include "engine/runtime/deploybundle.h"
#include "engine/runtime/deployer.h"
#include "engine/runtime/exceptionroutes.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/lineageroutes.h"
#include "engine/runtime/manualintake.h"
#include "engine/runtime/metrics.h"
#include "engine/runtime/nodefactory.h"
#include "engine/runtime/nodetypes.h"
#include "engine/runtime/personaldata.h"
#include "engine/runtime/replayjobroutes.h"
#include "engine/runtime/secretroutes.h"
#include "engine/runtime/topicregistry.h"
#include "engine/runtime/triggerhost.h"
#include "engine/runtime/userroutes.h"
#include "engine/runtime/webhookingress.h"
#include "engine/store/sqliteexceptionstore.h"
#include "engine/security/secretcatalog.h"
#include "engine/security/userdirectory.h"
#include "engine/store/sqliteauditstore.h"
#include "engine/store/sqlitelineagestore.h"
#include "engine/store/sqlitemessagestore.h"
#include "engine/store/sqlitereplayjobstore.h"
#include "engine/store/sqliteuserstore.h"

#include <QDateTime>
#include <QThreadPool>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace syncline::engine::runtime {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// The palette and settings forms of every node type (GET /api/v1/node-types).
QByteArray nodeTypesJson()
{
    nlohmann::json types = nlohmann::json::array();
    const QStringList runs = NodeFactory::supportedTypes();
    for (const NodeTypeInfo &info : nodeTypes()) {
        nlohmann::json outputs = nlohmann::json::array();
        for (const QString &output : info.outputs) {
            outputs.push_back(output.toStdString());
        }
        types.push_back({{"type", info.type.toStdString()},
                         {"category", categoryName(info.category).toStdString()},
                         {"title", info.title.toStdString()},
                         {"summary", info.summary.toStdString()},
                         {"outputs", outputs},
                         {"runs", runs.contains(info.type)},
                         {"settings", info.settingsSchema}});
    }
    return QByteArray::fromStdString(nlohmann::json({{"nodeTypes", types}}).dump());
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
    std::unique_ptr<store::SqliteAuditStore> audit;
    std::unique_ptr<store::SqliteUserStore> userStore;
    std::unique_ptr<security::UserDirectory> users;
    std::unique_ptr<security::SecretCatalog> secrets;
    std::unique_ptr<PersonalData> personal;
    net::HttpClient http;
    Metrics metrics;
    std::shared_ptr<BackPressure> backPressure = std::make_shared<BackPressure>();
    std::unique_ptr<WebhookIngress> ingress;
    std::unique_ptr<Executor> executor;
    std::shared_ptr<TopicRegistry> topics = std::make_shared<TopicRegistry>();
    std::shared_ptr<const plugin::ConnectorRegistry> connectors;
    std::shared_ptr<Replies> replies = std::make_shared<Replies>();
    std::shared_ptr<ManualIntake> manual;
    std::unique_ptr<TriggerHost> triggers;
    std::unique_ptr<Deployer> deployer;
    std::unique_ptr<AdminApi> admin;
    std::unique_ptr<store::SqliteExceptionStore> exceptionStore;
    std::unique_ptr<ExceptionService> exceptions;
    std::unique_ptr<ExceptionApi> exceptionApi;
    std::unique_ptr<store::SqliteReplayJobStore> replayJobStore;
    std::unique_ptr<ReplayJobRunner> replayRunner;
    std::unique_ptr<ReplayJobApi> replayApi;
    QThreadPool adminWork; // admin requests that block (a deployment) run here, not on the server
    net::HttpServer server;

    std::mutex samplerMutex;
    std::condition_variable samplerWake;
    bool stopping = false;
    std::thread sampler;
    bool stopped = false;

    mutable std::mutex statusMutex;
    qint64 waiting = 0;
    qint64 parked = 0;

    Result<DeployReport> deploy(const model::Workspace &workspace, const security::Principal &by);
    void resumeReplay(const store::ReplayTicket &ticket);
    void addRoutes();
    void deployRequest(const AdminCall &call, const net::Responder &respond);
    void sample();
    QByteArray healthJson() const;
    QByteArray flowsJson() const;
    QByteArray queuesJson() const;
    QByteArray metricsJson() const;
    QByteArray triggersJson() const;
};

Result<DeployReport> Engine::Impl::deploy(const model::Workspace &workspace,
                                          const security::Principal &by)
{
    Result<DeployReport> report = deployer->deploy(workspace, by);
    if (!report) {
        return report;
    }
    personal->setWorkspace(workspace);
    secrets->setWorkspace(workspace);
    ingress->setTriggers(report->webhooks);
    if (Result<void> started = triggers->setTriggers(report->latest); !started) {
        return started.error();
    }
    return report;
}

void Engine::Impl::resumeReplay(const store::ReplayTicket &ticket)
{
    // The message may have started on a version no longer running: it runs again for this.
    (void) deployer->resumeOlderVersions();
    executor->notify(ticket.flowId, ticket.flowVersion, ticket.nodeId);
}

void Engine::Impl::sample()
{
    Result<QList<store::QueueDepth>> depths = store->queueDepths();
    if (!depths) {
        return;
    }
    metrics.setQueueDepths(*depths);
    backPressure->setDepths(*depths);
    qint64 totalWaiting = 0;
    qint64 totalParked = 0;
    for (const store::QueueDepth &depth : *depths) {
        totalWaiting += depth.ready + depth.delayed;
        totalParked += depth.failed;
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
    const store::WriterSnapshot writer = store->writerSnapshot();
    nlohmann::json health = {{"status", healthy ? "ok" : "degraded"},
                             {"store", healthy ? "accepting" : "not accepting writes"},
                             {"executor", executor->snapshot().running ? "running" : "stopped"},
                             {"writer",
                              {{"transactions", writer.transactions},
                               {"committedJobs", writer.committedJobs},
                               {"failedJobs", writer.failedJobs},
                               {"queued", writer.queued}}}};
    const WebhookCounters hooks = ingress->counters();
    health["webhooks"] = {{"accepted", hooks.accepted},
                          {"duplicates", hooks.duplicates},
                          {"refused", hooks.refused},
                          {"throttled", hooks.throttled}};
    if (!writer.lastError.isEmpty()) {
        health["writer"]["lastError"] = writer.lastError.toStdString();
    }
    return QByteArray::fromStdString(health.dump());
}

QByteArray Engine::Impl::flowsJson() const
{
    nlohmann::json flows = nlohmann::json::array();
    for (const DeployedVersion &v : deployer->versions()) {
        flows.push_back({{"id", v.flowId.toStdString()},
                         {"version", v.version},
                         {"latest", v.latest}});
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

QByteArray Engine::Impl::triggersJson() const
{
    nlohmann::json list = nlohmann::json::array();
    for (const TriggerStatus &t : triggers->statuses()) {
        list.push_back({{"flow", t.flowId.toStdString()},
                        {"version", t.flowVersion},
                        {"node", t.nodeId.toStdString()},
                        {"type", t.type.toStdString()},
                        {"messages", t.messages},
                        {"duplicates", t.duplicates},
                        {"runs", t.runs},
                        {"skipped", t.skipped},
                        {"failures", t.failures},
                        {"failing", t.failing()},
                        {"lastError", t.lastError.toStdString()},
                        {"lastSuccessAt", t.lastSuccessAtMs},
                        {"nextRunAt", t.nextRunAtMs}});
    }
    return QByteArray::fromStdString(nlohmann::json({{"triggers", list}}).dump());
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

void Engine::Impl::addRoutes()
{
    const auto json = [](std::function<QByteArray()> source) -> AdminHandler {
        return [source = std::move(source)](const AdminCall &, const net::Responder &respond) {
            respond(net::ServerResponse::json(200, source()));
        };
    };
    admin->add({"GET", "/api/v1/health", security::Permission::ReadOperations,
                json([this] { return healthJson(); })});
    admin->add({"GET", "/api/v1/flows", security::Permission::ReadOperations,
                json([this] { return flowsJson(); })});
    admin->add({"GET", "/api/v1/queues", security::Permission::ReadOperations,
                json([this] { return queuesJson(); })});
    admin->add({"GET", "/api/v1/metrics", security::Permission::ReadOperations,
                json([this] { return metricsJson(); })});
    admin->add({"GET", "/api/v1/node-types", security::Permission::ReadOperations,
                json([] { return nodeTypesJson(); })});
    admin->add({"GET", "/api/v1/triggers", security::Permission::ReadOperations,
                json([this] { return triggersJson(); })});
    // The connectors with their settings and object schemas, for the studio's forms.
    admin->add({"GET", "/api/v1/connectors", security::Permission::ReadOperations,
                json([this] { return QByteArray::fromStdString(connectors->toJson(true).dump()); })});
    admin->add(manual->route());
    for (AdminRoute &route : exceptionApi->routes()) {
        admin->add(std::move(route));
    }
    for (AdminRoute &route : replayApi->routes()) {
        admin->add(std::move(route));
    }
    for (AdminRoute &route : lineageRoutes(std::make_shared<store::SqliteLineageStore>(*store), *personal)) {
        admin->add(std::move(route));
    }
    admin->add({"POST",
                "/api/v1/deployments",
                security::Permission::Deploy,
                [this](const AdminCall &call, const net::Responder &respond) {
                    deployRequest(call, respond);
                }});
    for (AdminRoute &route : userRoutes(*users, *audit)) {
        admin->add(std::move(route));
    }
    for (AdminRoute &route : auditRoutes(*audit)) {
        admin->add(std::move(route));
    }
    for (AdminRoute &route : secretRoutes(*secrets, *audit)) {
        admin->add(std::move(route));
    }
    admin->add({"GET", "/metrics", security::Permission::ReadOperations,
                [this](const AdminCall &, const net::Responder &respond) {
                    const std::string text = metrics.prometheusText();
                    respond({200,
                             {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                             QByteArray(text.data(), qsizetype(text.size()))});
                }});
}

void Engine::Impl::deployRequest(const AdminCall &call, const net::Responder &respond)
{
    const net::ServerRequest &request = call.request;
    json::IntakeLimits limits;
    limits.maxBytes = request.body.size() + 1; // the server already capped the size
    const json::IntakeResult body = json::JsonIntake::parse(request.body, limits);
    if (!body.ok()) {
        respond(AdminApi::problem(400, "BAD_JSON",
                                  QStringLiteral("the deployment is not JSON: %1")
                                      .arg(body.refusal().toError().message)));
        return;
    }
    Result<model::Workspace> workspace = deploybundle::workspaceFromJson(
        json::toNlohmann(body.value()));
    if (!workspace) {
        respond(AdminApi::problem(422, "WORKSPACE_INVALID", workspace.error().message));
        return;
    }
    // A deployment compiles and writes: off the server's threads, one at a time.
    adminWork.start([this, workspace = std::move(*workspace), by = call.caller, respond] {
        const model::ProblemList problems = model::checkWorkspace(workspace);
        if (!problems.isEmpty()) {
            QStringList lines;
            for (const model::Problem &problem : problems) {
                lines.append(problem.toString());
            }
            respond(AdminApi::problem(422, "WORKSPACE_INVALID", lines.join(u'\n')));
            return;
        }
        Result<DeployReport> report = deploy(workspace, by);
        if (!report) {
            respond(AdminApi::problem(422, "DEPLOY_FAILED", report.error().message));
            return;
        }
        const auto list = [](const QStringList &names) {
            nlohmann::json out = nlohmann::json::array();
            for (const QString &name : names) {
                out.push_back(name.toStdString());
            }
            return out;
        };
        const nlohmann::json answer = {{"created", list(report->created)},
                                       {"unchanged", list(report->unchanged)}};
        respond(net::ServerResponse::json(200, QByteArray::fromStdString(answer.dump())));
    });
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
    std::shared_ptr<const plugin::ConnectorRegistry> connectors = plugin::ConnectorRegistry::load(
        options.pluginFolders.isEmpty() ? plugin::ConnectorLoader::defaultFolders()
                                        : options.pluginFolders);
    model::ProblemList problems = loaded.problems;
    if (problems.isEmpty()) {
        problems = plugin::checkConnectorUse(loaded.workspace, *connectors);
    }
    if (!problems.isEmpty()) {
        QStringList lines;
        for (const model::Problem &problem : problems) {
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
    impl->connectors = std::move(connectors);
    Result<std::unique_ptr<store::SqliteMessageStore>> store = store::SqliteMessageStore::open(
        options.databasePath);
    if (!store) {
        return store.error();
    }
    impl->store = std::move(*store);
    std::shared_ptr<security::SecretsFile> secretsFile;
    if (!options.secretsFile.isEmpty()) {
        Result<std::shared_ptr<security::SecretsFile>> opened =
            security::SecretsFile::open(options.secretsFile);
        if (!opened) {
            return opened.error();
        }
        secretsFile = std::move(*opened);
    }
    impl->secrets = std::make_unique<security::SecretCatalog>(secretsFile, options.secrets);
    impl->audit = std::make_unique<store::SqliteAuditStore>(*impl->store);
    impl->userStore = std::make_unique<store::SqliteUserStore>(*impl->store);
    impl->users = std::make_unique<security::UserDirectory>(*impl->userStore, nowMs);
    impl->personal = std::make_unique<PersonalData>(*impl->audit);
    Impl *raw = impl.get();
    ExecutorOptions executorOptions;
    executorOptions.workers = options.workers;
    executorOptions.backPressure = impl->backPressure;
    impl->executor = std::make_unique<Executor>(*impl->store, impl->metrics, executorOptions);
    WebhookIngressOptions ingressOptions;
    ingressOptions.backPressure = impl->backPressure;
    ingressOptions.replies = impl->replies;
    ingressOptions.onStored = [raw](const QString &flowId, int version, const QStringList &nodes) {
        for (const QString &node : nodes) {
            raw->executor->notify(flowId, version, node);
        }
    };
    ingressOptions.prepare = [raw](store::IngestRequest &request, const json::Value *parsed) {
        return raw->executor->prepareArrival(request, parsed);
    };
    impl->ingress = std::make_unique<WebhookIngress>(*impl->store, ingressOptions);
    const auto held = [raw](const QString &flowId, int version, const QString &node) {
        return raw->backPressure->held(flowId, version, node);
    };
    ManualIntakeOptions manualOptions;
    manualOptions.onStored = ingressOptions.onStored;
    manualOptions.held = held;
    manualOptions.prepare = ingressOptions.prepare;
    impl->manual = std::make_shared<ManualIntake>(*impl->store, manualOptions);
    TriggerHostServices triggerServices;
    triggerServices.context = {impl->store.get(), nowMs, ingressOptions.onStored, held,
                               ingressOptions.prepare};
    triggerServices.http = &impl->http;
    triggerServices.system = [raw](const QString &systemId) {
        return raw->deployer->system(systemId);
    };
    triggerServices.topics = impl->topics;
    triggerServices.manual = impl->manual;
    triggerServices.connectors = [raw] { return raw->connectors; };
    impl->triggers = std::make_unique<TriggerHost>(triggerServices);
    impl->deployer = std::make_unique<Deployer>(*impl->store,
                                                *impl->executor,
                                                NodeServices{.store = *impl->store,
                                                             .http = impl->http,
                                                             .secrets = impl->secrets->lookup(),
                                                             .clockMs = nowMs,
                                                             .topics = impl->topics,
                                                             .replies = impl->replies,
                                                             .connectors = impl->connectors});
    if (Result<DeployReport> deployed = impl->deploy(loaded.workspace, security::enginePrincipal());
        !deployed) {
        return deployed.error();
    }
    if (Result<void> resumed = impl->deployer->resumeOlderVersions(); !resumed) {
        return resumed.error();
    }
    impl->exceptionStore = std::make_unique<store::SqliteExceptionStore>(*impl->store);
    impl->exceptions = std::make_unique<ExceptionService>(
        *impl->exceptionStore, *impl->store,
        [raw](const store::ReplayTicket &ticket) { raw->resumeReplay(ticket); });
    impl->exceptionApi = std::make_unique<ExceptionApi>(*impl->exceptions, *impl->personal);
    impl->replayJobStore = std::make_unique<store::SqliteReplayJobStore>(*impl->store);
    impl->replayRunner =
        std::make_unique<ReplayJobRunner>(*impl->replayJobStore, *impl->exceptions);
    impl->replayApi = std::make_unique<ReplayJobApi>(
        *impl->replayJobStore, *impl->exceptionStore, *impl->store, *impl->replayRunner);
    // The bootstrap token first (the administrator "engine"), then the users' tokens.
    impl->admin = std::make_unique<AdminApi>(
        [bootstrap = AdminApi::singleToken(options.adminToken),
         users = impl->users.get()](const QByteArray &token) -> std::optional<security::Principal> {
            if (std::optional<security::Principal> engine = bootstrap(token)) {
                return engine;
            }
            return users->authenticate(token);
        });
    impl->addRoutes();
    impl->adminWork.setMaxThreadCount(1);
    if (Result<void> started = impl->executor->start(); !started) {
        return started.error();
    }
    impl->triggers->start();
    impl->replayRunner->start(); // jobs that were running before a stop or a crash go on
    net::HttpServerOptions serverOptions;
    serverOptions.host = options.listenHost;
    serverOptions.port = options.listenPort;
    serverOptions.threads = options.httpThreads;
    serverOptions.threadNice = options.httpThreadNice;
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
        impl->replayRunner->stop();
        impl->triggers->stop();
        impl->executor->stop();
        return listening.error();
    }
    impl->sample();
    impl->sampler = std::thread([raw] {
        nameThisThread("sl-sampler");
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

ExceptionService &Engine::exceptions()
{
    return *d->exceptions;
}

quint16 Engine::port() const
{
    return d->server.port();
}

QStringList Engine::deployed() const
{
    QStringList names;
    for (const DeployedVersion &v : d->deployer->versions()) {
        if (v.latest) {
            names.append(QStringLiteral("%1 v%2").arg(v.flowId).arg(v.version));
        }
    }
    return names;
}

Result<DeployReport> Engine::deploy(const model::Workspace &workspace,
                                    const security::Principal &by)
{
    if (const model::ProblemList problems = model::checkWorkspace(workspace);
        !problems.isEmpty()) {
        return Error::make(QStringLiteral("WORKSPACE_INVALID"), problems.first().toString());
    }
    return d->deploy(workspace, by);
}

std::shared_ptr<const plugin::ConnectorRegistry> Engine::connectors() const
{
    return d->connectors;
}

EngineStatus Engine::status() const
{
    EngineStatus s;
    s.port = port();
    s.flows = int(deployed().size());
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
    d->adminWork.waitForDone();
    d->exceptionApi->stop();
    d->replayApi->stop();
    d->replayRunner->stop();
    {
        std::lock_guard lock(d->samplerMutex);
        d->stopping = true;
    }
    d->samplerWake.notify_all();
    if (d->sampler.joinable()) {
        d->sampler.join();
    }
    d->triggers->stop();
    d->executor->stop();
}

} // namespace syncline::engine::runtime
