#include "schemaset.h"

#include "engine/json/intake.h"

#include <QDir>
#include <QDirIterator>

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

Result<void> SchemaSet::addFolder(const QString &folder, const QString &baseUri, FolderScan scan)
{
    const QDir root(folder);
    if (!root.exists()) {
        return Error::make(QStringLiteral("SCHEMA_FILE"),
                           QStringLiteral("schema folder %1 does not exist").arg(folder));
    }
    QDirIterator it(folder, {QStringLiteral("*.json")}, QDir::Files,
                    scan == FolderScan::Recursive ? QDirIterator::Subdirectories
                                                  : QDirIterator::NoIteratorFlags);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString uri = baseUri + root.relativeFilePath(path);
        const auto read = json::JsonIntake::readFile(path);
        if (!read.ok()) {
            m_problems.insert(uri, read.error().message);
        } else if (!read->ok()) {
            m_problems.insert(uri, QStringLiteral("%1: %2").arg(path, read->refusal().describe()));
        } else {
            add(uri, read->value());
        }
    }
    return {};
}

QString SchemaSet::problem(const QString &uri) const
{
    return m_problems.value(withoutFragment(uri));
}

const json::Value *SchemaSet::find(const QString &uri) const
{
    const auto it = m_documents.constFind(withoutFragment(uri));
    return it == m_documents.constEnd() ? nullptr : &it.value();
}

} // namespace syncline::engine::schema
