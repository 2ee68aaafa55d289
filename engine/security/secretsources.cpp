#include "engine/security/secretsources.h"

#include "engine/json/intake.h"

#include <QFile>
#include <QFileInfo>

#include <sys/stat.h>

namespace syncline::engine::security {

QString environmentVariableFor(const QString &reference)
{
    QString name = reference.startsWith(QLatin1String("secret:")) ? reference.mid(7) : reference;
    for (QChar &c : name) {
        c = c.isLetterOrNumber() && c.unicode() < 128 ? c.toUpper() : QChar(u'_');
    }
    return QStringLiteral("SYNCLINE_SECRET_") + name;
}

SecretLookup environmentSecrets()
{
    return [](const QString &reference) -> std::optional<QByteArray> {
        if (reference.isEmpty()) {
            return std::nullopt;
        }
        const QByteArray name = environmentVariableFor(reference).toLatin1();
        if (!qEnvironmentVariableIsSet(name.constData())) {
            return std::nullopt;
        }
        return qgetenv(name.constData());
    };
}

Result<SecretLookup> fileSecrets(const QString &path)
{
    const auto refuse = [&](const QString &why) {
        return Error::make(QStringLiteral("SECRETS_FILE"),
                           QStringLiteral("secrets file %1: %2").arg(path, why));
    };
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0) {
        return refuse(QStringLiteral("cannot be read"));
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return refuse(QStringLiteral("others may read or change it; run chmod 600 on it"));
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return refuse(file.errorString());
    }
    const json::IntakeResult read = json::JsonIntake::parse(file.readAll());
    if (!read.ok()) {
        return refuse(read.refusal().describe());
    }
    if (!read.value().isObject()) {
        return refuse(QStringLiteral("must be a JSON object of reference → value"));
    }
    QHash<QString, QByteArray> values;
    for (const json::Member &member : read.value().members()) {
        if (!member.value.isString()) {
            return refuse(QStringLiteral("the value of %1 must be a string")
                              .arg(QString::fromUtf8(member.key.view().data(),
                                                     qsizetype(member.key.view().size()))));
        }
        const std::string_view key = member.key.view();
        const std::string_view value = member.value.toStringView();
        values.insert(QString::fromUtf8(key.data(), qsizetype(key.size())),
                      QByteArray(value.data(), qsizetype(value.size())));
    }
    return SecretLookup([values](const QString &reference) -> std::optional<QByteArray> {
        const auto found = values.constFind(reference);
        if (found == values.cend()) {
            return std::nullopt;
        }
        return *found;
    });
}

SecretLookup firstOf(QList<SecretLookup> lookups)
{
    return [lookups](const QString &reference) -> std::optional<QByteArray> {
        for (const SecretLookup &lookup : lookups) {
            if (auto value = lookup(reference)) {
                return value;
            }
        }
        return std::nullopt;
    };
}

} // namespace syncline::engine::security
