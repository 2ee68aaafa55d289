#include "cli.h"

#include "engine/net/httpclient.h"

#include <QFile>

#include <nlohmann/json.hpp>

namespace syncline::cli {

namespace {

std::optional<nlohmann::json> get(engine::net::HttpClient &client, const QString &base,
                                  const QByteArray &token, const char *path, QString &error)
{
    engine::net::HttpRequest request;
    request.url = base + QLatin1String(path);
    request.headers = {{"Authorization", "Bearer " + token}};
    request.totalTimeoutMs = 5000;
    const engine::net::HttpOutcome outcome = client.send(request).get();
    if (!outcome.response) {
        error = QStringLiteral("no engine answers at %1: %2").arg(base, outcome.response.error().message);
        return std::nullopt;
    }
    if (outcome.response->status != 200) {
        error = QStringLiteral("%1%2 answered %3: %4")
                    .arg(base, QLatin1String(path))
                    .arg(outcome.response->status)
                    .arg(QString::fromUtf8(outcome.response->body));
        return std::nullopt;
    }
    const QByteArray &body = outcome.response->body;
    nlohmann::json document = nlohmann::json::parse(body.constData(), body.constData() + body.size(),
                                                    nullptr, false);
    if (document.is_discarded()) {
        error = QStringLiteral("%1%2 did not answer JSON").arg(base, QLatin1String(path));
        return std::nullopt;
    }
    return document;
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
    const QCommandLineOption url(QStringLiteral("url"),
                                 QStringLiteral("The engine (default http://127.0.0.1:8780)."),
                                 QStringLiteral("URL"), QStringLiteral("http://127.0.0.1:8780"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("File holding the admin token (the engine "
                                                      "prints where it is)."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print health, flows and queues as one JSON "
                                                 "object."));
    parser.addOptions({url, tokenFile, json});
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    if (!parser.isSet(tokenFile)) {
        return usageError(QStringLiteral("status"), QStringLiteral("--token-file is required"));
    }
    QFile file(parser.value(tokenFile));
    if (!file.open(QIODevice::ReadOnly)) {
        return usageError(QStringLiteral("status"), QStringLiteral("cannot read %1: %2")
                                                        .arg(file.fileName(), file.errorString()));
    }
    const QByteArray token = file.readAll().trimmed();
    QString base = parser.value(url);
    while (base.endsWith(u'/')) {
        base.chop(1);
    }

    engine::net::HttpClient client;
    QString error;
    const auto health = get(client, base, token, "/api/v1/health", error);
    const auto flows = health ? get(client, base, token, "/api/v1/flows", error) : std::nullopt;
    const auto queues = flows ? get(client, base, token, "/api/v1/queues", error) : std::nullopt;
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
                         .arg(base, text(health->value("status", nlohmann::json())),
                              text(health->value("store", nlohmann::json())));
    for (const nlohmann::json &flow : flows->value("flows", nlohmann::json::array())) {
        report += QStringLiteral("flow %1 v%2\n")
                      .arg(text(flow.value("id", nlohmann::json())),
                           text(flow.value("version", nlohmann::json())));
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
