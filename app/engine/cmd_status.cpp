#include "adminclient.h"
#include "cli.h"

#include <nlohmann/json.hpp>

namespace syncline::cli {

namespace {

std::optional<nlohmann::json> get(const AdminClient &client, const char *path, QString &error)
{
    const std::optional<AdminAnswer> answer = client.get(QLatin1String(path), error);
    if (!answer) {
        return std::nullopt;
    }
    if (answer->status != 200) {
        error = QStringLiteral("%1%2 answered %3: %4")
                    .arg(client.base(), QLatin1String(path))
                    .arg(answer->status)
                    .arg(AdminClient::problemText(*answer));
        return std::nullopt;
    }
    return answer->body;
}

QString text(const nlohmann::json &value)
{
    return value.is_string() ? QString::fromStdString(value.get<std::string>())
                             : QString::fromStdString(value.dump());
}

} // namespace

int runStatus(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Show a running engine's health, deployed flows and queues, through its admin API.\n"
        "Exits 0 when the engine is healthy, 1 when it is degraded or cannot be reached, 2 on bad "
        "usage."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print health, flows and queues as one JSON "
                                                 "object."));
    AdminClient::addOptions(parser);
    parser.addOption(json);
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const auto client = AdminClient::fromOptions(parser, QStringLiteral("status"));
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);
    QString error;
    const auto health = get(engine, "/api/v1/health", error);
    const auto flows = health ? get(engine, "/api/v1/flows", error) : std::nullopt;
    const auto queues = flows ? get(engine, "/api/v1/queues", error) : std::nullopt;
    if (!queues) {
        err(QStringLiteral("syncline-engine status: %1\n").arg(error));
        return kExitProblems;
    }
    const bool healthy = health->value("status", "") == "ok";
    if (parser.isSet(json)) {
        const nlohmann::json all = {{"health", *health},
                                    {"flows", flows->value("flows", nlohmann::json::array())},
                                    {"queues", queues->value("queues", nlohmann::json::array())}};
        out(QString::fromStdString(all.dump()) + u'\n');
        return healthy ? kExitOk : kExitProblems;
    }
    QString report = QStringLiteral("engine %1: %2 (store %3)\n")
                         .arg(engine.base(), text(health->value("status", nlohmann::json())),
                              text(health->value("store", nlohmann::json())));
    for (const nlohmann::json &flow : flows->value("flows", nlohmann::json::array())) {
        report += QStringLiteral("flow %1 v%2%3\n")
                      .arg(text(flow.value("id", nlohmann::json())),
                           text(flow.value("version", nlohmann::json())),
                           flow.value("latest", true) ? QString()
                                                      : QStringLiteral(" (finishing its messages)"));
    }
    const nlohmann::json rows = queues->value("queues", nlohmann::json::array());
    if (rows.empty()) {
        report += QStringLiteral("no messages waiting\n");
    } else {
        report += QStringLiteral("%1 %2 %3 %4 %5\n")
                      .arg(QStringLiteral("flow / node").leftJustified(40),
                           QStringLiteral("ready").rightJustified(8),
                           QStringLiteral("delayed").rightJustified(8),
                           QStringLiteral("working").rightJustified(8),
                           QStringLiteral("parked").rightJustified(8));
        for (const nlohmann::json &q : rows) {
            report += QStringLiteral("%1 %2 %3 %4 %5\n")
                          .arg((text(q.value("flow", nlohmann::json())) + QStringLiteral(" / ")
                                + text(q.value("node", nlohmann::json())))
                                   .leftJustified(40),
                               text(q.value("ready", nlohmann::json())).rightJustified(8),
                               text(q.value("delayed", nlohmann::json())).rightJustified(8),
                               text(q.value("inFlight", nlohmann::json())).rightJustified(8),
                               text(q.value("failed", nlohmann::json())).rightJustified(8));
        }
    }
    out(report);
    return healthy ? kExitOk : kExitProblems;
}

} // namespace syncline::cli
