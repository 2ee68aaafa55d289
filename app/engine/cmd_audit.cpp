#include "adminclient.h"
#include "cli.h"

#include "engine/store/auditjobs.h"
#include "engine/store/connection.h"

#include <QDateTime>
#include <QFileInfo>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("audit");

QString text(const nlohmann::json &object, const char *key)
{
    return AdminClient::memberText(object, key);
}

QString entryLine(const nlohmann::json &entry)
{
    const QString at =
        QDateTime::fromMSecsSinceEpoch(entry.value("at", qint64(0)), Qt::UTC).toString(Qt::ISODate);
    QString line = QStringLiteral("%1 %2 %3 (%4) %5 %6 %7")
                       .arg(text(entry, "sequence").rightJustified(6),
                            at,
                            text(entry, "actor"),
                            text(entry, "role"),
                            text(entry, "action"),
                            text(entry, "objectType"),
                            text(entry, "objectId"));
    if (const QString reason = text(entry, "reason"); !reason.isEmpty()) {
        line += QStringLiteral(" — \"%1\"").arg(reason);
    }
    return line + u'\n';
}

int list(const QCommandLineParser &parser,
         const QList<QCommandLineOption> &filters,
         const QCommandLineOption &json)
{
    const auto client = AdminClient::fromOptions(parser, kCommand);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);
    QUrlQuery query;
    for (const QCommandLineOption &filter : filters) {
        if (parser.isSet(filter)) {
            QString name = filter.names().constFirst();
            if (name == QLatin1String("object-type")) {
                name = QStringLiteral("objectType");
            } else if (name == QLatin1String("object-id")) {
                name = QStringLiteral("objectId");
            }
            query.addQueryItem(name, parser.value(filter));
        }
    }
    QString error;
    if (!engine.logIn(error)) {
        err(QStringLiteral("syncline-engine audit: %1\n").arg(error));
        return kExitProblems;
    }
    const QString path = QStringLiteral("/api/v1/audit") +
                         (query.isEmpty() ? QString() : u'?' + query.toString(QUrl::FullyEncoded));
    const std::optional<AdminAnswer> answer = engine.get(path, error);
    if (!answer) {
        err(QStringLiteral("syncline-engine audit: %1\n").arg(error));
        return kExitProblems;
    }
    if (answer->status != 200) {
        err(QStringLiteral("syncline-engine audit: the engine answered %1: %2\n")
                .arg(answer->status)
                .arg(AdminClient::problemText(*answer)));
        return kExitProblems;
    }
    if (parser.isSet(json)) {
        out(QString::fromStdString(answer->body.dump()) + u'\n');
        return kExitOk;
    }
    QString lines;
    for (const nlohmann::json &entry : answer->body.value("entries", nlohmann::json::array())) {
        lines += entryLine(entry);
    }
    const nlohmann::json next = answer->body.value("next", nlohmann::json());
    if (next.is_object()) {
        lines += QStringLiteral("more: --%1 %2\n")
                     .arg(QString::fromStdString(next.begin().key()),
                          text(next, next.begin().key().c_str()));
    }
    out(lines.isEmpty() ? QStringLiteral("no audit records match\n") : lines);
    return kExitOk;
}

int verify(const QString &path, bool json)
{
    if (!QFileInfo(path).isFile()) {
        return usageError(kCommand, QStringLiteral("%1 is not a file").arg(path));
    }
    engine::Result<engine::store::Connection> connection =
        engine::store::Connection::open(path, engine::store::OpenMode::ReadOnly);
    if (!connection) {
        return usageError(kCommand, connection.error().message);
    }
    engine::Result<engine::store::AuditVerification> result =
        engine::store::verifyAudit(*connection);
    if (!result) {
        return usageError(
            kCommand,
            QStringLiteral("%1 has no readable audit trail: %2").arg(path, result.error().message));
    }
    const bool intact = !result->firstBrokenSequence.has_value();
    if (json) {
        nlohmann::json answer = {
            {"database", path.toStdString()}, {"checked", result->checked}, {"intact", intact}};
        if (!intact) {
            answer["firstBroken"] = {{"sequence", *result->firstBrokenSequence},
                                     {"reason", result->reason.toStdString()}};
        }
        out(QString::fromStdString(answer.dump()) + u'\n');
    } else if (intact) {
        out(QStringLiteral("audit chain intact: %1 records held\n").arg(result->checked));
    } else {
        out(QStringLiteral("audit chain BROKEN at record %1: %2 (%3 records before it held)\n")
                .arg(*result->firstBrokenSequence)
                .arg(result->reason)
                .arg(result->checked));
    }
    return intact ? kExitOk : kExitProblems;
}

} // namespace

int runAudit(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Read and check the audit trail:\n"
        "  audit list [filters]     a running engine's records, newest first (needs view-audit)\n"
        "  audit verify --db FILE   walks the hash chain in an engine's database (read-only)\n"
        "Exits 0 when done (verify: the chain holds), 1 when the chain is broken or the engine "
        "refused or cannot be reached, 2 on bad usage or an unreadable database."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    const QCommandLineOption db(
        QStringLiteral("db"), QStringLiteral("The engine's database."), QStringLiteral("FILE"));
    const QList<QCommandLineOption> filters = {
        {QStringLiteral("actor"),
         QStringLiteral("Only this user's records."),
         QStringLiteral("USER")},
        {QStringLiteral("action"),
         QStringLiteral("Only this action (deploy, login, unmask, "
                        "user.create, ...)."),
         QStringLiteral("ACTION")},
        {QStringLiteral("object-type"),
         QStringLiteral("Only objects of this type."),
         QStringLiteral("TYPE")},
        {QStringLiteral("object-id"), QStringLiteral("Only this object."), QStringLiteral("ID")},
        {QStringLiteral("from"),
         QStringLiteral("At or after (ISO 8601 or ms since the epoch)."),
         QStringLiteral("TIME")},
        {QStringLiteral("to"),
         QStringLiteral("Before (ISO 8601 or ms since the epoch)."),
         QStringLiteral("TIME")},
        {QStringLiteral("limit"),
         QStringLiteral("At most N records (default 100)."),
         QStringLiteral("N")},
        {QStringLiteral("before"),
         QStringLiteral("Older than this sequence number (paging)."),
         QStringLiteral("SEQ")},
        {QStringLiteral("after"),
         QStringLiteral("Newer than this sequence number, oldest "
                        "first."),
         QStringLiteral("SEQ")},
    };
    AdminClient::addOptions(parser);
    parser.addOptions({json, db});
    parser.addOptions(filters);
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list or verify."));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    if (positional.size() != 1 ||
        (action != QLatin1String("list") && action != QLatin1String("verify"))) {
        return usageError(kCommand, QStringLiteral("expected list or verify (see --help)"));
    }
    if (action == QLatin1String("verify")) {
        if (!parser.isSet(db)) {
            return usageError(kCommand, QStringLiteral("verify needs --db FILE"));
        }
        return verify(parser.value(db), parser.isSet(json));
    }
    return list(parser, filters, json);
}

} // namespace syncline::cli
