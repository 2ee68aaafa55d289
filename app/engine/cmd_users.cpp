#include "adminclient.h"
#include "cli.h"

#include <QUrl>

#include <nlohmann/json.hpp>

namespace syncline::cli {

namespace {

const QString kCommand = QStringLiteral("users");

QString text(const nlohmann::json &object, const char *key)
{
    return AdminClient::memberText(object, key);
}

QString userPath(const QString &id, const char *suffix = "")
{
    return QStringLiteral("/api/v1/users/") + QString::fromLatin1(QUrl::toPercentEncoding(id)) +
           QLatin1String(suffix);
}

QString padded(const QString &value, int width)
{
    return value.leftJustified(width) + u' ';
}

QString userTable(const nlohmann::json &users)
{
    QString table = padded(QStringLiteral("ID"), 24) + padded(QStringLiteral("ROLE"), 8) +
                    padded(QStringLiteral("STATE"), 9) + QStringLiteral("NAME\n");
    for (const nlohmann::json &user : users) {
        table += padded(text(user, "id"), 24) + padded(text(user, "role"), 8) +
                 padded(user.value("disabled", false) ? QStringLiteral("disabled")
                                                      : QStringLiteral("enabled"),
                        9) +
                 text(user, "displayName") + u'\n';
    }
    return table;
}

// Prints what the engine answered (or why it did not) and returns the exit code.
int report(const std::optional<AdminAnswer> &answer,
           const QString &error,
           int expected,
           bool json,
           const std::function<QString(const nlohmann::json &)> &readable)
{
    if (!answer) {
        err(QStringLiteral("syncline-engine users: %1\n").arg(error));
        return kExitProblems;
    }
    if (answer->status != expected) {
        if (json) {
            err(QString::fromStdString(answer->body.dump()) + u'\n');
        } else {
            err(QStringLiteral("syncline-engine users: the engine answered %1: %2\n")
                    .arg(answer->status)
                    .arg(AdminClient::problemText(*answer)));
        }
        return kExitProblems;
    }
    out(json ? QString::fromStdString(answer->body.dump()) + u'\n' : readable(answer->body));
    return kExitOk;
}

QString issued(const nlohmann::json &body, const QString &what)
{
    const nlohmann::json user = body.value("user", nlohmann::json::object());
    return QStringLiteral("%1 %2 (%3, role %4)\ntoken: %5\nThe token is shown this once; keep "
                          "it in a file readable only by its user (--token-file).\n")
        .arg(what,
             text(user, "id"),
             text(user, "displayName"),
             text(user, "role"),
             text(body, "token"));
}

QString changed(const nlohmann::json &body)
{
    const nlohmann::json user = body.value("user", nlohmann::json::object());
    return QStringLiteral("%1: role %2, %3\n")
        .arg(text(user, "id"),
             text(user, "role"),
             user.value("disabled", false) ? QStringLiteral("disabled")
                                           : QStringLiteral("enabled"));
}

} // namespace

int runUsers(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Manage the users of a running engine's admin API (needs the manage-users permission):\n"
        "  users list\n"
        "  users add ID --role ROLE [--name \"Display Name\"]   prints the new token once\n"
        "  users set-role ID ROLE\n"
        "  users disable ID | users enable ID\n"
        "  users rotate-token ID                               prints the new token once\n"
        "Roles: viewer, analyst, finance, admin. Every change is in the engine's audit trail.\n"
        "Exits 0 when done, 1 when the engine refused or cannot be reached, 2 on bad usage."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the engine's answer as JSON."));
    const QCommandLineOption role(
        QStringLiteral("role"), QStringLiteral("The new user's role."), QStringLiteral("ROLE"));
    const QCommandLineOption name(QStringLiteral("name"),
                                  QStringLiteral("The new user's display name (default: the id)."),
                                  QStringLiteral("NAME"));
    AdminClient::addOptions(parser);
    parser.addOptions({json, role, name});
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("list, add, set-role, disable, enable or "
                                                "rotate-token."));
    parser.addPositionalArgument(
        QStringLiteral("id"), QStringLiteral("The user's id."), QStringLiteral("[id]"));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const QString id = positional.value(1);
    const qsizetype wanted = action == QLatin1String("list")       ? 1
                             : action == QLatin1String("set-role") ? 3
                                                                   : 2;
    static const QStringList actions = {QStringLiteral("list"),
                                        QStringLiteral("add"),
                                        QStringLiteral("set-role"),
                                        QStringLiteral("disable"),
                                        QStringLiteral("enable"),
                                        QStringLiteral("rotate-token")};
    if (!actions.contains(action) || positional.size() != wanted) {
        return usageError(kCommand,
                          QStringLiteral("expected list, add ID, set-role ID ROLE, "
                                         "disable ID, enable ID or rotate-token ID "
                                         "(see --help)"));
    }
    if (action == QLatin1String("add") && !parser.isSet(role)) {
        return usageError(kCommand,
                          QStringLiteral("add needs --role (viewer, analyst, finance or "
                                         "admin)"));
    }
    const auto client = AdminClient::fromOptions(parser, kCommand);
    if (const int *exit = std::get_if<int>(&client)) {
        return *exit;
    }
    const AdminClient &engine = std::get<AdminClient>(client);
    QString error;
    if (!engine.logIn(error)) {
        err(QStringLiteral("syncline-engine users: %1\n").arg(error));
        return kExitProblems;
    }
    const bool asJson = parser.isSet(json);
    if (action == QLatin1String("list")) {
        return report(engine.get(QStringLiteral("/api/v1/users"), error),
                      error,
                      200,
                      asJson,
                      [](const nlohmann::json &body) {
                          return userTable(body.value("users", nlohmann::json::array()));
                      });
    }
    if (action == QLatin1String("add")) {
        const nlohmann::json body = {{"id", id.toStdString()},
                                     {"role", parser.value(role).toStdString()},
                                     {"displayName", parser.value(name).toStdString()}};
        return report(
            engine.post(
                QStringLiteral("/api/v1/users"), QByteArray::fromStdString(body.dump()), error),
            error,
            201,
            asJson,
            [](const nlohmann::json &answer) { return issued(answer, QStringLiteral("added")); });
    }
    if (action == QLatin1String("rotate-token")) {
        return report(engine.post(userPath(id, "/token"), "{}", error),
                      error,
                      200,
                      asJson,
                      [](const nlohmann::json &answer) {
                          return issued(answer, QStringLiteral("new token for"));
                      });
    }
    nlohmann::json change;
    if (action == QLatin1String("set-role")) {
        change = {{"role", positional.value(2).toStdString()}};
    } else {
        change = {{"disabled", action == QLatin1String("disable")}};
    }
    return report(engine.patch(userPath(id), QByteArray::fromStdString(change.dump()), error),
                  error,
                  200,
                  asJson,
                  changed);
}

} // namespace syncline::cli
