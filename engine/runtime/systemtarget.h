#pragma once

#include "engine/core/result.h"
#include "engine/net/httpclient.h"
#include "engine/runtime/circuitbreaker.h"
#include "engine/runtime/ratelimiter.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace syncline::engine::runtime {

/// Resolves a secret reference ("secret:erp/api-key") to its value; nothing when unknown.
/// Values never leave the engine: not in logs, errors or the store.
using SecretResolver = std::function<std::optional<QByteArray>(const QString &reference)>;

/// A SaaS system the engine calls, with the protection shared by every node that calls it.
struct SystemTarget
{
    QString id;
    QString baseUrl;
    bool idempotencySupported = false;
    QByteArray idempotencyHeader = "Idempotency-Key";
    int timeoutMs = 30'000;
    net::HttpHeaders authHeaders;
    std::shared_ptr<CircuitBreaker> breaker;
    std::shared_ptr<RateLimiter> limiter; // null: no limit

    /// From a workspace system document. Errors name the system and what is missing (a secret
    /// reference that does not resolve names the reference, never a value).
    static Result<SystemTarget> fromDocument(const nlohmann::json &system,
                                             const SecretResolver &secrets);
};

} // namespace syncline::engine::runtime
