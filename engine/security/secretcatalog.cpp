#include "engine/security/secretcatalog.h"

#include "engine/model/objectkind.h"

namespace syncline::engine::security {

namespace {

void collectReferences(const nlohmann::json &node,
                       const QString &user,
                       QMap<QString, QStringList> &usedBy)
{
    if (node.is_string()) {
        const std::string &text = node.get_ref<const std::string &>();
        if (text.rfind("secret:", 0) == 0) {
            QStringList &users = usedBy[QString::fromStdString(text)];
            if (!users.contains(user)) {
                users.append(user);
            }
        }
        return;
    }
    if (node.is_structured()) {
        for (const nlohmann::json &child : node) {
            collectReferences(child, user, usedBy);
        }
    }
}

} // namespace

SecretCatalog::SecretCatalog(std::shared_ptr<SecretsFile> file, SecretLookup provided)
    : m_file(std::move(file))
    , m_provided(std::move(provided))
{
}

void SecretCatalog::setWorkspace(const model::Workspace &workspace)
{
    QMap<QString, QStringList> usedBy;
    for (const model::WorkspaceObject &object : workspace.allObjects()) {
        const QString user = model::kindKey(object.kind) + u' ' + object.id;
        collectReferences(object.document, user, usedBy);
    }
    std::lock_guard lock(m_mutex);
    m_usedBy = std::move(usedBy);
}

SecretLookup SecretCatalog::lookup() const
{
    QList<SecretLookup> lookups;
    if (m_file) {
        lookups.append(m_file->lookup());
    }
    if (m_provided) {
        lookups.append(m_provided);
    }
    return firstOf(lookups);
}

QList<SecretSource> SecretCatalog::sources() const
{
    QMap<QString, QStringList> usedBy;
    {
        std::lock_guard lock(m_mutex);
        usedBy = m_usedBy;
    }
    if (m_file) {
        for (const QString &reference : m_file->references()) {
            usedBy[reference]; // listed even when nothing refers to it
        }
    }
    QList<SecretSource> sources;
    for (auto it = usedBy.cbegin(); it != usedBy.cend(); ++it) {
        SecretSource source{
            it.key(), QStringLiteral("missing"), environmentVariableFor(it.key()), it.value()};
        if (m_file && m_file->contains(it.key())) {
            source.source = QStringLiteral("file");
        } else if (qEnvironmentVariableIsSet(source.variable.toLatin1().constData())) {
            source.source = QStringLiteral("environment");
        } else if (m_provided && m_provided(it.key())) {
            source.source = QStringLiteral("provided");
        }
        sources.append(source);
    }
    return sources;
}

} // namespace syncline::engine::security
