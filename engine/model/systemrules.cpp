#include "rules.h"

#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"
#include "engine/model/shape.h"
#include "engine/model/workspace.h"

#include <QRegularExpression>
#include <QUrl>

namespace syncline::engine::model {

namespace {

using namespace shapes;

QString checkUrl(const nlohmann::json &value)
{
    const QUrl url(QString::fromStdString(value.get<std::string>()), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        return QStringLiteral("must be an http or https URL with a host");
    }
    if (!url.userInfo().isEmpty()) {
        return QStringLiteral("must not carry a user name or password; use \"auth\"");
    }
    return {};
}

QString checkSecretRef(const nlohmann::json &value)
{
    static const QRegularExpression pattern(QStringLiteral("^secret:[A-Za-z0-9][A-Za-z0-9._/-]*$"));
    return pattern.match(QString::fromStdString(value.get<std::string>())).hasMatch()
               ? QString()
               : QStringLiteral("must be a secret reference such as \"secret:crm/api-key\", "
                                "never the secret itself");
}

QString checkCurrency(const nlohmann::json &value)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Z]{3}$"));
    return pattern.match(QString::fromStdString(value.get<std::string>())).hasMatch()
               ? QString()
               : QStringLiteral("must be an ISO 4217 currency code such as \"USD\"");
}

const Shape &workspaceShape()
{
    static const ShapePtr shape = object({
        required("formatVersion", integer(1, 1000000)),
        required("name", nonEmptyText()),
        optional("description", text()),
        optional("defaults",
                 object({
                     optional("currency", text(checkCurrency)),
                     optional("timezone", nonEmptyText()),
                     optional("timeoutMs", integer(1, 3600000)),
                     optional("retry", object({
                                           optional("maxAttempts", integer(1, 1000)),
                                           optional("initialDelayMs", integer(0, 86400000)),
                                           optional("factor", number(1, 10)),
                                           optional("maxDelayMs", integer(0, 86400000)),
                                       })),
                 })),
    });
    return *shape;
}

const Shape &systemShape()
{
    static const ShapePtr shape = object({
        required("id", identifier()),
        required("name", nonEmptyText()),
        optional("description", text()),
        required("family", oneOf({"crm", "billing", "support", "erp", "usage", "dataPlatform"})),
        optional("vendor", nonEmptyText()),
        required("baseUrl", text(checkUrl)),
        required("auth", object({
                             required("type", oneOf({"none", "apiKey", "basic", "bearer",
                                                     "oauth2ClientCredentials"})),
                             optional("secretRef", text(checkSecretRef)),
                             optional("header", nonEmptyText()),
                             optional("username", nonEmptyText()),
                             optional("clientId", nonEmptyText()),
                             optional("tokenUrl", text(checkUrl)),
                             optional("scopes", arrayOf(nonEmptyText())),
                         })),
        optional("idempotency", object({
                                    required("supported", boolean()),
                                    optional("header", nonEmptyText()),
                                })),
        optional("rateLimit", object({
                                  required("requestsPerSecond", number(0.001, 1000000)),
                                  optional("burst", integer(1, 1000000)),
                              })),
        optional("timeoutMs", integer(1, 3600000)),
        optional("webhooks", object({
                                 required("signature", oneOf({"none", "hmacSha256", "stripe"})),
                                 optional("secretRef", text(checkSecretRef)),
                                 optional("header", nonEmptyText()),
                                 optional("toleranceSeconds", integer(1, 86400)),
                             })),
    });
    return *shape;
}

std::string stringAt(const nlohmann::json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void requireKey(ProblemSink &sink, const nlohmann::json &object, const QString &pointer,
                const char *key, const QString &why)
{
    if (!object.contains(key)) {
        sink.add(pointer, kProblemMissingField,
                 QStringLiteral("the key \"%1\" is required %2").arg(QLatin1String(key), why));
    }
}

void checkAuth(ProblemSink &sink, const nlohmann::json &auth)
{
    if (!auth.is_object()) {
        return;
    }
    const std::string type = stringAt(auth, "type");
    const QString pointer = QStringLiteral("/auth");
    const QString because = QStringLiteral("for auth type \"%1\"").arg(QString::fromStdString(type));
    if (!type.empty() && type != "none") {
        requireKey(sink, auth, pointer, "secretRef", because);
    }
    if (type == "apiKey") {
        requireKey(sink, auth, pointer, "header", because);
    } else if (type == "basic") {
        requireKey(sink, auth, pointer, "username", because);
    } else if (type == "oauth2ClientCredentials") {
        requireKey(sink, auth, pointer, "tokenUrl", because);
        requireKey(sink, auth, pointer, "clientId", because);
    }
}

} // namespace

void checkWorkspaceDocument(ProblemSink &sink, const nlohmann::json &document)
{
    checkShape(sink, document, workspaceShape(), QString());
    if (!document.is_object()) {
        return;
    }
    const auto version = document.find("formatVersion");
    if (version != document.end() && version->is_number_integer()
        && version->get<qint64>() != Workspace::kFormatVersion) {
        sink.add(QStringLiteral("/formatVersion"), kProblemUnsupportedVersion,
                 QStringLiteral("this workspace uses format version %1; this Syncline reads "
                                "version %2")
                     .arg(version->get<qint64>())
                     .arg(Workspace::kFormatVersion));
    }
}

void checkSystem(ProblemSink &sink, const nlohmann::json &document)
{
    checkShape(sink, document, systemShape(), QString());
    if (!document.is_object()) {
        return;
    }
    if (const auto auth = document.find("auth"); auth != document.end()) {
        checkAuth(sink, *auth);
    }
    if (const auto hooks = document.find("webhooks"); hooks != document.end() && hooks->is_object()) {
        const std::string signature = stringAt(*hooks, "signature");
        if (!signature.empty() && signature != "none") {
            requireKey(sink, *hooks, QStringLiteral("/webhooks"), "secretRef",
                       QStringLiteral("to verify signed webhooks"));
        }
    }
}

} // namespace syncline::engine::model
