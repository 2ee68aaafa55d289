#include "adminclient.h"

#include "cli.h"

#include <QFile>

namespace syncline::cli {

namespace {

const QCommandLineOption &engineOption()
{
    static const QCommandLineOption option(QStringLiteral("engine"),
                                           QStringLiteral("The running engine (default "
                                                          "http://127.0.0.1:8780)."),
                                           QStringLiteral("URL"),
                                           QStringLiteral("http://127.0.0.1:8780"));
    return option;
}

const QCommandLineOption &tokenOption()
{
    static const QCommandLineOption option(QStringLiteral("token-file"),
                                           QStringLiteral("File holding the admin token (the "
                                                          "engine prints where it is)."),
                                           QStringLiteral("FILE"));
    return option;
}

} // namespace

AdminClient::AdminClient(QString base, QByteArray token)
    : m_base(std::move(base))
    , m_token(std::move(token))
{}

void AdminClient::addOptions(QCommandLineParser &parser)
{
    parser.addOption(engineOption());
    parser.addOption(tokenOption());
}

std::variant<AdminClient, int> AdminClient::fromOptions(const QCommandLineParser &parser,
                                                        const QString &command)
{
    if (!parser.isSet(tokenOption())) {
        return usageError(command, QStringLiteral("--token-file is required"));
    }
    QFile file(parser.value(tokenOption()));
    if (!file.open(QIODevice::ReadOnly)) {
        return usageError(command, QStringLiteral("cannot read %1: %2")
                                       .arg(file.fileName(), file.errorString()));
    }
    QString base = parser.value(engineOption());
    while (base.endsWith(u'/')) {
        base.chop(1);
    }
    return AdminClient(base, file.readAll().trimmed());
}

std::optional<AdminAnswer> AdminClient::get(const QString &path, QString &error) const
{
    return send("GET", path, {}, {}, 5000, error);
}

std::optional<AdminAnswer> AdminClient::post(const QString &path, const QByteArray &body,
                                             QString &error,
                                             const engine::net::HttpHeaders &headers,
                                             int timeoutMs) const
{
    return send("POST", path, body, headers, timeoutMs, error);
}

std::optional<AdminAnswer>
AdminClient::patch(const QString &path, const QByteArray &body, QString &error) const
{
    return send("PATCH", path, body, {}, 30'000, error);
}

std::optional<nlohmann::json> AdminClient::logIn(QString &error) const
{
    const QString path = QStringLiteral("/api/v1/sessions");
    const std::optional<AdminAnswer> answer = post(path, R"({"client":"cli"})", error);
    if (!answer) {
        return std::nullopt;
    }
    if (answer->status != 201) {
        error = QStringLiteral("%1%2 answered %3: %4")
                    .arg(m_base, path)
                    .arg(answer->status)
                    .arg(problemText(*answer));
        return std::nullopt;
    }
    return answer->body;
}

std::optional<AdminAnswer> AdminClient::send(const QByteArray &method, const QString &path,
                                             const QByteArray &body,
                                             const engine::net::HttpHeaders &headers,
                                             int timeoutMs, QString &error) const
{
    engine::net::HttpClient client;
    engine::net::HttpRequest request;
    request.method = method;
    request.url = m_base + path;
    request.headers = {{"Authorization", "Bearer " + m_token}};
    if (!body.isNull()) {
        request.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        request.body = body;
    }
    request.headers += headers;
    request.totalTimeoutMs = timeoutMs;
    const engine::net::HttpOutcome outcome = client.send(request).get();
    if (!outcome.response) {
        error = QStringLiteral("no engine answers at %1: %2")
                    .arg(m_base, outcome.response.error().message);
        return std::nullopt;
    }
    const QByteArray &text = outcome.response->body;
    AdminAnswer answer;
    answer.status = outcome.response->status;
    answer.text = text;
    answer.body = nlohmann::json::parse(text.constData(), text.constData() + text.size(), nullptr,
                                        false);
    if (answer.body.is_discarded()) {
        error = QStringLiteral("%1%2 answered %3 without JSON: %4")
                    .arg(m_base, path)
                    .arg(answer.status)
                    .arg(QString::fromUtf8(text.left(200)));
        return std::nullopt;
    }
    return answer;
}

QString AdminClient::memberText(const nlohmann::json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    return it->is_string() ? QString::fromStdString(it->get<std::string>())
                           : QString::fromStdString(it->dump());
}

QString AdminClient::problemText(const AdminAnswer &answer)
{
    if (answer.body.is_object() && answer.body.contains("detail")
        && answer.body["detail"].is_string()) {
        return QString::fromStdString(answer.body["detail"].get<std::string>());
    }
    return QString::fromStdString(answer.body.dump());
}

} // namespace syncline::cli
