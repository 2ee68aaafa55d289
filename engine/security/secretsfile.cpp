#include "engine/security/secretsfile.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>

#include <nlohmann/json.hpp>

#include <sys/stat.h>

namespace syncline::engine::security {

namespace {

Error refuse(const QString &path, const QString &why)
{
    return Error::make(QStringLiteral("SECRETS_FILE"),
                       QStringLiteral("secrets file %1: %2").arg(path, why));
}

} // namespace

SecretsFile::SecretsFile(QString path)
    : m_path(std::move(path))
{
}

bool SecretsFile::validReference(const QString &reference)
{
    static const QRegularExpression pattern(QStringLiteral("^secret:[A-Za-z0-9._/-]{1,200}$"));
    return pattern.match(reference).hasMatch();
}

Result<std::shared_ptr<SecretsFile>> SecretsFile::open(const QString &path)
{
    std::shared_ptr<SecretsFile> file(new SecretsFile(path));
    if (!QFileInfo::exists(path)) {
        return file;
    }
    Result<SecretLookup> read = fileSecrets(path);
    if (!read) {
        return read.error();
    }
    // fileSecrets answers lookups; the references themselves are read here once more.
    QFile raw(path);
    if (!raw.open(QIODevice::ReadOnly)) {
        return refuse(path, raw.errorString());
    }
    try {
        const nlohmann::json document = nlohmann::json::parse(raw.readAll().toStdString());
        for (auto it = document.begin(); it != document.end(); ++it) {
            const QString reference = QString::fromStdString(it.key());
            if (const std::optional<QByteArray> value = (*read)(reference)) {
                file->m_values.insert(reference, *value);
            }
        }
    } catch (const nlohmann::json::exception &) {
        return refuse(path, QStringLiteral("is not a JSON object of reference → value"));
    }
    return file;
}

SecretLookup SecretsFile::lookup() const
{
    return [self = shared_from_this()](const QString &reference) -> std::optional<QByteArray> {
        std::lock_guard lock(self->m_mutex);
        const auto found = self->m_values.constFind(reference);
        if (found == self->m_values.cend()) {
            return std::nullopt;
        }
        return *found;
    };
}

QStringList SecretsFile::references() const
{
    std::lock_guard lock(m_mutex);
    QStringList names = m_values.keys();
    names.sort();
    return names;
}

bool SecretsFile::contains(const QString &reference) const
{
    std::lock_guard lock(m_mutex);
    return m_values.contains(reference);
}

Result<void> SecretsFile::set(const QString &reference, const QByteArray &value)
{
    if (!validReference(reference)) {
        return Error::make(QStringLiteral("SECRET_INVALID"),
                           QStringLiteral("a secret reference is \"secret:\" and a name of "
                                          "letters, digits, '.', '_', '-' or '/' (e.g. "
                                          "secret:erp/api-key)"));
    }
    if (value.isEmpty()) {
        return Error::make(QStringLiteral("SECRET_INVALID"),
                           QStringLiteral("the value of %1 is empty").arg(reference));
    }
    std::lock_guard lock(m_mutex);
    QHash<QString, QByteArray> values = m_values;
    values.insert(reference, value);
    if (Result<void> written = write(values); !written) {
        return written;
    }
    m_values = std::move(values);
    return {};
}

Result<void> SecretsFile::write(const QHash<QString, QByteArray> &values) const
{
    struct stat info
    {
    };
    if (::stat(QFile::encodeName(m_path).constData(), &info) == 0 &&
        (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return refuse(m_path,
                      QStringLiteral("others may read or change it; run chmod 600 on it "
                                     "before secrets are written to it"));
    }
    nlohmann::json document = nlohmann::json::object();
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        document[it.key().toStdString()] = it.value().toStdString();
    }
    const std::string text =
        document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
    // QSaveFile writes a temporary file beside the target, flushes it and renames it over the
    // target, so a reader sees the old file or the new one, never half of one. Its permissions
    // are set before the first byte is written.
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        return refuse(m_path, QStringLiteral("cannot be written: %1").arg(file.errorString()));
    }
    if (file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit()) {
        return refuse(m_path, QStringLiteral("cannot be written: %1").arg(file.errorString()));
    }
    return {};
}

} // namespace syncline::engine::security
