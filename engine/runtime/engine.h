#pragma once

#include "engine/core/result.h"
#include "engine/model/workspace.h"
#include "engine/runtime/deployer.h"
#include "engine/runtime/exceptionservice.h"
#include "engine/runtime/systemtarget.h"
#include "engine/security/access.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace syncline::engine::plugin {
class ConnectorRegistry;
}

namespace syncline::engine::runtime {

struct EngineOptions
{
    QString workspaceFolder;
    QString databasePath;
    QString listenHost = QStringLiteral("127.0.0.1");
    quint16 listenPort = 8780; // 0: any free port
    /// The bootstrap token: its holder is the administrator "engine". Never empty when the
    /// engine runs. Users made through the admin API have tokens of their own.
    QByteArray adminToken;
    /// Secret values the program running the engine provides (the environment, a keychain);
    /// asked after the secrets file.
    SecretResolver secrets;
    /// The owner-only secrets file (JSON, reference → value); the admin API can set and rotate
    /// secrets in it. Empty: no file.
    QString secretsFile;
    int workers = 8;
    int httpThreads = 2;
    /// Nice value of the HTTP threads (webhooks, admin API). When the CPU is what limits, they
    /// yield to the workers and the writer, so the engine delivers what it accepted before it
    /// takes more; acceptance slows down instead of a backlog building up. At 64 connections on
    /// one core, nice 5 raised delivery from about 1,850 to 2,050 messages a second with
    /// acceptance unchanged; once a message cost half the CPU, nice 10 delivered 3,100-3,150/s
    /// against 2,550-3,000/s at nice 5 in alternating runs (docs/performance.md).
    int httpThreadNice = 10;
    /// Folders of connector plugins; empty: plugin::ConnectorLoader::defaultFolders() (the
    /// build's or installation's plugins folder, or SYNCLINE_PLUGIN_PATH).
    QStringList pluginFolders;
};

/// What a status line, the studio or `syncline-engine status` shows. Counts since start.
struct EngineStatus
{
    quint16 port = 0;
    int flows = 0;
    bool storeHealthy = true;
    qint64 accepted = 0;   // webhooks committed
    qint64 duplicates = 0;
    qint64 refused = 0;    // 4xx
    qint64 throttled = 0;  // 503
    qint64 processed = 0;  // node steps finished
    qint64 retried = 0;
    qint64 failed = 0;     // parked as exceptions
    qint64 waiting = 0;    // messages ready or delayed in queues
    qint64 inFlight = 0;
    qint64 parked = 0;     // messages in the exception queue

    /// One line: "3 flows · accepted 120 · processed 480 · waiting 3 · …".
    QString line() const;
};

/// The headless engine: the workspace's flows deployed (a changed flow gets a new version;
/// messages in flight finish on theirs), the store, the executor, webhooks at
/// /hooks/<flow>/<trigger>, the admin API at /api/v1 and Prometheus text at /metrics (both
/// behind the bearer token), and a sampler that feeds the metrics once a second.
class Engine
{
public:
    /// Loads and checks the workspace (any problem refuses to start, all of them listed), opens
    /// the store, deploys, starts working and listening.
    static Result<std::unique_ptr<Engine>> start(EngineOptions options);
    ~Engine();

    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;

    quint16 port() const;
    EngineStatus status() const;
    /// The latest deployed version of each flow, as "id v<version>".
    QStringList deployed() const;
    /// Deploys a changed workspace into the running engine (see Deployer): changed flows get a
    /// new version, messages in flight finish on theirs. The same as POST /api/v1/deployments.
    /// `by` is recorded in the deployment's audit record.
    Result<DeployReport> deploy(const model::Workspace &workspace,
                                const security::Principal &by = security::enginePrincipal());

    /// The exception work queue: lists, repairs and single replays (replayException), with the
    /// same rules as the admin API. Valid as long as the engine.
    ExceptionService &exceptions();

    /// The connector plugins loaded at start, and those that failed to load.
    std::shared_ptr<const plugin::ConnectorRegistry> connectors() const;

    /// Stops taking requests (waiting ones get 503), lets workers finish the step they are on
    /// and commits what is submitted; status() still answers afterwards. Idempotent.
    void stop();

private:
    struct Impl;
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace syncline::engine::runtime
