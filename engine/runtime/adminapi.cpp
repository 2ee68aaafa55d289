#include "engine/runtime/adminapi.h"

#include "engine/net/signature.h"

namespace syncline::engine::runtime {

AdminApi::AdminApi(QByteArray token, AdminSources sources)
    : m_token(std::move(token))
    , m_sources(std::move(sources))
{}

bool AdminApi::handles(const QByteArray &path)
{
    return path.startsWith("/api/") || path == "/metrics";
}

void AdminApi::handle(const net::ServerRequest &request, const net::Responder &respond) const
{
    const QByteArray authorization = request.header("authorization");
    const QByteArray given = authorization.startsWith("Bearer ") ? authorization.mid(7).trimmed()
                                                                  : QByteArray();
    if (given.isEmpty() || !net::constantTimeEquals(given, m_token)) {
        net::ServerResponse denied = net::ServerResponse::problem(
            401, QStringLiteral("urn:syncline:problem:unauthorized"),
            QStringLiteral("Unauthorized"),
            QStringLiteral("the admin API needs Authorization: Bearer <token>"),
            R"({"code":"UNAUTHORIZED"})");
        denied.headers.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
        respond(denied);
        return;
    }
    if (request.method != "GET") {
        respond(net::ServerResponse::problem(405, QStringLiteral("urn:syncline:problem:method"),
                                             QStringLiteral("Method not allowed"),
                                             QStringLiteral("this part of the API is read only"),
                                             R"({"code":"METHOD_NOT_ALLOWED"})"));
        return;
    }
    const QByteArray &path = request.path;
    if (path == "/metrics") {
        const std::string text = m_sources.prometheus();
        respond({200,
                 {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                 QByteArray(text.data(), qsizetype(text.size()))});
        return;
    }
    const std::function<QByteArray()> *source = path == "/api/v1/health"    ? &m_sources.health
                                                : path == "/api/v1/flows"   ? &m_sources.flows
                                                : path == "/api/v1/queues"  ? &m_sources.queues
                                                : path == "/api/v1/metrics" ? &m_sources.metrics
                                                                            : nullptr;
    if (!source) {
        respond(net::ServerResponse::problem(
            404, QStringLiteral("urn:syncline:problem:not-found"), QStringLiteral("Not found"),
            QStringLiteral("%1 is not part of the admin API (try /api/v1/health)")
                .arg(QString::fromUtf8(path)),
            R"({"code":"NOT_FOUND"})"));
        return;
    }
    respond(net::ServerResponse::json(200, (*source)()));
}

} // namespace syncline::engine::runtime
