#include "openworkspace.h"

#include <QDir>
#include <QFileInfo>

namespace syncline::ui {

using engine::model::Problem;
using engine::model::Workspace;
using engine::model::WorkspaceObject;

OpenWorkspace::OpenWorkspace(QString folder, engine::model::LoadResult contents)
    : m_folder(std::move(folder))
    , m_contents(std::move(contents))
{}

QString OpenWorkspace::name() const
{
    const QString name = m_contents.workspace.name();
    return name.isEmpty() ? QFileInfo(m_folder).fileName() : name;
}

QString OpenWorkspace::absolutePath(const QString &file) const
{
    return QDir(m_folder).filePath(file);
}

const WorkspaceObject *OpenWorkspace::object(const QString &file) const
{
    const auto kind = engine::model::kindForFileName(file);
    if (!kind) {
        return nullptr;
    }
    QString id = QFileInfo(file).fileName();
    id.chop(engine::model::kindSuffix(*kind).size());
    const WorkspaceObject *found = m_contents.workspace.find(*kind, id);
    return found && found->file == file ? found : nullptr;
}

const nlohmann::json *OpenWorkspace::document(const QString &file) const
{
    if (file == Workspace::workspaceFileName()) {
        return &m_contents.workspace.document();
    }
    const WorkspaceObject *found = object(file);
    return found ? &found->document : nullptr;
}

QString OpenWorkspace::title(const QString &file) const
{
    if (file == Workspace::workspaceFileName()) {
        return tr("Workspace “%1”").arg(name());
    }
    if (const WorkspaceObject *found = object(file)) {
        return QStringLiteral("%1 — %2").arg(found->displayName(),
                                             engine::model::kindNoun(found->kind));
    }
    return tr("%1 — could not be read").arg(QFileInfo(file).fileName());
}

engine::model::ProblemList OpenWorkspace::problems(const QString &file) const
{
    engine::model::ProblemList found;
    for (const Problem &problem : m_contents.problems) {
        if (problem.file == file) {
            found.append(problem);
        }
    }
    return found;
}

} // namespace syncline::ui
