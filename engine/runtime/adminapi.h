#pragma once

#include "engine/net/httpserver.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <functional>

namespace syncline::engine::runtime {

/// One request to a route of the admin API, with the values of its path parameters.
struct AdminCall
{
    const net::ServerRequest &request;
    QHash<QByteArray, QByteArray> params; // "{flow}" in the pattern → params["flow"]

    QString param(const char *name) const { return QString::fromUtf8(params.value(name)); }
};

using AdminHandler = std::function<void(const AdminCall &call, const net::Responder &respond)>;

/// A route: method and path pattern ("/api/v1/flows/{flow}/triggers/{trigger}/messages"; a
/// {name} matches one non-empty path segment).
struct AdminRoute
{
    QByteArray method;
    QByteArray pattern;
    AdminHandler handle;
};

/// The admin API under /api/v1 and Prometheus text at /metrics, the one interface the studio and
/// scripts (syncline-engine deploy, status, trigger) use. Every route is behind
/// `Authorization: Bearer <token>` (compared in constant time); a known path with another method
/// answers 405 with Allow, an unknown path 404, both as RFC 9457 problem documents. Routes are
/// added before the server starts; handle() may then run on several threads at once.
class AdminApi
{
public:
    explicit AdminApi(QByteArray token);

    void add(AdminRoute route);
    /// True when the request is the admin API's (by path), whether or not it is allowed.
    static bool handles(const QByteArray &path);
    void handle(const net::ServerRequest &request, const net::Responder &respond) const;

    /// Answers that every route uses the same way.
    static net::ServerResponse problem(int status, const char *code, const QString &detail);

private:
    QByteArray m_token;
    QList<AdminRoute> m_routes;
};

} // namespace syncline::engine::runtime
