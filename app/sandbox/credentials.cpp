#include "app/sandbox/credentials.h"

#include <QFile>

#include <nlohmann/json.hpp>

namespace syncline::sandbox {

Credentials::Credentials()
    : m_values{
        {QStringLiteral("crm/oauth-client-secret"), "sandbox-crm-client-secret"},
        {QStringLiteral("billing/api-key"), "sk_test_sandbox"},
        {QStringLiteral("support/api-token"), "sandbox-support-token"},
        {QStringLiteral("erp/oauth-client-secret"), "sandbox-erp-client-secret"},
        {QStringLiteral("usage/api-key"), "sandbox-usage-key"},
        {QStringLiteral("dataPlatform/token"), "sandbox-data-token"},
        {QStringLiteral("billing/webhook-signing"), "whsec_sandbox_billing"},
        {QStringLiteral("crm/webhook-signing"), "sandbox-crm-webhook-secret"},
        {QStringLiteral("support/webhook-signing"), "sandbox-support-webhook-secret"},
        {QStringLiteral("usage/webhook-signing"), "sandbox-usage-webhook-secret"},
    }
{}

engine::Result<void> Credentials::load(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return engine::Error::make(QStringLiteral("SANDBOX_SECRETS"),
                                   QStringLiteral("cannot read %1: %2").arg(path,
                                                                            file.errorString()));
    }
    const nlohmann::json document = nlohmann::json::parse(file.readAll().toStdString(), nullptr,
                                                          false);
    if (!document.is_object()) {
        return engine::Error::make(QStringLiteral("SANDBOX_SECRETS"),
                                   QStringLiteral("%1 is not a JSON object of names and secret "
                                                  "texts")
                                       .arg(path));
    }
    for (const auto &[name, value] : document.items()) {
        if (!value.is_string()) {
            return engine::Error::make(QStringLiteral("SANDBOX_SECRETS"),
                                       QStringLiteral("%1: \"%2\" is not a text")
                                           .arg(path, QString::fromStdString(name)));
        }
        QString key = QString::fromStdString(name);
        if (key.startsWith(QLatin1String("secret:"))) {
            key = key.mid(7);
        }
        m_values.insert(key, QByteArray::fromStdString(value.get<std::string>()));
    }
    return {};
}

QByteArray Credentials::value(const QString &name) const
{
    return m_values.value(name);
}

} // namespace syncline::sandbox
