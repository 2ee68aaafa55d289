#pragma once

#include "engine/model/objectkind.h"
#include "engine/model/workspaceloader.h"

#include <QWidget>

class QLabel;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace syncline::ui {

/// The workspace explorer: the workspace file, then one group per object kind ("Systems (6)")
/// holding its objects by name. Files that could not be read are listed too, marked with an
/// error icon, so their problems have somewhere to point. Items are addressed by file path
/// relative to the workspace folder.
class WorkspaceExplorer : public QWidget
{
    Q_OBJECT

public:
    explicit WorkspaceExplorer(QWidget *parent = nullptr);

    /// Rebuilds the tree from what loading found.
    void setContents(const engine::model::LoadResult &contents);
    /// Empties the tree and says that no workspace is open.
    void clear();

    /// Makes the item of `file` current (expanding its group); returns whether there is one.
    bool selectFile(const QString &file);
    /// Leaves no item current (without announcing it), for when the view shows a file the
    /// explorer does not list.
    void clearCurrent();
    /// The file of the current item, or "" when a group (or nothing) is current.
    QString currentFile() const;

    /// The label of a kind's group, e.g. "Systems (6)".
    QString groupLabel(engine::model::ObjectKind kind) const;
    /// How many items a kind's group holds.
    int itemCount(engine::model::ObjectKind kind) const;

    QTreeWidget *tree() const { return m_tree; }

signals:
    /// The current item changed; `file` is "" when it is a group or nothing.
    void fileSelected(const QString &file);

private:
    QTreeWidgetItem *group(engine::model::ObjectKind kind) const;
    QTreeWidgetItem *findFile(const QString &file) const;

    QStackedWidget *m_stack;
    QLabel *m_empty;
    QTreeWidget *m_tree;
};

} // namespace syncline::ui
