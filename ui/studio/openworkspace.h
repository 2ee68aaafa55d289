#pragma once

#include "engine/model/workspaceloader.h"

#include <QCoreApplication>
#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::ui {

/// A workspace the studio has open: its folder and what loading it found. Answers the
/// questions the panels ask about a file (relative to the folder, '/' separators).
class OpenWorkspace
{
    Q_DECLARE_TR_FUNCTIONS(OpenWorkspace)

public:
    OpenWorkspace(QString folder, engine::model::LoadResult contents);

    const QString &folder() const { return m_folder; }
    const engine::model::LoadResult &contents() const { return m_contents; }

    /// The workspace's name, or the folder's name when the workspace file gives none.
    QString name() const;
    QString absolutePath(const QString &file) const;

    /// The parsed document of `file`, or nullptr when it was not loaded (unreadable or unknown).
    const nlohmann::json *document(const QString &file) const;
    /// What to call `file` in a heading: "Customer — canonical entity", say.
    QString title(const QString &file) const;
    engine::model::ProblemList problems(const QString &file) const;

private:
    const engine::model::WorkspaceObject *object(const QString &file) const;

    QString m_folder;
    engine::model::LoadResult m_contents;
};

} // namespace syncline::ui
