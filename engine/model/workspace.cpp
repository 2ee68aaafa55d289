#include "workspace.h"

namespace syncline::engine::model {

QString Workspace::workspaceFileName()
{
    return QStringLiteral("syncline.workspace.json");
}

QString Workspace::name() const
{
    const auto it = m_document.find("name");
    if (it == m_document.end() || !it->is_string()) {
        return {};
    }
    return QString::fromStdString(it->get<std::string>());
}

QString Workspace::description() const
{
    const auto it = m_document.find("description");
    if (it == m_document.end() || !it->is_string()) {
        return {};
    }
    return QString::fromStdString(it->get<std::string>());
}

QList<WorkspaceObject> Workspace::objects(ObjectKind kind) const
{
    QList<WorkspaceObject> list;
    const ObjectMap &map = m_objects[index(kind)];
    list.reserve(qsizetype(map.size()));
    for (const auto &[id, object] : map) {
        list.append(object);
    }
    return list;
}

QList<WorkspaceObject> Workspace::allObjects() const
{
    QList<WorkspaceObject> list;
    for (ObjectKind kind : kAllObjectKinds) {
        list += objects(kind);
    }
    return list;
}

QStringList Workspace::ids(ObjectKind kind) const
{
    QStringList list;
    for (const auto &[id, object] : m_objects[index(kind)]) {
        list.append(id);
    }
    return list;
}

const WorkspaceObject *Workspace::find(ObjectKind kind, const QString &id) const
{
    const ObjectMap &map = m_objects[index(kind)];
    const auto it = map.find(id);
    return it == map.end() ? nullptr : &it->second;
}

qsizetype Workspace::count(ObjectKind kind) const
{
    return qsizetype(m_objects[index(kind)].size());
}

qsizetype Workspace::objectCount() const
{
    qsizetype total = 0;
    for (const ObjectMap &map : m_objects) {
        total += qsizetype(map.size());
    }
    return total;
}

QString Workspace::countsText() const
{
    QStringList parts;
    for (ObjectKind kind : kAllObjectKinds) {
        const qsizetype n = count(kind);
        QString noun = kindNoun(kind);
        if (n != 1) {
            noun += u's';
        }
        parts.append(QStringLiteral("%1 %2").arg(n).arg(noun));
    }
    return parts.join(QStringLiteral(", "));
}

void Workspace::insert(WorkspaceObject object)
{
    object.file = objectFilePath(object.kind, object.id);
    const QString id = object.id;
    m_objects[index(object.kind)].insert_or_assign(id, std::move(object));
}

bool Workspace::remove(ObjectKind kind, const QString &id)
{
    return m_objects[index(kind)].erase(id) > 0;
}

} // namespace syncline::engine::model
