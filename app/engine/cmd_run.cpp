#include "cli.h"

#include "engine/model/workspaceloader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace syncline::cli {

int runRun(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Run a workspace headless. This version loads and validates the workspace and reports "
        "its status; executing flows arrives with the durable engine.\n"
        "Exits 0 when the workspace is valid, 1 when it has problems, 2 on bad usage."));
    parser.addPositionalArgument(QStringLiteral("WORKSPACE"),
                                 QStringLiteral("The workspace folder (holds syncline.workspace.json)."));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        return usageError(QStringLiteral("run"),
                          QStringLiteral("expected one WORKSPACE folder (see --help)"));
    }
    const QString folder = positional.constFirst();
    if (!QFileInfo(folder).isDir()) {
        return usageError(QStringLiteral("run"),
                          QStringLiteral("%1 is not a folder").arg(QDir::toNativeSeparators(folder)));
    }
    const QString absolute = QDir::toNativeSeparators(QDir(folder).absolutePath());
    out(QStringLiteral("syncline-engine run: loading %1\n").arg(absolute));
    const engine::model::LoadResult result = engine::model::loadWorkspace(folder);
    const QString name = result.workspace.name().isEmpty() ? QStringLiteral("(unnamed)")
                                                           : result.workspace.name();
    out(QStringLiteral("workspace \"%1\": %2; %3 %4\n")
            .arg(name, result.workspace.countsText())
            .arg(result.problems.size())
            .arg(result.problems.size() == 1 ? QStringLiteral("problem")
                                             : QStringLiteral("problems")));
    for (const engine::model::Problem &problem : result.problems) {
        out(QStringLiteral("  %1\n").arg(problem.toString()));
    }
    const QString studio = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("syncline"));
    out(QStringLiteral(
            "Flows cannot run yet: this build validates the workspace only; the durable engine "
            "that executes flows comes with a later release. Nothing is running now.\n"
            "The studio needs a display. Without one, start it under a virtual display:\n"
            "  xvfb-run -a %1 %2\n")
            .arg(QDir::toNativeSeparators(studio), absolute));
    return result.ok() ? kExitOk : kExitProblems;
}

} // namespace syncline::cli
