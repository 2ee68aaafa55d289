#include "engine/runtime/adminbody.h"

#include "engine/json/intake.h"

namespace syncline::engine::runtime {

std::optional<nlohmann::json> readJsonObject(const AdminCall &call, const net::Responder &respond)
{
    if (call.request.body.trimmed().isEmpty()) {
        return nlohmann::json::object();
    }
    json::IntakeLimits limits;
    limits.maxBytes = call.request.body.size() + 1; // the server already capped the size
    const json::IntakeResult body = json::JsonIntake::parse(call.request.body, limits);
    if (!body.ok()) {
        respond(AdminApi::problem(
            400,
            "BAD_JSON",
            QStringLiteral("the body is not JSON: %1").arg(body.refusal().toError().message)));
        return std::nullopt;
    }
    if (!body.value().isObject()) {
        respond(
            AdminApi::problem(400, "BAD_JSON", QStringLiteral("the body must be a JSON object")));
        return std::nullopt;
    }
    return json::toNlohmann(body.value());
}

bool onlyKnownMembers(const nlohmann::json &body,
                      std::initializer_list<const char *> known,
                      const net::Responder &respond)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        const bool listed = std::any_of(
            known.begin(), known.end(), [&](const char *name) { return it.key() == name; });
        if (!listed) {
            QStringList names;
            for (const char *name : known) {
                names.append(QString::fromLatin1(name));
            }
            respond(AdminApi::problem(
                400,
                "BAD_REQUEST",
                QStringLiteral("\"%1\" is not known here; expected %2")
                    .arg(QString::fromStdString(it.key()), names.join(QStringLiteral(", ")))));
            return false;
        }
    }
    return true;
}

net::ServerResponse problemFor(const Error &error)
{
    const QByteArray code = error.code.toUtf8();
    if (error.code.endsWith(QLatin1String("_NOT_FOUND"))) {
        return AdminApi::problem(404, code.constData(), error.message);
    }
    if (error.code.endsWith(QLatin1String("_EXISTS"))) {
        return AdminApi::problem(409, code.constData(), error.message);
    }
    if (error.code.endsWith(QLatin1String("_INVALID"))) {
        return AdminApi::problem(422, code.constData(), error.message);
    }
    return AdminApi::problem(500, code.constData(), error.message);
}

} // namespace syncline::engine::runtime
