#pragma once

#include "engine/model/objectkind.h"
#include "engine/model/workspaceobject.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <array>
#include <map>

namespace syncline::engine::model {

/// The contents of a workspace folder: the workspace file's document and every object, grouped
/// by kind and sorted by id. A value type with no ties to the disk: loadWorkspace() fills it,
/// saveWorkspace() writes it. Not thread-safe; copy it to hand it to another thread.
class Workspace
{
public:
    /// The format version this build reads and writes.
    static constexpr int kFormatVersion = 1;
    /// Name of the workspace file at the top of the folder.
    static QString workspaceFileName();

    /// The document of syncline.workspace.json (format version, name, description, defaults).
    const nlohmann::json &document() const { return m_document; }
    void setDocument(nlohmann::json document) { m_document = std::move(document); }

    /// The workspace's "name" ("" when absent or not a string).
    QString name() const;
    /// The workspace's "description" ("" when absent or not a string).
    QString description() const;

    /// Objects of one kind, sorted by id.
    QList<WorkspaceObject> objects(ObjectKind kind) const;
    /// Every object, by kind (kAllObjectKinds order), then by id.
    QList<WorkspaceObject> allObjects() const;
    /// Ids of one kind, sorted.
    QStringList ids(ObjectKind kind) const;

    /// The object `id` of `kind`, or nullptr. The pointer stays valid until the workspace is
    /// modified.
    const WorkspaceObject *find(ObjectKind kind, const QString &id) const;
    bool contains(ObjectKind kind, const QString &id) const { return find(kind, id) != nullptr; }

    qsizetype count(ObjectKind kind) const;
    qsizetype objectCount() const;
    /// "12 canonical schemas, 6 systems, 0 mappings, 0 flows, 0 lookups".
    QString countsText() const;

    /// Adds the object, replacing one of the same kind and id. Its `file` is set from kind and id.
    void insert(WorkspaceObject object);
    /// Removes the object; returns whether there was one.
    bool remove(ObjectKind kind, const QString &id);

    friend bool operator==(const Workspace &, const Workspace &) = default;

private:
    using ObjectMap = std::map<QString, WorkspaceObject>;

    static std::size_t index(ObjectKind kind) { return std::size_t(kind); }

    nlohmann::json m_document = nlohmann::json::object();
    std::array<ObjectMap, kAllObjectKinds.size()> m_objects;
};

} // namespace syncline::engine::model
