#include "adminclient.h"
#include "cli.h"
#include "exceptiontable.h"

namespace syncline::cli {

int runReplay(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Replay one exception on a running engine: its input (the latest repaired version, else "
        "the original) goes again from the node that failed, at the flow version it started "
        "with. Calls that already succeeded for its correlation id are not made again; failed "
        "ones are sent with their original idempotency key.\n"
        "Exits 0 when replayed, 1 when the engine refused or cannot be reached, 2 on bad usage."));
    const QCommandLineOption reason(QStringLiteral("reason"),
                                    QStringLiteral("Why (required; kept in the audit trail)."),
                                    QStringLiteral("TEXT"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the engine's answer as JSON."));
    AdminClient::addOptions(parser);
    parser.addOptions({reason, json});
    parser.addPositionalArgument(QStringLiteral("id"), QStringLiteral("The exception's id."));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    bool ok = false;
    const qint64 id = positional.value(0).toLongLong(&ok);
    if (positional.size() != 1 || !ok || id <= 0) {
        return usageError(QStringLiteral("replay"), QStringLiteral("give one exception id"));
    }
    if (parser.value(reason).trimmed().isEmpty()) {
        return usageError(QStringLiteral("replay"), QStringLiteral("--reason is required"));
    }
    const auto client = AdminClient::fromOptions(parser, QStringLiteral("replay"));
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    QString error;
    const auto answer = std::get<AdminClient>(client).post(
        pathFor(id, "replay"), bodyWith({{"reason", parser.value(reason).toStdString()}}), error);
    return reportAnswer(QStringLiteral("replay"), answer, error, parser.isSet(json), replayLine);
}

} // namespace syncline::cli
