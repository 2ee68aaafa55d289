#pragma once

#include "engine/net/httpserver.h"

#include <QByteArray>

#include <functional>
#include <string>

namespace syncline::engine::runtime {

/// The read side of the admin API, as JSON or Prometheus text, provided by the engine.
struct AdminSources
{
    std::function<QByteArray()> health;  // {"status": ..., ...}
    std::function<QByteArray()> flows;   // deployed flows and versions
    std::function<QByteArray()> queues;  // depth per node
    std::function<QByteArray()> metrics; // per-node figures and their sampled history
    std::function<std::string()> prometheus;
};

/// /api/v1/health, /api/v1/flows, /api/v1/queues, /api/v1/metrics and /metrics, each behind
/// `Authorization: Bearer <token>` (compared in constant time). Unknown paths answer 404.
class AdminApi
{
public:
    AdminApi(QByteArray token, AdminSources sources);
    /// True when the request is the admin API's (by path), whether or not it is allowed.
    static bool handles(const QByteArray &path);
    void handle(const net::ServerRequest &request, const net::Responder &respond) const;

private:
    QByteArray m_token;
    AdminSources m_sources;
};

} // namespace syncline::engine::runtime
