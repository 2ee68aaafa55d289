#pragma once

#include "engine/net/httpserver.h"
#include "engine/security/access.h"

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
    const security::Principal &caller;    // whose token it is; the route's permission held

    QString param(const char *name) const { return QString::fromUtf8(params.value(name)); }
};

using AdminHandler = std::function<void(const AdminCall &call, const net::Responder &respond)>;

/// A route: method and path pattern ("/api/v1/flows/{flow}/triggers/{trigger}/messages"; a
/// {name} matches one non-empty path segment) and the permission a caller needs.
struct AdminRoute
{
    QByteArray method;
    QByteArray pattern;
    security::Permission permission;
    AdminHandler handle;
};

/// Who a bearer token belongs to; nothing for an unknown token. Called on several threads.
using Authenticator = std::function<std::optional<security::Principal>(const QByteArray &token)>;

/// The admin API under /api/v1 and Prometheus text at /metrics, the one interface the studio and
/// scripts (syncline-engine deploy, status, trigger) use. Every route is behind
/// `Authorization: Bearer <token>`: an unknown token answers 401, a role without the route's
/// permission 403; a known path with another method answers 405 with Allow, an unknown path 404,
/// all as RFC 9457 problem documents. Routes are added before the server starts; handle() may
/// then run on several threads at once.
class AdminApi
{
public:
    explicit AdminApi(Authenticator authenticate);

    /// One token (compared in constant time) for an administrator called `userId`: the engine's
    /// bootstrap token.
    static Authenticator singleToken(QByteArray token, QString userId = QStringLiteral("engine"));

    void add(AdminRoute route);
    /// True when the request is the admin API's (by path), whether or not it is allowed.
    static bool handles(const QByteArray &path);
    void handle(const net::ServerRequest &request, const net::Responder &respond) const;

    /// Answers that every route uses the same way.
    static net::ServerResponse problem(int status, const char *code, const QString &detail);

private:
    Authenticator m_authenticate;
    QList<AdminRoute> m_routes;
};

} // namespace syncline::engine::runtime
