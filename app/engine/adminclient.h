#pragma once

#include <QByteArray>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>

#include "engine/net/httpclient.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <variant>

namespace syncline::cli {

/// What the engine answered: its status and its JSON body (a problem document on errors).
struct AdminAnswer
{
    int status = 0;
    nlohmann::json body;
    QByteArray text; // the body as sent (exact numbers, the engine's layout)
};

/// The CLI's side of a running engine's admin API: the commands that talk to an engine (status,
/// deploy, trigger) take the same --engine and --token-file options and report failures the
/// same way.
class AdminClient
{
public:
    /// Adds --engine URL (default http://127.0.0.1:8780) and --token-file FILE.
    static void addOptions(QCommandLineParser &parser);
    /// The client for the parsed options, or the exit code of a usage error already printed.
    static std::variant<AdminClient, int> fromOptions(const QCommandLineParser &parser,
                                                      const QString &command);

    QString base() const { return m_base; }
    /// GET/POST `path`; nothing when no engine answered or it did not answer JSON (`error`
    /// says why). Any HTTP status comes back as an answer.
    std::optional<AdminAnswer> get(const QString &path, QString &error) const;
    std::optional<AdminAnswer> post(const QString &path, const QByteArray &body,
                                    QString &error, const engine::net::HttpHeaders &headers = {},
                                    int timeoutMs = 60'000) const;

    std::optional<AdminAnswer>
    patch(const QString &path, const QByteArray &body, QString &error) const;
    /// Logs in (POST /api/v1/sessions as client "cli"), which the engine records in its audit
    /// trail. The caller as the engine sees it (id, role, permissions); nothing when refused
    /// (`error` says why).
    std::optional<nlohmann::json> logIn(QString &error) const;

    /// A member of a JSON answer as text: a string as is, null or absent as "", anything else
    /// as JSON.
    static QString memberText(const nlohmann::json &object, const char *key);

    /// The "detail" of a problem document, else the body as text.
    static QString problemText(const AdminAnswer &answer);

private:
    AdminClient(QString base, QByteArray token);
    std::optional<AdminAnswer> send(const QByteArray &method, const QString &path,
                                    const QByteArray &body, const engine::net::HttpHeaders &headers,
                                    int timeoutMs, QString &error) const;

    QString m_base;
    QByteArray m_token;
};

} // namespace syncline::cli
