#pragma once

#include "engine/core/result.h"
#include "engine/net/httpclient.h"
#include "engine/runtime/circuitbreaker.h"
#include "engine/runtime/oauthclient.h"
#include "engine/runtime/ratelimiter.h"

#include <QHash>
#include <QPair>
#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace syncline::engine::runtime {

/// Resolves a secret reference ("secret:erp/api-key") to its value; nothing when unknown.
/// Values never leave the engine: not in logs, errors or the store.
using SecretResolver = std::function<std::optional<QByteArray>(const QString &reference)>;

/// A SaaS system the engine calls, with the protection shared by every node that calls it.
struct SystemTarget
{
    QString id;
    QString family; // the connector family ("crm", "erp", …) its connector operations go through
    QString baseUrl;
    bool idempotencySupported = false;
    QByteArray idempotencyHeader = "Idempotency-Key";
    int timeoutMs = 30'000;
    net::HttpHeaders authHeaders;
    std::shared_ptr<CircuitBreaker> breaker;
    std::shared_ptr<RateLimiter> limiter; // null: no limit
    std::shared_ptr<OAuthClient> oauth;   // OAuth 2 client credentials; null: static headers
    /// The secret's value in every form it is sent in (see security::secretForms).
    QList<QByteArray> secretForms;

    /// The headers that authenticate a call: the static ones (API key, basic, bearer) or a
    /// current OAuth 2 access token. Fails with AUTH_TOKEN when no token can be had.
    Result<net::HttpHeaders> authorization(net::HttpClient &client) const;
    /// The system answered 401 to these headers: an OAuth token is fetched anew next time.
    /// True when that can help (so the call is worth retrying).
    bool rejected(const net::HttpHeaders &sent) const;
    /// `text` from the system's answer (an error body to keep as the failure's detail) without
    /// the secret and without the credentials in `sent` (an OAuth access token): a system may
    /// echo the request's headers back.
    QString redact(const QString &text, const net::HttpHeaders &sent) const;

    /// From a workspace system document. Errors name the system and what is missing (a secret
    /// reference that does not resolve names the reference, never a value).
    static Result<SystemTarget> fromDocument(const nlohmann::json &system,
                                             const SecretResolver &secrets);
};

/// One target per system and configuration, shared by every flow version that calls the system,
/// so that its circuit breaker and rate limit see all its traffic. A changed system document
/// (another URL, other limits) gets a fresh target. Thread-safe.
class SystemTargets
{
public:
    explicit SystemTargets(SecretResolver secrets);
    Result<SystemTarget> get(const nlohmann::json &system);

private:
    SecretResolver m_secrets;
    std::mutex m_mutex;
    QHash<QString, QPair<std::string, SystemTarget>> m_targets; // id -> (document, target)
};

} // namespace syncline::engine::runtime
