#pragma once

#include "engine/core/result.h"
#include "engine/security/secretsources.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>
#include <mutex>

namespace syncline::engine::security {

/// The headless engine's owner-only secrets file (`syncline-engine run --secrets FILE`): read at
/// start, changed through the admin API. The file is a JSON object of reference → value
/// (fileSecrets). Values live in memory and in that file only; nothing here puts a value in a
/// message, log or error. Thread-safe.
class SecretsFile : public std::enable_shared_from_this<SecretsFile>
{
public:
    /// Reads `path` when it exists (refused, SECRETS_FILE, unless only its owner may read and
    /// write it); a missing file is created, mode 0600, by the first set().
    static Result<std::shared_ptr<SecretsFile>> open(const QString &path);

    QString path() const { return m_path; }
    /// Always answers with the current values (a value set later is seen at once); keeps the
    /// file object alive.
    SecretLookup lookup() const;
    QStringList references() const;
    bool contains(const QString &reference) const;

    /// Adds or replaces the value of `reference` ("secret:erp/api-key") and rewrites the file
    /// atomically: a new file, mode 0600, written and flushed to disk, then renamed over the old
    /// one. Refused (SECRETS_FILE) when the file on disk is no longer owner-only; SECRET_INVALID
    /// for a malformed reference or an empty value.
    Result<void> set(const QString &reference, const QByteArray &value);

    /// "secret:" followed by letters, digits and . _ - / (what system documents refer to).
    static bool validReference(const QString &reference);

private:
    explicit SecretsFile(QString path);
    Result<void> write(const QHash<QString, QByteArray> &values) const;

    QString m_path;
    mutable std::mutex m_mutex;
    QHash<QString, QByteArray> m_values;
};

} // namespace syncline::engine::security
