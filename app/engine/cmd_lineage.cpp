#include "adminclient.h"
#include "cli.h"

#include "engine/store/lineagegraph.h"
#include "engine/store/lineagetext.h"

#include <QFile>
#include <QUrl>

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("lineage");

} // namespace

int runLineage(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Show the lineage of a transaction on a running engine: the source event, every message "
        "and step across flows (split, aggregate, publish), every effect with its target and the "
        "external ids it returned. Give exactly one of --correlation-id, --business-key or "
        "--external-id.\nExits 0 when found, 1 when nothing matches or the engine cannot be "
        "reached, 2 on bad usage."));
    const QCommandLineOption correlation(QStringLiteral("correlation-id"),
                                         QStringLiteral("Find it by correlation id."),
                                         QStringLiteral("ID"));
    const QCommandLineOption businessKey(QStringLiteral("business-key"),
                                         QStringLiteral("Find it by a message's business key "
                                                        "(e.g. an invoice number)."),
                                         QStringLiteral("KEY"));
    const QCommandLineOption externalId(QStringLiteral("external-id"),
                                        QStringLiteral("Find it by an id a target returned "
                                                       "(e.g. an ERP document number)."),
                                        QStringLiteral("ID"));
    const QCommandLineOption limit(QStringLiteral("limit"),
                                   QStringLiteral("Most messages to show (default 1000)."),
                                   QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the lineage as JSON (docs/lineage.md)."));
    const QCommandLineOption unmask(QStringLiteral("unmask"),
                                    QStringLiteral("Show personal data in clear (administrators; "
                                                   "REASON goes to the audit trail)."),
                                    QStringLiteral("REASON"));
    const QCommandLineOption output(QStringLiteral("output"),
                                    QStringLiteral("Write the lineage export (JSON) to FILE."),
                                    QStringLiteral("FILE"));
    AdminClient::addOptions(parser);
    parser.addOptions({correlation, businessKey, externalId, limit, json, output, unmask});
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    QStringList keys;
    QString parameter;
    QString value;
    for (const auto &[option, name] : {std::pair{&correlation, "correlationId"},
                                       std::pair{&businessKey, "businessKey"},
                                       std::pair{&externalId, "externalId"}}) {
        if (parser.isSet(*option)) {
            keys.append(QStringLiteral("--") + option->names().constFirst());
            parameter = QLatin1String(name);
            value = parser.value(*option);
        }
    }
    if (keys.size() != 1) {
        return usageError(
            kCommand,
            keys.isEmpty()
                ? QStringLiteral("give one of --correlation-id, --business-key or "
                                 "--external-id")
                : QStringLiteral("give only one of %1").arg(keys.join(QStringLiteral(", "))));
    }
    if (value.isEmpty()) {
        return usageError(kCommand, QStringLiteral("%1 is empty").arg(keys.first()));
    }
    const auto client = AdminClient::fromOptions(parser, kCommand);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    QString path = QStringLiteral("/api/v1/lineage?%1=%2")
                       .arg(parameter, QString::fromLatin1(QUrl::toPercentEncoding(value)));
    if (parser.isSet(limit)) {
        path += QStringLiteral("&limit=%1")
                    .arg(QString::fromLatin1(QUrl::toPercentEncoding(parser.value(limit))));
    }
    if (parser.isSet(output)) {
        path += QStringLiteral("&format=export");
    }
    if (parser.isSet(unmask)) {
        path += QStringLiteral("&unmask=true&reason=%1")
                    .arg(QString::fromLatin1(QUrl::toPercentEncoding(parser.value(unmask))));
    }
    QString error;
    const std::optional<AdminAnswer> answer = std::get<AdminClient>(client).get(path, error);
    if (!answer) {
        err(QStringLiteral("syncline-engine lineage: %1\n").arg(error));
        return kExitProblems;
    }
    if (answer->status == 400) {
        return usageError(kCommand, AdminClient::problemText(*answer));
    }
    if (answer->status != 200) {
        err(QStringLiteral("syncline-engine lineage: the engine answered %1: %2\n")
                .arg(answer->status)
                .arg(AdminClient::problemText(*answer)));
        return kExitProblems;
    }
    const engine::Result<engine::store::LineageGraph> graph =
        engine::store::LineageGraph::fromJson(answer->text);
    if (!graph) {
        err(QStringLiteral("syncline-engine lineage: %1\n").arg(graph.error().message));
        return kExitProblems;
    }
    if (parser.isSet(output)) {
        QFile file(parser.value(output));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(answer->text) != answer->text.size() || !file.flush()) {
            err(QStringLiteral("syncline-engine lineage: cannot write %1: %2\n")
                    .arg(file.fileName(), file.errorString()));
            return kExitProblems;
        }
        if (!parser.isSet(json)) {
            out(QStringLiteral("wrote %1: %2 messages, %3 effects\n")
                    .arg(file.fileName())
                    .arg(graph->messages.size())
                    .arg(graph->effectCount()));
        }
    }
    if (parser.isSet(json)) {
        const QByteArray text = parser.isSet(output) ? graph->toJson() : answer->text;
        out(QString::fromUtf8(text) + u'\n');
        return kExitOk;
    }
    if (!parser.isSet(output)) {
        out(engine::store::lineageText(*graph));
    }
    return kExitOk;
}

} // namespace syncline::cli
