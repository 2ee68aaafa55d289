#include "engine/runtime/oauthclient.h"

#include "engine/security/redaction.h"

#include <QDateTime>
#include <QUrl>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

namespace {

// Renew this long before the endpoint's expiry, so a token never expires in flight.
constexpr qint64 kRenewMarginMs = 30'000;
// When the endpoint gives no expires_in.
constexpr qint64 kDefaultLifetimeMs = 5 * 60'000;

QByteArray formEncoded(const QString &text)
{
    return QUrl::toPercentEncoding(text);
}

} // namespace

OAuthClient::OAuthClient(OAuthSettings settings, std::function<qint64()> clockMs)
    : m_settings(std::move(settings))
    , m_clockMs(clockMs ? std::move(clockMs) : [] { return QDateTime::currentMSecsSinceEpoch(); })
{}

Result<QByteArray> OAuthClient::authorization(net::HttpClient &client)
{
    std::lock_guard lock(m_mutex); // one fetch for every caller that needs it
    const qint64 now = m_clockMs();
    if (m_authorization.isEmpty() || now >= m_renewAtMs) {
        if (Result<void> fetched = fetch(client, now); !fetched) {
            return fetched.error();
        }
    }
    return m_authorization;
}

void OAuthClient::rejected(const QByteArray &authorization)
{
    std::lock_guard lock(m_mutex);
    if (authorization == m_authorization) {
        m_authorization.clear();
    }
}

int OAuthClient::fetches() const
{
    std::lock_guard lock(m_mutex);
    return m_fetches;
}

Result<void> OAuthClient::fetch(net::HttpClient &client, qint64 now)
{
    // RFC 6749 §2.3.1: client id and secret form-encoded, then as HTTP Basic credentials.
    const QByteArray credentials =
        formEncoded(m_settings.clientId) + ':' +
        QUrl::toPercentEncoding(QString::fromUtf8(m_settings.clientSecret));
    // The endpoint's error description is kept in messages; an endpoint that echoes what it
    // was sent must not put the secret there.
    const auto failed = [this, &credentials](const QString &why) {
        QList<QByteArray> secret = security::secretForms(m_settings.clientSecret);
        secret.append(credentials.toBase64());
        return Error::make(
            QStringLiteral("AUTH_TOKEN"),
            QStringLiteral("system %1: no access token from %2: %3")
                .arg(m_settings.systemId, m_settings.tokenUrl, security::redact(why, secret)));
    };
    net::HttpRequest request;
    request.method = "POST";
    request.url = m_settings.tokenUrl;
    request.headers = {{"Authorization", "Basic " + credentials.toBase64()},
                       {"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body = "grant_type=client_credentials";
    if (!m_settings.scopes.isEmpty()) {
        request.body += "&scope=" + formEncoded(m_settings.scopes.join(u' '));
    }
    request.totalTimeoutMs = 15'000;
    request.maxResponseBytes = 64 * 1024;
    const net::HttpOutcome outcome = client.send(request).get();
    ++m_fetches;
    if (!outcome.response) {
        return failed(outcome.response.error().message);
    }
    const QByteArray &body = outcome.response->body;
    const nlohmann::json answer = nlohmann::json::parse(body.constData(),
                                                        body.constData() + body.size(), nullptr,
                                                        false);
    if (outcome.response->status != 200) {
        QString why = QStringLiteral("it answered %1").arg(outcome.response->status);
        if (answer.is_object() && answer.contains("error") && answer["error"].is_string()) {
            why += QStringLiteral(" (%1").arg(QString::fromStdString(answer["error"].get<std::string>()));
            if (answer.contains("error_description") && answer["error_description"].is_string()) {
                why += QStringLiteral(": ")
                       + QString::fromStdString(answer["error_description"].get<std::string>());
            }
            why += u')';
        }
        return failed(why);
    }
    if (!answer.is_object() || !answer.contains("access_token") || !answer["access_token"].is_string()
        || answer["access_token"].get<std::string>().empty()) {
        return failed(QStringLiteral("the answer has no access_token"));
    }
    const std::string type = answer.value("token_type", std::string("Bearer"));
    if (QString::fromStdString(type).compare(QLatin1String("bearer"), Qt::CaseInsensitive) != 0) {
        return failed(QStringLiteral("token type \"%1\" is not supported (Bearer is)")
                          .arg(QString::fromStdString(type)));
    }
    qint64 lifetimeMs = kDefaultLifetimeMs;
    if (const auto expires = answer.find("expires_in");
        expires != answer.end() && expires->is_number() && expires->get<double>() > 0) {
        lifetimeMs = qint64(expires->get<double>() * 1000);
    }
    m_authorization = "Bearer " + QByteArray::fromStdString(answer["access_token"].get<std::string>());
    m_renewAtMs = now + std::max<qint64>(lifetimeMs - kRenewMarginMs, lifetimeMs / 2);
    return {};
}

} // namespace syncline::engine::runtime
