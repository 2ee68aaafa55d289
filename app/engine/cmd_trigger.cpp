#include "adminclient.h"
#include "cli.h"

#include <QUrl>

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("trigger");

QString text(const nlohmann::json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

// The payload as given: a file, "-" for stdin, or {} when none is named.
std::optional<QByteArray> readPayload(const QString &name, QString &error)
{
    return name.isEmpty() ? std::optional(QByteArray("{}")) : readJsonFile(name, error);
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
    AdminClient::addOptions(parser);
    parser.addOptions({key, correlation, json});
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
    const auto client = AdminClient::fromOptions(parser, kCommand);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);
    QString error;
    const std::optional<QByteArray> payload = readPayload(positional.value(2), error);
    if (!payload) {
        return usageError(kCommand, error);
    }
    engine::net::HttpHeaders headers;
    if (parser.isSet(key)) {
        headers.append({"Idempotency-Key", parser.value(key).toUtf8()});
    }
    if (parser.isSet(correlation)) {
        headers.append({"X-Correlation-ID", parser.value(correlation).toUtf8()});
    }
    const QString path = QStringLiteral("/api/v1/flows/%1/triggers/%2/messages")
                             .arg(QString::fromLatin1(QUrl::toPercentEncoding(positional[0])),
                                  QString::fromLatin1(QUrl::toPercentEncoding(positional[1])));
    const std::optional<AdminAnswer> response = engine.post(path, *payload, error, headers, 30'000);
    if (!response) {
        err(QStringLiteral("syncline-engine trigger: %1\n").arg(error));
        return kExitProblems;
    }
    const nlohmann::json &answer = response->body;
    const bool accepted = response->status == 202 || response->status == 200;
    if (parser.isSet(json)) {
        (accepted ? out : err)(QString::fromStdString(answer.dump()) + u'\n');
        return accepted ? kExitOk : kExitProblems;
    }
    if (accepted) {
        out(QStringLiteral("%1: message %2, correlation %3\n")
                .arg(response->status == 202 ? QStringLiteral("accepted")
                                            : QStringLiteral("accepted before (same "
                                                             "idempotency key)"),
                     text(answer, "messageId"), text(answer, "correlationId")));
        return kExitOk;
    }
    err(QStringLiteral("syncline-engine trigger: the engine answered %1%2: %3\n")
            .arg(response->status)
            .arg(answer.is_object() && answer.contains("code")
                     ? QStringLiteral(" ") + text(answer, "code")
                     : QString(),
                 AdminClient::problemText(*response)));
    return kExitProblems;
}

} // namespace syncline::cli
