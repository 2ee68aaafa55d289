// syncline-sandbox: simulated SaaS systems on loopback (docs/sandbox.md).
#include "app/sandbox/sandbox.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <QTimer>

#include <atomic>
#include <csignal>

using namespace syncline::sandbox;

namespace {

std::atomic<bool> g_quit = false;

// Only sets a flag: nothing else is safe inside a signal handler; a timer looks at it.
void quit(int)
{
    g_quit = true;
}

int usageError(const QString &message)
{
    QTextStream(stderr) << "syncline-sandbox: " << message
                        << "\nTry 'syncline-sandbox --help'.\n";
    return 2;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("syncline-sandbox"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SYNCLINE_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Simulated SaaS systems on one loopback port: CRM (/crm), billing (/billing), support "
        "(/support), ERP (/erp), usage (/usage) and a data platform (/data), with idempotency "
        "keys, signed webhooks and fault injection. Control endpoints are under /_sandbox/ "
        "(health, ledger, faults, webhooks, traffic, reset). The API contract is "
        "docs/sandbox.md."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Address to serve (default 127.0.0.1:8790; "
                                                   "port 0 picks a free one)."),
                                    QStringLiteral("host:port"),
                                    QStringLiteral("127.0.0.1:8790"));
    const QCommandLineOption state(QStringLiteral("state"),
                                   QStringLiteral("SQLite state file, created when missing "
                                                  "(required)."),
                                   QStringLiteral("file"));
    const QCommandLineOption secrets(QStringLiteral("secrets"),
                                     QStringLiteral("JSON object of credentials overriding the "
                                                    "defaults, e.g. {\"billing/api-key\": \"…\"}."),
                                     QStringLiteral("file"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Seed of faults and traffic (default 1)."),
                                  QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption threads(QStringLiteral("threads"),
                                     QStringLiteral("HTTP event-loop threads (default 2)."),
                                     QStringLiteral("n"), QStringLiteral("2"));
    parser.addOptions({listen, state, secrets, seed, threads});
    if (!parser.parse(QCoreApplication::arguments())) {
        return usageError(parser.errorText());
    }
    if (parser.isSet(QStringLiteral("help"))) {
        parser.showHelp(0);
    }
    if (parser.isSet(QStringLiteral("version"))) {
        parser.showVersion();
    }
    if (!parser.positionalArguments().isEmpty()) {
        return usageError(QStringLiteral("unexpected argument '%1'")
                              .arg(parser.positionalArguments().first()));
    }
    if (!parser.isSet(state)) {
        return usageError(QStringLiteral("--state FILE is required"));
    }
    SandboxOptions options;
    const QString address = parser.value(listen);
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const uint port = address.mid(colon + 1).toUInt(&portOk);
    if (colon <= 0 || !portOk || port > 65535) {
        return usageError(QStringLiteral("--listen wants host:port, e.g. 127.0.0.1:8790; got '%1'")
                              .arg(address));
    }
    options.host = address.left(colon);
    options.port = quint16(port);
    options.statePath = parser.value(state);
    options.secretsPath = parser.value(secrets);
    bool seedOk = false;
    options.seed = parser.value(seed).toULongLong(&seedOk);
    bool threadsOk = false;
    options.threads = parser.value(threads).toInt(&threadsOk);
    if (!seedOk || !threadsOk || options.threads < 1 || options.threads > 64) {
        return usageError(QStringLiteral("--seed wants a non-negative integer, --threads 1 to 64"));
    }
    auto sandbox = Sandbox::start(options);
    if (!sandbox) {
        QTextStream(stderr) << "syncline-sandbox: " << sandbox.error().message << '\n';
        return 1;
    }
    std::signal(SIGINT, quit);
    std::signal(SIGTERM, quit);
    QTimer watch;
    QObject::connect(&watch, &QTimer::timeout, &app, [] {
        if (g_quit) {
            QCoreApplication::quit();
        }
    });
    watch.start(100);
    QTextStream(stdout) << "syncline-sandbox listening on http://" << options.host << ':'
                        << (*sandbox)->port() << " (state " << (*sandbox)->statePath() << ")"
                        << Qt::endl;
    const int code = app.exec();
    (*sandbox)->stop();
    return code;
}
