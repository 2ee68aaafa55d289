#include "cli.h"

#include "engine/json/intake.h"
#include "engine/net/httpclient.h"

#include <QFile>
#include <QUrl>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("trigger");

QString text(const nlohmann::json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

// The payload as given: a file, "-" for stdin, or {} when none is named. Checked strictly here
// so that a typo is reported with its position before anything is sent.
std::optional<QByteArray> readPayload(const QString &name, QString &error)
{
    if (name.isEmpty()) {
        return QByteArray("{}");
    }
    QFile file;
    const bool opened = name == QLatin1String("-") ? file.open(stdin, QIODevice::ReadOnly)
                                                   : (file.setFileName(name),
                                                      file.open(QIODevice::ReadOnly));
    if (!opened) {
        error = QStringLiteral("cannot read %1: %2").arg(name, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    const engine::json::IntakeResult parsed = engine::json::JsonIntake::parse(bytes);
    if (!parsed.ok()) {
        error = QStringLiteral("%1 is not strict JSON: %2").arg(name, parsed.refusal().describe());
        return std::nullopt;
    }
    return bytes;
}

} // namespace

int runTrigger(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Start a flow through its manual trigger on a running engine: the payload (a JSON file, "
        "- for stdin, {} when omitted) becomes the flow's message once the engine committed "
        "it.\nExits 0 when the message was accepted (or had been with the same idempotency "
        "key), 1 when the engine refused it or cannot be reached, 2 on bad usage or a payload "
        "that is not JSON."));
    const QCommandLineOption engineUrl(QStringLiteral("engine"),
                                       QStringLiteral("The engine (default "
                                                      "http://127.0.0.1:8780)."),
                                       QStringLiteral("URL"),
                                       QStringLiteral("http://127.0.0.1:8780"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("File holding the admin token."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption key(QStringLiteral("idempotency-key"),
                                 QStringLiteral("Sending again with the same key creates "
                                                "nothing new (safe retries from scripts)."),
                                 QStringLiteral("KEY"));
    const QCommandLineOption correlation(QStringLiteral("correlation-id"),
                                         QStringLiteral("Correlation id for the message "
                                                        "(minted when omitted)."),
                                         QStringLiteral("ID"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the engine's answer as JSON."));
    parser.addOptions({engineUrl, tokenFile, key, correlation, json});
    parser.addPositionalArgument(QStringLiteral("flow"), QStringLiteral("The flow's id."));
    parser.addPositionalArgument(QStringLiteral("trigger"),
                                 QStringLiteral("The id of its manual trigger node."));
    parser.addPositionalArgument(QStringLiteral("payload"),
                                 QStringLiteral("JSON file with the payload; - for stdin."),
                                 QStringLiteral("[payload.json]"));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() < 2 || positional.size() > 3) {
        return usageError(kCommand, QStringLiteral("give FLOW TRIGGER and optionally a payload "
                                                   "file"));
    }
    if (!parser.isSet(tokenFile)) {
        return usageError(kCommand, QStringLiteral("--token-file is required"));
    }
    QFile file(parser.value(tokenFile));
    if (!file.open(QIODevice::ReadOnly)) {
        return usageError(kCommand, QStringLiteral("cannot read %1: %2")
                                        .arg(file.fileName(), file.errorString()));
    }
    const QByteArray token = file.readAll().trimmed();
    QString error;
    const std::optional<QByteArray> payload = readPayload(positional.value(2), error);
    if (!payload) {
        return usageError(kCommand, error);
    }
    QString base = parser.value(engineUrl);
    while (base.endsWith(u'/')) {
        base.chop(1);
    }

    engine::net::HttpRequest request;
    request.method = "POST";
    request.url = base + QStringLiteral("/api/v1/flows/%1/triggers/%2/messages")
                             .arg(QString::fromLatin1(QUrl::toPercentEncoding(positional[0])),
                                  QString::fromLatin1(QUrl::toPercentEncoding(positional[1])));
    request.headers = {{"Authorization", "Bearer " + token},
                       {"Content-Type", "application/json"}};
    if (parser.isSet(key)) {
        request.headers.append({"Idempotency-Key", parser.value(key).toUtf8()});
    }
    if (parser.isSet(correlation)) {
        request.headers.append({"X-Correlation-ID", parser.value(correlation).toUtf8()});
    }
    request.body = *payload;
    request.totalTimeoutMs = 30'000;
    engine::net::HttpClient client;
    const engine::net::HttpOutcome outcome = client.send(request).get();
    if (!outcome.response) {
        err(QStringLiteral("syncline-engine trigger: no engine answers at %1: %2\n")
                .arg(base, outcome.response.error().message));
        return kExitProblems;
    }
    const engine::net::HttpResponse &response = *outcome.response;
    const QByteArray &body = response.body;
    const nlohmann::json answer = nlohmann::json::parse(body.constData(),
                                                        body.constData() + body.size(), nullptr,
                                                        false);
    const bool accepted = response.status == 202 || response.status == 200;
    if (parser.isSet(json)) {
        (accepted ? out : err)(QString::fromUtf8(body) + u'\n');
        return accepted ? kExitOk : kExitProblems;
    }
    if (accepted) {
        out(QStringLiteral("%1: message %2, correlation %3\n")
                .arg(response.status == 202 ? QStringLiteral("accepted")
                                            : QStringLiteral("accepted before (same "
                                                             "idempotency key)"),
                     text(answer, "messageId"), text(answer, "correlationId")));
        return kExitOk;
    }
    const QString detail = answer.is_object() ? text(answer, "detail") : QString::fromUtf8(body);
    err(QStringLiteral("syncline-engine trigger: the engine answered %1%2: %3\n")
            .arg(response.status)
            .arg(answer.is_object() && answer.contains("code")
                     ? QStringLiteral(" ") + text(answer, "code")
                     : QString(),
                 detail));
    return kExitProblems;
}

} // namespace syncline::cli
