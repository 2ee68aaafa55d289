#include "cli.h"

#include "engine/plugin/connectorregistry.h"
#include "engine/runtime/engine.h"
#include "engine/security/secretsources.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sched.h>
#include <unistd.h>

namespace syncline::cli {

namespace {

// The admin token: read from `path`, or made (random, 256 bits) and saved readable by the
// owner only.
std::optional<QByteArray> adminToken(const QString &path, QString &error)
{
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            error = QStringLiteral("cannot read the token file %1: %2").arg(path, file.errorString());
            return std::nullopt;
        }
        const QByteArray token = file.readAll().trimmed();
        if (token.isEmpty()) {
            error = QStringLiteral("the token file %1 is empty").arg(path);
            return std::nullopt;
        }
        return token;
    }
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / 4);
    const QByteArray token = bytes.toHex();
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (!file.open(QIODevice::WriteOnly)) {
        error = QStringLiteral("cannot write the token file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    file.write(token + '\n');
    return token;
}

} // namespace

int runRun(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Run a workspace's flows headless: webhooks at /hooks/<flow>/<trigger>, the admin API at "
        "/api/v1 and Prometheus text at /metrics. Prints a status line until SIGTERM or Ctrl+C, "
        "then stops taking work, finishes the steps in progress and exits.\n"
        "Exits 0 after a clean stop, 1 when the workspace or the store cannot be used, 2 on bad "
        "usage."));
    parser.addPositionalArgument(QStringLiteral("WORKSPACE"),
                                 QStringLiteral("The workspace folder (holds syncline.workspace.json)."));
    const QCommandLineOption db(QStringLiteral("db"),
                                QStringLiteral("The engine's database (default: "
                                               "WORKSPACE/.syncline/engine.db)."),
                                QStringLiteral("FILE"));
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Address to listen on (default 127.0.0.1:8780; "
                                                   "port 0 picks a free one)."),
                                    QStringLiteral("HOST:PORT"), QStringLiteral("127.0.0.1:8780"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("The admin API's bearer token; made when "
                                                      "missing (default: the database + .token)."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption secrets(QStringLiteral("secrets"),
                                     QStringLiteral("A JSON file of secret reference → value, "
                                                    "readable by its owner only; secrets set "
                                                    "through the admin API are saved to it "
                                                    "(made, mode 0600, when missing). The "
                                                    "environment (SYNCLINE_SECRET_<NAME>) is "
                                                    "read after it."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption workers(QStringLiteral("workers"),
                                     QStringLiteral("Worker threads (default 8)."),
                                     QStringLiteral("N"), QStringLiteral("8"));
    const QCommandLineOption interval(QStringLiteral("status-every"),
                                      QStringLiteral("Seconds between status lines (default 2)."),
                                      QStringLiteral("SECONDS"), QStringLiteral("2"));
    const QCommandLineOption plugins = pluginsOption();
    parser.addOptions({db, listen, tokenFile, secrets, workers, interval, plugins});
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QString command = QStringLiteral("run");
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        return usageError(command, QStringLiteral("expected one WORKSPACE folder (see --help)"));
    }
    const QString folder = positional.constFirst();
    if (!QFileInfo(folder).isDir()) {
        return usageError(command, QStringLiteral("%1 is not a folder").arg(folder));
    }
    const QString address = parser.value(listen);
    const qsizetype colon = address.lastIndexOf(u':');
    bool portOk = false;
    const uint port = address.mid(colon + 1).toUInt(&portOk);
    if (colon <= 0 || !portOk || port > 65535) {
        return usageError(command, QStringLiteral("--listen wants HOST:PORT, not \"%1\"").arg(address));
    }
    bool workersOk = false;
    const int workerCount = parser.value(workers).toInt(&workersOk);
    bool intervalOk = false;
    const int seconds = parser.value(interval).toInt(&intervalOk);
    if (!workersOk || workerCount < 1 || !intervalOk || seconds < 1) {
        return usageError(command, QStringLiteral("--workers and --status-every want whole "
                                                  "numbers of at least 1"));
    }

    engine::runtime::EngineOptions options;
    options.workspaceFolder = folder;
    options.databasePath = parser.isSet(db)
                               ? parser.value(db)
                               : QDir(folder).filePath(QStringLiteral(".syncline/engine.db"));
    QDir().mkpath(QFileInfo(options.databasePath).absolutePath());
    options.listenHost = address.left(colon);
    options.listenPort = quint16(port);
    options.workers = workerCount;
    options.pluginFolders = pluginFolders(parser, plugins);
    QString error;
    const QString tokenPath = parser.isSet(tokenFile) ? parser.value(tokenFile)
                                                      : options.databasePath + QStringLiteral(".token");
    const std::optional<QByteArray> token = adminToken(tokenPath, error);
    if (!token) {
        err(QStringLiteral("syncline-engine run: %1\n").arg(error));
        return kExitProblems;
    }
    options.adminToken = *token;
    if (parser.isSet(secrets)) {
        options.secretsFile = parser.value(secrets);
    }
    options.secrets = engine::security::environmentSecrets();

    // Batch scheduling for every thread the engine starts (they inherit it; docs/engine.md,
    // "Threads"): a thread another one wakes does not take the core from it at once, so the
    // writer finishes its transaction and a worker sends its wave before the switch.
    const sched_param batch{};
    if (sched_setscheduler(0, SCHED_BATCH, &batch) != 0) {
        err(QStringLiteral("syncline-engine run: batch scheduling refused (%1); the threads keep "
                           "the default policy\n")
                .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }

    // Block the stop signals in every thread the engine starts; this thread takes them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    engine::Result<std::unique_ptr<engine::runtime::Engine>> started =
        engine::runtime::Engine::start(options);
    if (!started) {
        err(QStringLiteral("syncline-engine run: %1\n").arg(started.error().message));
        return kExitProblems;
    }
    engine::runtime::Engine &engine = **started;
    out(QStringLiteral("syncline-engine: running %1 on http://%2:%3 (database %4)\n")
            .arg(QDir(folder).absolutePath(), options.listenHost)
            .arg(engine.port())
            .arg(options.databasePath));
    const QStringList deployed = engine.deployed();
    out(QStringLiteral("deployed: %1\n")
            .arg(deployed.isEmpty() ? QStringLiteral("no flows (the workspace has none)")
                                    : deployed.join(QStringLiteral(", "))));
    const auto connectors = engine.connectors();
    out(QStringLiteral("connectors: %1\n")
            .arg(connectors->families().isEmpty()
                     ? QStringLiteral("none loaded")
                     : connectors->families().join(QStringLiteral(", "))));
    for (const engine::plugin::PluginFailure &failure : connectors->failures()) {
        err(QStringLiteral("syncline-engine run: plugin not loaded: %1\n").arg(failure.message));
    }
    out(QStringLiteral("admin token in %1; stop with Ctrl+C or SIGTERM\n").arg(tokenPath));
    std::fflush(stdout);

    const bool live = ::isatty(STDOUT_FILENO);
    for (;;) {
        timespec wait{seconds, 0};
        const int signal = sigtimedwait(&stopSignals, nullptr, &wait);
        const QString line = engine.status().line();
        if (signal == SIGTERM || signal == SIGINT) {
            out(QStringLiteral("%1stopping: finishing the steps in progress\n")
                    .arg(live ? QStringLiteral("\n") : QString()));
            std::fflush(stdout);
            engine.stop();
            out(QStringLiteral("stopped. %1\n").arg(engine.status().line()));
            return kExitOk;
        }
        out(live ? QStringLiteral("\r\033[K") + line : line + u'\n');
        std::fflush(stdout);
    }
}

} // namespace syncline::cli
