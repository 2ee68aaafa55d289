#include "adminclient.h"
#include "cli.h"
#include "exceptiontable.h"
#include "replayjobtable.h"

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("replay");

// "--filter flow=invoices,reason=HTTP_4XX --filter olderThan=7d" as a JSON object.
std::optional<nlohmann::json> filterFrom(const QStringList &given, QString &error)
{
    nlohmann::json filter = nlohmann::json::object();
    for (const QString &option : given) {
        for (const QString &pair : option.split(u',', Qt::SkipEmptyParts)) {
            const qsizetype equals = pair.indexOf(u'=');
            if (equals <= 0) {
                error = QStringLiteral("--filter takes NAME=VALUE pairs (flow=invoices), not \"%1\"")
                            .arg(pair);
                return std::nullopt;
            }
            filter[pair.left(equals).trimmed().toStdString()] =
                pair.mid(equals + 1).trimmed().toStdString();
        }
    }
    return filter;
}

} // namespace

int runReplay(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Replay exceptions on a running engine.\n"
        "  replay ID --reason TEXT\n"
        "      One exception: its input (the latest repaired version, else the original) goes "
        "again from the node that failed, at the flow version it started with. Calls that "
        "already succeeded for its correlation id are not made again; failed ones are sent with "
        "their original idempotency key.\n"
        "  replay --filter flow=F[,NAME=VALUE...] --rate N --reason TEXT [--dry-run]\n"
        "      A bulk replay job over the unresolved exceptions the filter matches (names as "
        "`exceptions list` takes them: flow, node, category, reason, owner, state, businessKey, "
        "correlationId, olderThan, newerThan, overdue), N messages a second. --dry-run shows "
        "how many calls it would make to which system, and which it would skip, without "
        "replaying anything.\n"
        "  replay jobs | replay job ID | replay pause|resume|cancel ID [--reason TEXT]\n"
        "Exits 0 on success, 1 when the engine refused or cannot be reached, 2 on bad usage."));
    const QCommandLineOption reason(QStringLiteral("reason"),
                                    QStringLiteral("Why (required to replay; kept in the audit "
                                                   "trail)."),
                                    QStringLiteral("TEXT"));
    const QCommandLineOption filter(QStringLiteral("filter"),
                                    QStringLiteral("Which exceptions a bulk replay takes, as "
                                                   "NAME=VALUE pairs (repeatable)."),
                                    QStringLiteral("NAME=VALUE"));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Messages per second of a bulk replay."),
                                  QStringLiteral("N"));
    const QCommandLineOption dryRun(QStringLiteral("dry-run"),
                                    QStringLiteral("Show what a bulk replay would do; replay "
                                                   "nothing."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the engine's answer as JSON."));
    AdminClient::addOptions(parser);
    parser.addOptions({reason, filter, rate, dryRun, json});
    parser.addPositionalArgument(QStringLiteral("what"),
                                 QStringLiteral("An exception id, or jobs, job ID, pause ID, "
                                                "resume ID, cancel ID."));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool bulk = parser.isSet(filter);
    const bool asJson = parser.isSet(json);
    static const QStringList controls = {
        QStringLiteral("pause"), QStringLiteral("resume"), QStringLiteral("cancel")};
    bool ok = false;
    const qint64 exceptionId = action.toLongLong(&ok);

    QString usage;
    qint64 jobId = 0;
    if (bulk) {
        if (!positional.isEmpty()) {
            usage = QStringLiteral("--filter makes a bulk replay job: give no id");
        } else if (!parser.isSet(dryRun) && parser.value(rate).isEmpty()) {
            usage = QStringLiteral("--rate is required (messages per second)");
        } else if (!parser.isSet(dryRun) && parser.value(reason).trimmed().isEmpty()) {
            usage = QStringLiteral("--reason is required");
        }
    } else if (action == QLatin1String("jobs")) {
        usage = positional.size() == 1 ? QString() : QStringLiteral("jobs takes no argument");
    } else if (action == QLatin1String("job") || controls.contains(action)) {
        jobId = positional.value(1).toLongLong(&ok);
        if (positional.size() != 2 || !ok || jobId <= 0) {
            usage = QStringLiteral("%1 needs one replay job id").arg(action);
        }
    } else if (positional.size() != 1 || !ok || exceptionId <= 0) {
        usage = QStringLiteral("give one exception id, or --filter for a bulk replay, or jobs, "
                               "job ID, pause ID, resume ID, cancel ID");
    } else if (parser.value(reason).trimmed().isEmpty()) {
        usage = QStringLiteral("--reason is required");
    }
    std::optional<nlohmann::json> filterObject;
    std::optional<double> perSecond;
    if (usage.isEmpty() && bulk) {
        filterObject = filterFrom(parser.values(filter), usage);
        if (usage.isEmpty() && !parser.value(rate).isEmpty()) {
            const double value = parser.value(rate).toDouble(&ok);
            if (!ok || value <= 0) {
                usage = QStringLiteral("--rate is a number of messages per second above 0");
            }
            perSecond = value;
        }
    }
    if (!usage.isEmpty()) {
        return usageError(kCommand, usage);
    }
    const auto client = AdminClient::fromOptions(parser, kCommand);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);
    QString error;
    if (bulk) {
        nlohmann::json body = {{"filter", *filterObject}};
        if (perSecond) {
            body["rate"] = *perSecond;
        }
        if (parser.isSet(dryRun)) {
            return reportAnswer(kCommand, engine.post(QStringLiteral("/api/v1/replays/dry-run"),
                                       QByteArray::fromStdString(body.dump()),
                                       error),
                           error,
                           asJson,
                           dryRunText);
        }
        body["reason"] = parser.value(reason).toStdString();
        return reportAnswer(kCommand, engine.post(QStringLiteral("/api/v1/replays"),
                                   QByteArray::fromStdString(body.dump()),
                                   error),
                       error,
                       asJson,
                       [](const nlohmann::json &job) {
                           return QStringLiteral("Created replay job %1: %2 exception(s) of flow "
                                                 "%3 at %4.\n")
                                      .arg(AdminClient::memberText(job, "id"),
                                           AdminClient::memberText(job, "total"),
                                           AdminClient::memberText(job, "flow"),
                                           rateText(job))
                                  + jobLine(job);
                       });
    }
    if (action == QLatin1String("jobs")) {
        return reportAnswer(kCommand, engine.get(QStringLiteral("/api/v1/replays"), error), error, asJson, jobsTable);
    }
    if (action == QLatin1String("job")) {
        return reportAnswer(kCommand, engine.get(QStringLiteral("/api/v1/replays/%1").arg(jobId), error),
                       error,
                       asJson,
                       jobSheet);
    }
    if (controls.contains(action)) {
        nlohmann::json body = nlohmann::json::object();
        if (parser.isSet(reason)) {
            body["reason"] = parser.value(reason).toStdString();
        }
        return reportAnswer(kCommand, engine.post(QStringLiteral("/api/v1/replays/%1/%2").arg(jobId).arg(action),
                                   QByteArray::fromStdString(body.dump()),
                                   error),
                       error,
                       asJson,
                       jobLine);
    }
    return reportAnswer(kCommand, engine.post(pathFor(exceptionId, "replay"),
                               bodyWith({{"reason", parser.value(reason).toStdString()}}),
                               error),
                   error,
                   asJson,
                   replayLine);
}

} // namespace syncline::cli
