#pragma once

#include "engine/model/workspace.h"
#include "engine/security/secretsfile.h"
#include "engine/security/secretsources.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>
#include <mutex>

namespace syncline::engine::security {

/// One secret reference and where its value comes from (never the value).
struct SecretSource
{
    QString reference;  // "secret:erp/api-key"
    QString source;     // "file", "environment", "provided" (by the program running the
                        // engine, e.g. the studio's keychain) or "missing"
    QString variable;   // the environment variable that would hold it
    QStringList usedBy; // "system erp", "flow invoices" — empty when nothing refers to it
};

/// The engine's secrets: the owner-only file (optional), then whatever the program running the
/// engine provides (the environment for `syncline-engine run`, the keychain for the studio),
/// and the references the deployed workspace makes. Thread-safe.
class SecretCatalog
{
public:
    SecretCatalog(std::shared_ptr<SecretsFile> file, SecretLookup provided);

    /// Learns which references the deployed workspace makes (any string "secret:..." in it).
    void setWorkspace(const model::Workspace &workspace);
    /// The file first, then the provided lookup.
    SecretLookup lookup() const;
    /// Every reference the workspace makes or the file holds, by reference.
    QList<SecretSource> sources() const;
    /// Null when the engine runs without a secrets file.
    std::shared_ptr<SecretsFile> file() const { return m_file; }

private:
    std::shared_ptr<SecretsFile> m_file;
    SecretLookup m_provided;
    mutable std::mutex m_mutex;
    QMap<QString, QStringList> m_usedBy;
};

} // namespace syncline::engine::security
