#include "engine/runtime/secretroutes.h"

#include "engine/runtime/adminbody.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

namespace {

void listSecrets(const security::SecretCatalog &secrets, const net::Responder &respond)
{
    nlohmann::json list = nlohmann::json::array();
    for (const security::SecretSource &source : secrets.sources()) {
        nlohmann::json usedBy = nlohmann::json::array();
        for (const QString &user : source.usedBy) {
            usedBy.push_back(user.toStdString());
        }
        list.push_back({{"reference", source.reference.toStdString()},
                        {"source", source.source.toStdString()},
                        {"variable", source.variable.toStdString()},
                        {"usedBy", usedBy}});
    }
    const std::shared_ptr<security::SecretsFile> file = secrets.file();
    const nlohmann::json answer = {
        {"file", file ? nlohmann::json(file->path().toStdString()) : nlohmann::json(nullptr)},
        {"secrets", list}};
    respond(net::ServerResponse::json(200, QByteArray::fromStdString(answer.dump())));
}

void setSecret(security::SecretCatalog &secrets,
               store::AuditStore &audit,
               const AdminCall &call,
               const net::Responder &respond)
{
    const std::shared_ptr<security::SecretsFile> file = secrets.file();
    if (!file) {
        respond(AdminApi::problem(409,
                                  "NO_SECRETS_FILE",
                                  QStringLiteral("this engine runs without a secrets file; start "
                                                 "it with --secrets FILE to manage secrets here")));
        return;
    }
    const std::optional<nlohmann::json> body = readJsonObject(call, respond);
    if (!body || !onlyKnownMembers(*body, {"reference", "value"}, respond)) {
        return;
    }
    const nlohmann::json reference = body->value("reference", nlohmann::json());
    const nlohmann::json value = body->value("value", nlohmann::json());
    if (!reference.is_string() || !value.is_string()) {
        respond(AdminApi::problem(422,
                                  "SECRET_INVALID",
                                  QStringLiteral("give \"reference\" (secret:name) and \"value\" "
                                                 "as strings")));
        return;
    }
    const QString name = QString::fromStdString(reference.get<std::string>());
    if (!security::SecretsFile::validReference(name)) {
        respond(AdminApi::problem(422,
                                  "SECRET_INVALID",
                                  QStringLiteral("a secret reference is \"secret:\" and a name of "
                                                 "letters, digits, '.', '_', '-' or '/'")));
        return;
    }
    const bool rotated = file->contains(name);
    store::AuditRecord record;
    record.actor = call.caller.userId;
    record.role = security::roleName(call.caller.role);
    record.action = rotated ? QStringLiteral("secret.rotate") : QStringLiteral("secret.set");
    record.objectType = QStringLiteral("secret");
    record.objectId = name;
    record.detail = QByteArray::fromStdString(
        nlohmann::json({{"source", "file"}, {"file", file->path().toStdString()}}).dump());
    const QByteArray secret = QByteArray::fromStdString(value.get<std::string>());
    Result<store::AuditEntry> recorded =
        audit.append(record, [&]() -> Result<void> { return file->set(name, secret); });
    if (!recorded) {
        const bool refused = recorded.error().code == QLatin1String("SECRETS_FILE");
        respond(refused ? AdminApi::problem(409, "SECRETS_FILE", recorded.error().message)
                        : problemFor(recorded.error()));
        return;
    }
    const nlohmann::json answer = {
        {"reference", name.toStdString()},
        {"source", "file"},
        {"rotated", rotated},
        {"note", "saved; deployed flows use the new value once the engine restarts"}};
    respond(net::ServerResponse::json(200, QByteArray::fromStdString(answer.dump())));
}

} // namespace

QList<AdminRoute> secretRoutes(security::SecretCatalog &secrets, store::AuditStore &audit)
{
    return {
        {"GET",
         "/api/v1/secrets",
         security::Permission::ManageSecrets,
         [&secrets](const AdminCall &, const net::Responder &respond) {
             listSecrets(secrets, respond);
         }},
        {"POST",
         "/api/v1/secrets",
         security::Permission::ManageSecrets,
         [&secrets, &audit](const AdminCall &call, const net::Responder &respond) {
             setSecret(secrets, audit, call, respond);
         }},
    };
}

} // namespace syncline::engine::runtime
