#include "adminclient.h"
#include "cli.h"
#include "exceptiontable.h"

#include <QUrl>
#include <QUrlQuery>

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("exceptions");

struct Options
{
    QCommandLineOption json{QStringLiteral("json"),
                            QStringLiteral("Print the engine's answer as JSON.")};
    QCommandLineOption flow{
        QStringLiteral("flow"), QStringLiteral("list: only this flow."), QStringLiteral("FLOW")};
    QCommandLineOption node{
        QStringLiteral("node"), QStringLiteral("list: only this node."), QStringLiteral("NODE")};
    QCommandLineOption category{QStringLiteral("category"),
                                QStringLiteral("list: business, technical or uncertain."),
                                QStringLiteral("CATEGORY")};
    QCommandLineOption reasonCode{QStringLiteral("code"),
                                  QStringLiteral("list: only this reason code (e.g. SCHEMA)."),
                                  QStringLiteral("CODE")};
    QCommandLineOption owner{QStringLiteral("owner"),
                             QStringLiteral("list: only this owner role."),
                             QStringLiteral("ROLE")};
    QCommandLineOption state{QStringLiteral("state"),
                             QStringLiteral("list: open, assigned, resolved, unresolved "
                                            "(the default) or any."),
                             QStringLiteral("STATE"),
                             QStringLiteral("unresolved")};
    QCommandLineOption businessKey{QStringLiteral("business-key"),
                                   QStringLiteral("list: only this business key (e.g. an invoice "
                                                  "number)."),
                                   QStringLiteral("KEY")};
    QCommandLineOption olderThan{QStringLiteral("older-than"),
                                 QStringLiteral("list: created more than this long ago (90s, 15m, "
                                                "4h, 7d)."),
                                 QStringLiteral("AGE")};
    QCommandLineOption newerThan{QStringLiteral("newer-than"),
                                 QStringLiteral("list: created less than this long ago."),
                                 QStringLiteral("AGE")};
    QCommandLineOption overdue{QStringLiteral("overdue"),
                               QStringLiteral("list: only those past their SLA.")};
    QCommandLineOption limit{QStringLiteral("limit"),
                             QStringLiteral("list: at most this many (1 … 500, default 50)."),
                             QStringLiteral("N")};
    QCommandLineOption cursor{QStringLiteral("cursor"),
                              QStringLiteral("list: continue after a previous page."),
                              QStringLiteral("CURSOR")};
    QCommandLineOption counts{QStringLiteral("counts"),
                              QStringLiteral("list: also count per reason, flow, node, state, "
                                             "category or owner (comma separated)."),
                              QStringLiteral("GROUPS")};
    QCommandLineOption to{QStringLiteral("to"),
                          QStringLiteral("assign: the user to assign to (default: you; \"\" "
                                         "unassigns)."),
                          QStringLiteral("USER")};
    QCommandLineOption reason{QStringLiteral("reason"),
                              QStringLiteral("repair, discard: why (required to discard and to "
                                             "resubmit)."),
                              QStringLiteral("TEXT")};
    QCommandLineOption resubmit{QStringLiteral("resubmit"),
                                QStringLiteral("repair: replay the repaired input at once.")};
};

QString listQuery(const QCommandLineParser &parser, const Options &o)
{
    QUrlQuery query;
    const QList<QPair<const QCommandLineOption *, QString>> mapped = {
        {&o.flow, QStringLiteral("flow")},
        {&o.node, QStringLiteral("node")},
        {&o.category, QStringLiteral("category")},
        {&o.reasonCode, QStringLiteral("reason")},
        {&o.owner, QStringLiteral("owner")},
        {&o.businessKey, QStringLiteral("businessKey")},
        {&o.olderThan, QStringLiteral("olderThan")},
        {&o.newerThan, QStringLiteral("newerThan")},
        {&o.limit, QStringLiteral("limit")},
        {&o.cursor, QStringLiteral("cursor")},
        {&o.counts, QStringLiteral("counts")},
    };
    for (const auto &[option, name] : mapped) {
        if (parser.isSet(*option)) {
            query.addQueryItem(name,
                               QString::fromLatin1(QUrl::toPercentEncoding(parser.value(*option))));
        }
    }
    if (parser.value(o.state) != QLatin1String("any")) {
        query.addQueryItem(QStringLiteral("state"), parser.value(o.state));
    }
    if (parser.isSet(o.overdue)) {
        query.addQueryItem(QStringLiteral("overdue"), QStringLiteral("true"));
    }
    const QString text = query.toString(QUrl::FullyEncoded);
    return text.isEmpty() ? QString() : u'?' + text;
}

} // namespace

int runExceptions(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Work the exception queue of a running engine:\n"
        "  list                      exceptions, newest first (filters below)\n"
        "  show ID                   one exception: its input, repairs and history\n"
        "  assign ID [--to USER]     take it (or give it to someone)\n"
        "  comment ID TEXT           add a note to its history\n"
        "  repair ID FILE            a corrected input (JSON file, - for stdin), checked against "
        "the canonical schema; --resubmit replays it\n"
        "  discard ID --reason TEXT  let the message go no further\n"
        "Replay with: syncline-engine replay ID --reason TEXT.\n"
        "Exits 0 on success, 1 when the engine refused or cannot be reached, 2 on bad usage."));
    const Options o;
    AdminClient::addOptions(parser);
    parser.addOptions({o.json,
                       o.flow,
                       o.node,
                       o.category,
                       o.reasonCode,
                       o.owner,
                       o.state,
                       o.businessKey,
                       o.olderThan,
                       o.newerThan,
                       o.overdue,
                       o.limit,
                       o.cursor,
                       o.counts,
                       o.to,
                       o.reason,
                       o.resubmit});
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("list, show, assign, comment, repair or discard."));
    parser.addPositionalArgument(
        QStringLiteral("id"), QStringLiteral("The exception's id."), QStringLiteral("[id]"));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    static const QStringList actions = {QStringLiteral("list"),
                                        QStringLiteral("show"),
                                        QStringLiteral("assign"),
                                        QStringLiteral("comment"),
                                        QStringLiteral("repair"),
                                        QStringLiteral("discard")};
    if (!actions.contains(action)) {
        return usageError(kCommand,
                          QStringLiteral("give one of %1").arg(actions.join(QStringLiteral(", "))));
    }
    const int wanted = action == QLatin1String("list") ? 1
                       : action == QLatin1String("comment") || action == QLatin1String("repair")
                           ? 3
                           : 2;
    if (positional.size() != wanted) {
        return usageError(kCommand,
                          action == QLatin1String("list")
                              ? QStringLiteral("list takes no other arguments")
                              : QStringLiteral("%1 takes %2")
                                    .arg(action,
                                         wanted == 3 ? QStringLiteral("an id and one more "
                                                                      "argument")
                                                     : QStringLiteral("an exception id")));
    }
    bool idOk = wanted == 1;
    const qint64 id = wanted == 1 ? 0 : positional.value(1).toLongLong(&idOk);
    if (!idOk || (wanted > 1 && id <= 0)) {
        return usageError(kCommand,
                          QStringLiteral("\"%1\" is not an exception id").arg(positional.value(1)));
    }
    const auto client = AdminClient::fromOptions(parser, kCommand);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);
    const bool json = parser.isSet(o.json);
    QString error;
    if (action == QLatin1String("list")) {
        const auto answer =
            engine.get(QStringLiteral("/api/v1/exceptions") + listQuery(parser, o), error);
        return reportAnswer(kCommand, answer, error, json, listTable);
    }
    if (action == QLatin1String("show")) {
        return reportAnswer(kCommand, engine.get(pathFor(id), error), error, json, exceptionSheet);
    }
    if (action == QLatin1String("assign")) {
        nlohmann::json body = nlohmann::json::object();
        if (parser.isSet(o.to)) {
            body["assignee"] = parser.value(o.to).toStdString();
        }
        return reportAnswer(kCommand,
                            engine.post(pathFor(id, "assign"), bodyWith(body), error),
                            error,
                            json,
                            actionLine);
    }
    if (action == QLatin1String("comment")) {
        return reportAnswer(kCommand,
                            engine.post(pathFor(id, "comment"),
                                        bodyWith({{"text", positional[2].toStdString()}}),
                                        error),
                            error,
                            json,
                            actionLine);
    }
    if (action == QLatin1String("repair")) {
        std::optional<QByteArray> payload = readJsonFile(positional[2], error);
        if (!payload) {
            return usageError(kCommand, error);
        }
        const QByteArray body =
            "{\"payload\":" + *payload + ",\"reason\":" +
            QByteArray::fromStdString(nlohmann::json(parser.value(o.reason).toStdString()).dump()) +
            ",\"resubmit\":" + (parser.isSet(o.resubmit) ? "true" : "false") + '}';
        return reportAnswer(
            kCommand, engine.post(pathFor(id, "repair"), body, error), error, json, repairLine);
    }
    if (!parser.isSet(o.reason)) {
        return usageError(kCommand, QStringLiteral("discard needs --reason"));
    }
    return reportAnswer(kCommand,
                        engine.post(pathFor(id, "discard"),
                                    bodyWith({{"reason", parser.value(o.reason).toStdString()}}),
                                    error),
                        error,
                        json,
                        actionLine);
}

} // namespace syncline::cli
