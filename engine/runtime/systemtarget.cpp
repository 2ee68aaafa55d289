#include "engine/runtime/systemtarget.h"

#include "engine/security/redaction.h"

#include <algorithm>

namespace syncline::engine::runtime {

namespace {

QString text(const nlohmann::json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

Error targetError(const QString &system, const QString &message)
{
    return Error::make(QStringLiteral("SYSTEM_INVALID"),
                       QStringLiteral("system %1: %2").arg(system, message));
}

} // namespace

Result<SystemTarget> SystemTarget::fromDocument(const nlohmann::json &system,
                                                const SecretResolver &secrets)
{
    if (!system.is_object()) {
        return targetError(QStringLiteral("?"), QStringLiteral("not a JSON object"));
    }
    SystemTarget target;
    target.id = text(system, "id");
    target.family = text(system, "family");
    target.baseUrl = text(system, "baseUrl");
    while (target.baseUrl.endsWith(u'/')) {
        target.baseUrl.chop(1);
    }
    if (target.baseUrl.isEmpty()) {
        return targetError(target.id, QStringLiteral("has no baseUrl"));
    }
    if (const auto t = system.find("timeoutMs"); t != system.end() && t->is_number_integer()) {
        target.timeoutMs = t->get<int>();
    }
    if (const auto idem = system.find("idempotency"); idem != system.end() && idem->is_object()) {
        target.idempotencySupported = idem->value("supported", false);
        const QString header = text(*idem, "header");
        if (!header.isEmpty()) {
            target.idempotencyHeader = header.toLatin1();
        }
    }
    if (const auto rate = system.find("rateLimit"); rate != system.end() && rate->is_object()) {
        const double perSecond = rate->value("requestsPerSecond", 0.0);
        const double burst = rate->value("burst", std::max(1.0, perSecond));
        if (perSecond > 0) {
            target.limiter = std::make_shared<RateLimiter>(perSecond, burst);
        }
    }
    target.breaker = std::make_shared<CircuitBreaker>(CircuitBreaker::Options{});

    const nlohmann::json auth = system.value("auth", nlohmann::json::object());
    const QString type = text(auth, "type");
    if (type.isEmpty() || type == QLatin1String("none")) {
        return target;
    }
    const QString reference = text(auth, "secretRef");
    const std::optional<QByteArray> secret = secrets ? secrets(reference) : std::nullopt;
    if (!secret) {
        return targetError(target.id, QStringLiteral("the secret %1 is not available to this "
                                                     "engine (see docs/secrets.md)")
                                          .arg(reference.isEmpty() ? QStringLiteral("(none named)")
                                                                   : reference));
    }
    target.secretForms = security::secretForms(*secret);
    if (type == QLatin1String("apiKey")) {
        const QString header = text(auth, "header");
        target.authHeaders.append({header.isEmpty() ? QByteArray("X-Api-Key") : header.toLatin1(),
                                   *secret});
    } else if (type == QLatin1String("bearer")) {
        target.authHeaders.append({QByteArray("Authorization"), "Bearer " + *secret});
    } else if (type == QLatin1String("basic")) {
        const QByteArray user = text(auth, "username").toUtf8();
        target.authHeaders.append(
            {QByteArray("Authorization"), "Basic " + (user + ':' + *secret).toBase64()});
        target.secretForms.append((user + ':' + *secret).toBase64());
    } else if (type == QLatin1String("oauth2ClientCredentials")) {
        OAuthSettings settings{target.id, text(auth, "tokenUrl"), text(auth, "clientId"), *secret, {}};
        for (const nlohmann::json &scope : auth.value("scopes", nlohmann::json::array())) {
            if (scope.is_string()) {
                settings.scopes.append(QString::fromStdString(scope.get<std::string>()));
            }
        }
        if (settings.tokenUrl.isEmpty() || settings.clientId.isEmpty()) {
            return targetError(target.id, QStringLiteral("OAuth 2 needs auth.tokenUrl and "
                                                         "auth.clientId"));
        }
        target.oauth = std::make_shared<OAuthClient>(std::move(settings));
    } else {
        return targetError(target.id, QStringLiteral("authentication \"%1\" is not known; use "
                                                     "apiKey, bearer, basic or "
                                                     "oauth2ClientCredentials")
                                          .arg(type));
    }
    return target;
}

Result<net::HttpHeaders> SystemTarget::authorization(net::HttpClient &client) const
{
    if (!oauth) {
        return authHeaders;
    }
    Result<QByteArray> token = oauth->authorization(client);
    if (!token) {
        return token.error();
    }
    return net::HttpHeaders{qMakePair(QByteArray("Authorization"), *token)};
}

bool SystemTarget::rejected(const net::HttpHeaders &sent) const
{
    if (!oauth) {
        return false;
    }
    for (const auto &[name, value] : sent) {
        if (name == "Authorization") {
            oauth->rejected(value);
        }
    }
    return true;
}

QString SystemTarget::redact(const QString &text, const net::HttpHeaders &sent) const
{
    QList<QByteArray> values = secretForms;
    for (const auto &[name, value] : sent) {
        const bool credential =
            name.compare("Authorization", Qt::CaseInsensitive) == 0 ||
            std::any_of(authHeaders.cbegin(), authHeaders.cend(), [&](const auto &header) {
                return header.first.compare(name, Qt::CaseInsensitive) == 0;
            });
        if (!credential) {
            continue;
        }
        values.append(value);
        if (const qsizetype space = value.indexOf(' '); space > 0) {
            values.append(value.mid(space + 1)); // the token after "Bearer " or "Basic "
        }
    }
    return security::redact(text, values);
}

SystemTargets::SystemTargets(SecretResolver secrets)
    : m_secrets(std::move(secrets))
{}

Result<SystemTarget> SystemTargets::get(const nlohmann::json &system)
{
    const std::string document = system.dump();
    const QString id = text(system, "id");
    std::lock_guard lock(m_mutex);
    if (const auto found = m_targets.constFind(id);
        found != m_targets.cend() && found->first == document) {
        return found->second;
    }
    Result<SystemTarget> target = SystemTarget::fromDocument(system, m_secrets);
    if (target) {
        m_targets.insert(id, qMakePair(document, *target));
    }
    return target;
}

} // namespace syncline::engine::runtime
