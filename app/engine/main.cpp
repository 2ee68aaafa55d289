#include "cli.h"
#include "commands.h"

#include "engine/core/versions.h"

#include <QCoreApplication>

using namespace syncline;

namespace {

QString overview()
{
    QString text = QStringLiteral(
        "Usage: syncline-engine <command> [options]\n\n"
        "Syncline's headless engine and operations CLI.\n\nCommands:\n");
    for (const cli::Command &command : cli::commands()) {
        text += QStringLiteral("  %1%2\n")
                    .arg(QString::fromLatin1(command.name).leftJustified(12),
                         QString::fromLatin1(command.summary));
    }
    text += QStringLiteral("\nRun 'syncline-engine <command> --help' for a command's options.\n");
    return text;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("syncline-engine"));
    QCoreApplication::setApplicationVersion(engine::synclineVersion());

    const QStringList arguments = app.arguments().mid(1);
    const QString first = arguments.value(0);
    if (first.isEmpty()) {
        cli::err(overview());
        return cli::kExitUsage;
    }
    if (first == QLatin1String("--help") || first == QLatin1String("-h")
        || first == QLatin1String("help")) {
        cli::out(overview());
        return cli::kExitOk;
    }
    if (first == QLatin1String("--version")) {
        cli::out(QStringLiteral("syncline-engine %1\n").arg(engine::synclineVersion()));
        return cli::kExitOk;
    }
    for (const cli::Command &command : cli::commands()) {
        if (first == QLatin1String(command.name)) {
            return command.run(arguments);
        }
    }
    cli::err(QStringLiteral("syncline-engine: unknown command '%1'\n\n").arg(first) + overview());
    return cli::kExitUsage;
}
