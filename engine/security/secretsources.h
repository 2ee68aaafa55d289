#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <functional>
#include <optional>

namespace syncline::engine::security {

/// Where the headless engine finds the values behind secret references ("secret:erp/api-key").
/// The workspace holds references only; values never reach the workspace, the store, logs or
/// error messages (messages name the reference).
using SecretLookup = std::function<std::optional<QByteArray>(const QString &reference)>;

/// The environment: "secret:erp/api-key" is read from SYNCLINE_SECRET_ERP_API_KEY (upper case,
/// every character other than a letter or digit becomes '_').
SecretLookup environmentSecrets();
QString environmentVariableFor(const QString &reference);

/// A JSON file {"secret:erp/api-key": "value", ...}. Refused (SECRETS_FILE) when anyone but its
/// owner may read or write it, or when it is not such an object; the error names the file and
/// what to do, never a value.
Result<SecretLookup> fileSecrets(const QString &path);

/// Tries each lookup in turn.
SecretLookup firstOf(QList<SecretLookup> lookups);

} // namespace syncline::engine::security
