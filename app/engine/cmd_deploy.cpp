#include "adminclient.h"
#include "cli.h"

#include "engine/model/workspaceloader.h"
#include "engine/runtime/deploybundle.h"

namespace syncline::cli {

int runDeploy(const QStringList &arguments)
{
    const QString command = QStringLiteral("deploy");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Deploy a workspace's flows to a running engine through its admin API. A flow whose "
        "document, mappings, lookups or schemas changed becomes a new version; messages in "
        "flight finish on the version they started with. Nothing is deployed when any flow "
        "cannot run.\n"
        "Exits 0 when deployed, 1 when the workspace has problems or the engine refused it, 2 on "
        "bad usage."));
    parser.addPositionalArgument(QStringLiteral("workspace"),
                                 QStringLiteral("The workspace folder."));
    AdminClient::addOptions(parser);
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    if (parser.positionalArguments().size() != 1) {
        return usageError(command, QStringLiteral("name one workspace folder"));
    }
    const auto client = AdminClient::fromOptions(parser, command);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);

    const QString folder = parser.positionalArguments().first();
    const engine::model::LoadResult loaded = engine::model::loadWorkspace(folder);
    if (!loaded.problems.isEmpty()) {
        QString report = QStringLiteral("syncline-engine deploy: %1 has %2 problem(s); nothing was "
                                        "sent:\n")
                             .arg(folder)
                             .arg(loaded.problems.size());
        for (const engine::model::Problem &problem : loaded.problems) {
            report += problem.toString() + u'\n';
        }
        err(report);
        return kExitProblems;
    }
    const std::string body = engine::runtime::deploybundle::workspaceToJson(loaded.workspace).dump();
    QString error;
    const std::optional<AdminAnswer> answer = engine.post(QStringLiteral("/api/v1/deployments"),
                                                          QByteArray::fromStdString(body), error);
    if (!answer) {
        err(QStringLiteral("syncline-engine deploy: %1\n").arg(error));
        return kExitProblems;
    }
    if (answer->status != 200) {
        err(QStringLiteral("syncline-engine deploy: the engine refused the deployment (%1):\n%2\n")
                .arg(answer->status)
                .arg(AdminClient::problemText(*answer)));
        return kExitProblems;
    }
    QString report;
    for (const nlohmann::json &name : answer->body.value("created", nlohmann::json::array())) {
        report += QStringLiteral("deployed %1\n").arg(QString::fromStdString(name.get<std::string>()));
    }
    for (const nlohmann::json &name : answer->body.value("unchanged", nlohmann::json::array())) {
        report += QStringLiteral("unchanged %1\n").arg(QString::fromStdString(name.get<std::string>()));
    }
    if (report.isEmpty()) {
        report = QStringLiteral("the workspace has no flows; nothing to deploy\n");
    }
    out(report);
    return kExitOk;
}

} // namespace syncline::cli
