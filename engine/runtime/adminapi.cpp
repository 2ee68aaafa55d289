#include "engine/runtime/adminapi.h"

#include "engine/net/signature.h"

#include <optional>

namespace syncline::engine::runtime {

namespace {

QString titleFor(int status)
{
    switch (status) {
    case 400:
        return QStringLiteral("Bad request");
    case 401:
        return QStringLiteral("Unauthorized");
    case 403:
        return QStringLiteral("Forbidden");
    case 404:
        return QStringLiteral("Not found");
    case 405:
        return QStringLiteral("Method not allowed");
    case 409:
        return QStringLiteral("Conflict");
    case 413:
        return QStringLiteral("Content too large");
    case 422:
        return QStringLiteral("Unprocessable content");
    case 503:
        return QStringLiteral("Service unavailable");
    default:
        return status >= 500 ? QStringLiteral("Server error") : QStringLiteral("Refused");
    }
}

// The path parameters when `path` matches `pattern`.
std::optional<QHash<QByteArray, QByteArray>> match(const QByteArray &pattern,
                                                   const QByteArray &path)
{
    const QList<QByteArray> want = pattern.split('/');
    const QList<QByteArray> have = path.split('/');
    if (want.size() != have.size()) {
        return std::nullopt;
    }
    QHash<QByteArray, QByteArray> params;
    for (qsizetype i = 0; i < want.size(); ++i) {
        const QByteArray &segment = want[i];
        if (segment.startsWith('{') && segment.endsWith('}')) {
            if (have[i].isEmpty()) {
                return std::nullopt;
            }
            params.insert(segment.mid(1, segment.size() - 2),
                          QByteArray::fromPercentEncoding(have[i]));
        } else if (segment != have[i]) {
            return std::nullopt;
        }
    }
    return params;
}

} // namespace

AdminApi::AdminApi(Authenticator authenticate)
    : m_authenticate(std::move(authenticate))
{
}

Authenticator AdminApi::singleToken(QByteArray token, QString userId)
{
    return [token = std::move(token), userId = std::move(userId)](
               const QByteArray &given) -> std::optional<security::Principal> {
        if (!net::constantTimeEquals(given, token)) {
            return std::nullopt;
        }
        return security::Principal{userId, security::Role::Admin};
    };
}

void AdminApi::add(AdminRoute route)
{
    m_routes.append(std::move(route));
}

bool AdminApi::handles(const QByteArray &path)
{
    return path.startsWith("/api/") || path == "/metrics";
}

net::ServerResponse AdminApi::problem(int status, const char *code, const QString &detail)
{
    const QString slug = titleFor(status).toLower().replace(u' ', u'-');
    return net::ServerResponse::problem(status,
                                        QStringLiteral("urn:syncline:problem:") + slug,
                                        titleFor(status),
                                        detail,
                                        QByteArray(R"({"code":")") + code + "\"}");
}

void AdminApi::handle(const net::ServerRequest &request, const net::Responder &respond) const
{
    const QByteArray authorization = request.header("authorization");
    const QByteArray given =
        authorization.startsWith("Bearer ") ? authorization.mid(7).trimmed() : QByteArray();
    const std::optional<security::Principal> caller =
        given.isEmpty() ? std::nullopt : m_authenticate(given);
    if (!caller) {
        net::ServerResponse denied =
            problem(401,
                    "UNAUTHORIZED",
                    QStringLiteral("the admin API needs Authorization: Bearer <token>"));
        denied.headers.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
        respond(denied);
        return;
    }
    QByteArrayList allowed;
    for (const AdminRoute &route : m_routes) {
        std::optional<QHash<QByteArray, QByteArray>> params = match(route.pattern, request.path);
        if (!params) {
            continue;
        }
        if (route.method != request.method) {
            allowed.append(route.method);
            continue;
        }
        if (!security::allows(caller->role, route.permission)) {
            respond(problem(403,
                            "FORBIDDEN",
                            QStringLiteral("%1 (role %2) may not %3")
                                .arg(caller->userId,
                                     security::roleName(caller->role),
                                     security::permissionName(route.permission))));
            return;
        }
        route.handle(AdminCall{request, std::move(*params), *caller}, respond);
        return;
    }
    if (!allowed.isEmpty()) {
        net::ServerResponse refused = problem(
            405,
            "METHOD_NOT_ALLOWED",
            QStringLiteral("%1 takes %2")
                .arg(QString::fromUtf8(request.path), QString::fromUtf8(allowed.join(", "))));
        refused.headers.append(qMakePair(QByteArray("Allow"), allowed.join(", ")));
        respond(refused);
        return;
    }
    respond(problem(404,
                    "NOT_FOUND",
                    QStringLiteral("%1 is not part of the admin API (try /api/v1/health)")
                        .arg(QString::fromUtf8(request.path))));
}

} // namespace syncline::engine::runtime
