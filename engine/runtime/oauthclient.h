#pragma once

#include "engine/core/result.h"
#include "engine/net/httpclient.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <mutex>

namespace syncline::engine::runtime {

struct OAuthSettings
{
    QString systemId; // for messages
    QString tokenUrl;
    QString clientId;
    QByteArray clientSecret;
    QStringList scopes;
};

/// OAuth 2.0 client credentials (RFC 6749 §4.4) for one system: fetches an access token from the
/// token endpoint with HTTP Basic client authentication, keeps it until shortly before it
/// expires, and fetches a new one when the system refuses it. Callers on several threads share
/// one fetch. Errors name the system and the endpoint's own error, never the secret.
class OAuthClient
{
public:
    explicit OAuthClient(OAuthSettings settings, std::function<qint64()> clockMs = {});

    /// "Bearer <token>" for the Authorization header. Fails with AUTH_TOKEN.
    Result<QByteArray> authorization(net::HttpClient &client);
    /// The system answered 401 to this token: the next call fetches another.
    void rejected(const QByteArray &authorization);

    /// Tokens fetched so far (for status and tests).
    int fetches() const;

private:
    Result<void> fetch(net::HttpClient &client, qint64 now);

    OAuthSettings m_settings;
    std::function<qint64()> m_clockMs;
    mutable std::mutex m_mutex;
    QByteArray m_authorization;
    qint64 m_renewAtMs = 0;
    int m_fetches = 0;
};

} // namespace syncline::engine::runtime
