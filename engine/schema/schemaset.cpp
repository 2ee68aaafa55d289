#include "schemaset.h"

#include "engine/json/intake.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>

namespace syncline::engine::schema {

namespace {

QString withoutFragment(const QString &uri)
{
    const qsizetype hash = uri.indexOf(u'#');
    return hash < 0 ? uri : uri.left(hash);
}

} // namespace

void SchemaSet::add(const QString &uri, const json::Value &document)
{
    m_documents.insert(withoutFragment(uri), document);
    const json::Value id = document.get("$id");
    if (id.isString()) {
        const QString ownId = withoutFragment(id.toQString());
        if (!ownId.isEmpty() && ownId != withoutFragment(uri)) {
            m_documents.insert(ownId, document);
        }
    }
}

Result<void> SchemaSet::addFolder(const QString &folder, const QString &baseUri)
{
    const QDir root(folder);
    if (!root.exists()) {
        return Error::make(QStringLiteral("SCHEMA_FILE"),
                           QStringLiteral("schema folder %1 does not exist").arg(folder));
    }
    QDirIterator it(folder, {QStringLiteral("*.json")}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            return Error::make(QStringLiteral("SCHEMA_FILE"),
                               QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        }
        const json::IntakeResult parsed = json::JsonIntake::parse(file.readAll());
        if (!parsed.ok()) {
            return Error::make(QStringLiteral("SCHEMA_FILE"),
                               QStringLiteral("%1: %2").arg(path, parsed.refusal().describe()));
        }
        add(baseUri + root.relativeFilePath(path), parsed.value());
    }
    return {};
}

const json::Value *SchemaSet::find(const QString &uri) const
{
    const auto it = m_documents.constFind(withoutFragment(uri));
    return it == m_documents.constEnd() ? nullptr : &it.value();
}

} // namespace syncline::engine::schema
