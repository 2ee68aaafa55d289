#include "engine/runtime/userroutes.h"

#include "engine/runtime/adminbody.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

namespace {

using security::Permission;

nlohmann::json userJson(const store::UserRecord &user)
{
    return {{"id", user.userId.toStdString()},
            {"displayName", user.displayName.toStdString()},
            {"role", user.role.toStdString()},
            {"disabled", user.disabled()},
            {"createdAt", user.createdAtMs},
            {"updatedAt", user.updatedAtMs},
            {"disabledAt", user.disabledAtMs ? nlohmann::json(*user.disabledAtMs) : nullptr}};
}

nlohmann::json issuedJson(const security::IssuedToken &issued)
{
    return {{"user", userJson(issued.user)},
            {"token", issued.token.toStdString()},
            {"note", "the token is shown this once; the engine keeps only its hash"}};
}

net::ServerResponse jsonAnswer(int status, const nlohmann::json &body)
{
    return net::ServerResponse::json(status, QByteArray::fromStdString(body.dump()));
}

nlohmann::json permissionsOf(security::Role role)
{
    nlohmann::json names = nlohmann::json::array();
    for (Permission permission : security::allPermissions()) {
        if (security::allows(role, permission)) {
            names.push_back(security::permissionName(permission).toStdString());
        }
    }
    return names;
}

QString roleList()
{
    QStringList names;
    for (security::Role role : security::allRoles()) {
        names.append(security::roleName(role));
    }
    return names.join(QStringLiteral(", "));
}

// A role given in a body; answers 422 itself when it is not one.
std::optional<security::Role> roleIn(const nlohmann::json &value, const net::Responder &respond)
{
    const std::optional<security::Role> role =
        value.is_string() ? security::roleFromName(QString::fromStdString(value.get<std::string>()))
                          : std::nullopt;
    if (!role) {
        respond(AdminApi::problem(
            422, "USER_INVALID", QStringLiteral("role must be one of %1").arg(roleList())));
    }
    return role;
}

nlohmann::json meJson(const security::Principal &caller, security::UserDirectory &users)
{
    QString displayName = caller.userId == security::enginePrincipal().userId
                              ? QStringLiteral("Engine (token file)")
                              : caller.userId;
    if (Result<std::optional<store::UserRecord>> user = users.user(caller.userId);
        user && user->has_value()) {
        displayName = (*user)->displayName;
    }
    return {{"id", caller.userId.toStdString()},
            {"displayName", displayName.toStdString()},
            {"role", security::roleName(caller.role).toStdString()},
            {"permissions", permissionsOf(caller.role)}};
}

void listUsers(security::UserDirectory &users, const net::Responder &respond)
{
    Result<QList<store::UserRecord>> all = users.users();
    if (!all) {
        respond(problemFor(all.error()));
        return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const store::UserRecord &user : *all) {
        list.push_back(userJson(user));
    }
    respond(jsonAnswer(200, {{"users", list}}));
}

void createUser(security::UserDirectory &users,
                const AdminCall &call,
                const net::Responder &respond)
{
    const std::optional<nlohmann::json> body = readJsonObject(call, respond);
    if (!body || !onlyKnownMembers(*body, {"id", "displayName", "role"}, respond)) {
        return;
    }
    const nlohmann::json id = body->value("id", nlohmann::json());
    const nlohmann::json name = body->value("displayName", nlohmann::json(""));
    if (!id.is_string() || !name.is_string()) {
        respond(AdminApi::problem(422,
                                  "USER_INVALID",
                                  QStringLiteral("a user needs \"id\" and \"role\" (strings) and "
                                                 "may have a \"displayName\"")));
        return;
    }
    const std::optional<security::Role> role =
        roleIn(body->value("role", nlohmann::json()), respond);
    if (!role) {
        return;
    }
    Result<security::IssuedToken> issued =
        users.create(call.caller,
                     QString::fromStdString(id.get<std::string>()),
                     QString::fromStdString(name.get<std::string>()),
                     *role);
    respond(issued ? jsonAnswer(201, issuedJson(*issued)) : problemFor(issued.error()));
}

void changeUser(security::UserDirectory &users,
                const AdminCall &call,
                const net::Responder &respond)
{
    const std::optional<nlohmann::json> body = readJsonObject(call, respond);
    if (!body || !onlyKnownMembers(*body, {"displayName", "role", "disabled"}, respond)) {
        return;
    }
    security::UserUpdate update;
    if (const auto name = body->find("displayName"); name != body->end()) {
        if (!name->is_string()) {
            respond(AdminApi::problem(
                422, "USER_INVALID", QStringLiteral("displayName must be a string")));
            return;
        }
        update.displayName = QString::fromStdString(name->get<std::string>());
    }
    if (const auto role = body->find("role"); role != body->end()) {
        update.role = roleIn(*role, respond);
        if (!update.role) {
            return;
        }
    }
    if (const auto disabled = body->find("disabled"); disabled != body->end()) {
        if (!disabled->is_boolean()) {
            respond(AdminApi::problem(
                422, "USER_INVALID", QStringLiteral("disabled must be true or false")));
            return;
        }
        update.disabled = disabled->get<bool>();
    }
    Result<store::UserRecord> changed = users.change(call.caller, call.param("id"), update);
    respond(changed ? jsonAnswer(200, {{"user", userJson(*changed)}})
                    : problemFor(changed.error()));
}

void rolesMatrix(const net::Responder &respond)
{
    nlohmann::json roles = nlohmann::json::array();
    for (security::Role role : security::allRoles()) {
        roles.push_back({{"name", security::roleName(role).toStdString()},
                         {"permissions", permissionsOf(role)}});
    }
    nlohmann::json permissions = nlohmann::json::array();
    for (Permission permission : security::allPermissions()) {
        nlohmann::json holders = nlohmann::json::array();
        for (security::Role role : security::allRoles()) {
            if (security::allows(role, permission)) {
                holders.push_back(security::roleName(role).toStdString());
            }
        }
        permissions.push_back(
            {{"name", security::permissionName(permission).toStdString()}, {"roles", holders}});
    }
    respond(jsonAnswer(200, {{"roles", roles}, {"permissions", permissions}}));
}

void logIn(security::UserDirectory &users,
           store::AuditStore &audit,
           const AdminCall &call,
           const net::Responder &respond)
{
    const std::optional<nlohmann::json> body = readJsonObject(call, respond);
    if (!body || !onlyKnownMembers(*body, {"client"}, respond)) {
        return;
    }
    const nlohmann::json client = body->value("client", nlohmann::json("api"));
    if (!client.is_string() || client.get<std::string>().size() > 100) {
        respond(AdminApi::problem(400,
                                  "BAD_REQUEST",
                                  QStringLiteral("client names the program logging in (a short "
                                                 "string such as \"studio\" or \"cli\")")));
        return;
    }
    store::AuditRecord record;
    record.actor = call.caller.userId;
    record.role = security::roleName(call.caller.role);
    record.action = QStringLiteral("login");
    record.objectType = QStringLiteral("session");
    record.objectId = call.caller.userId;
    record.detail = QByteArray::fromStdString(
        nlohmann::json({{"client", client}, {"peer", call.request.peer.toStdString()}}).dump());
    Result<store::AuditEntry> recorded = audit.append(record);
    if (!recorded) {
        respond(problemFor(recorded.error()));
        return;
    }
    nlohmann::json answer = meJson(call.caller, users);
    answer["auditSequence"] = recorded->sequence;
    respond(jsonAnswer(201, answer));
}

} // namespace

QList<AdminRoute> userRoutes(security::UserDirectory &users, store::AuditStore &audit)
{
    return {
        {"GET",
         "/api/v1/users",
         Permission::ManageUsers,
         [&users](const AdminCall &, const net::Responder &respond) { listUsers(users, respond); }},
        {"POST",
         "/api/v1/users",
         Permission::ManageUsers,
         [&users](const AdminCall &call, const net::Responder &respond) {
             createUser(users, call, respond);
         }},
        {"PATCH",
         "/api/v1/users/{id}",
         Permission::ManageUsers,
         [&users](const AdminCall &call, const net::Responder &respond) {
             changeUser(users, call, respond);
         }},
        {"POST",
         "/api/v1/users/{id}/token",
         Permission::ManageUsers,
         [&users](const AdminCall &call, const net::Responder &respond) {
             Result<security::IssuedToken> issued =
                 users.rotateToken(call.caller, call.param("id"));
             respond(issued ? jsonAnswer(200, issuedJson(*issued)) : problemFor(issued.error()));
         }},
        {"GET",
         "/api/v1/roles",
         Permission::ReadOperations,
         [](const AdminCall &, const net::Responder &respond) { rolesMatrix(respond); }},
        {"GET",
         "/api/v1/me",
         Permission::ReadOperations,
         [&users](const AdminCall &call, const net::Responder &respond) {
             respond(jsonAnswer(200, meJson(call.caller, users)));
         }},
        {"POST",
         "/api/v1/sessions",
         Permission::ReadOperations,
         [&users, &audit](const AdminCall &call, const net::Responder &respond) {
             logIn(users, audit, call, respond);
         }},
    };
}

} // namespace syncline::engine::runtime
