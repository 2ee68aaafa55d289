#include "cli.h"

#include "engine/model/workspaceloader.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/plugin/connectorrules.h"

#include <QDir>
#include <QFileInfo>

namespace syncline::cli {

namespace {

using engine::model::LoadResult;
using engine::model::Problem;

QString plural(qsizetype count, const char *noun)
{
    return QStringLiteral("%1 %2%3").arg(count).arg(QLatin1String(noun)).arg(QLatin1String(count == 1 ? "" : "s"));
}

QString summaryLine(const LoadResult &result)
{
    const qsizetype objects = result.workspace.objectCount();
    if (result.ok()) {
        return QStringLiteral("workspace OK: %1 (%2)\n")
            .arg(plural(objects, "object"), result.workspace.countsText());
    }
    QStringList files;
    for (const Problem &problem : result.problems) {
        if (!files.contains(problem.file)) {
            files.append(problem.file);
        }
    }
    return QStringLiteral("%1 in %2; %3 loaded (%4)\n")
        .arg(plural(result.problems.size(), "problem"), plural(files.size(), "file"),
             plural(objects, "object"), result.workspace.countsText());
}

QString jsonReport(const QString &folder, const LoadResult &result)
{
    nlohmann::json counts = nlohmann::json::object();
    for (engine::model::ObjectKind kind : engine::model::kAllObjectKinds) {
        counts[engine::model::kindKey(kind).toStdString()] = result.workspace.count(kind);
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const Problem &problem : result.problems) {
        problems.push_back(problem.toJson());
    }
    const nlohmann::json report = {
        {"workspace", QDir(folder).absolutePath().toStdString()},
        {"ok", result.ok()},
        {"objects", counts},
        {"problems", problems},
    };
    return QString::fromStdString(report.dump(2)) + u'\n';
}

} // namespace

int runValidate(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Check a workspace folder and list every problem as FILE:POINTER: reason [CODE].\n"
        "Exits 0 when the workspace is valid, 1 when it has problems, 2 on bad usage."));
    parser.addPositionalArgument(QStringLiteral("WORKSPACE"),
                                 QStringLiteral("The workspace folder (holds syncline.workspace.json)."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the result as JSON, for scripts."));
    parser.addOption(json);
    const QCommandLineOption plugins = pluginsOption();
    parser.addOption(plugins);
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        return usageError(QStringLiteral("validate"),
                          QStringLiteral("expected one WORKSPACE folder (see --help)"));
    }
    const QString folder = positional.constFirst();
    if (!QFileInfo(folder).isDir()) {
        return usageError(QStringLiteral("validate"),
                          QStringLiteral("%1 is not a folder").arg(QDir::toNativeSeparators(folder)));
    }
    LoadResult result = engine::model::loadWorkspace(folder);
    if (result.ok()) {
        // Operations need their connectors: checked against the plugins the engine would load.
        result.problems += engine::plugin::checkConnectorUse(
            result.workspace,
            *engine::plugin::ConnectorRegistry::load(pluginFolders(parser, plugins)));
    }
    if (parser.isSet(json)) {
        out(jsonReport(folder, result));
    } else {
        QString text;
        for (const Problem &problem : result.problems) {
            text += problem.toString() + u'\n';
        }
        out(text + summaryLine(result));
    }
    return result.ok() ? kExitOk : kExitProblems;
}

} // namespace syncline::cli
