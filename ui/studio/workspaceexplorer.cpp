#include "workspaceexplorer.h"

#include <QLabel>
#include <QSet>
#include <QStackedWidget>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace syncline::ui {

using engine::model::LoadResult;
using engine::model::ObjectKind;
using engine::model::Problem;
using engine::model::Workspace;
using engine::model::WorkspaceObject;

namespace {

constexpr int kFileRole = Qt::UserRole;
constexpr int kKindRole = Qt::UserRole + 1;

struct UnreadObject
{
    ObjectKind kind;
    QString id;
};

// The object a problem's file would hold when the file sits in its kind's folder but is not in
// the workspace (it did not parse). Worked out from the path, so it does not matter whether the
// problem names the object itself.
std::optional<UnreadObject> unreadObject(const Problem &problem, const Workspace &workspace)
{
    const std::optional<ObjectKind> kind = engine::model::kindForFileName(problem.file);
    if (!kind) {
        return std::nullopt;
    }
    const QString folder = engine::model::kindFolder(*kind) + QLatin1Char('/');
    QString id = problem.file.mid(folder.size());
    id.chop(engine::model::kindSuffix(*kind).size());
    if (!problem.file.startsWith(folder) || id.isEmpty() || id.contains(QLatin1Char('/'))
        || workspace.contains(*kind, id)) {
        return std::nullopt;
    }
    return UnreadObject{*kind, id};
}

QString objectToolTip(const WorkspaceObject &object)
{
    const QString description = object.description();
    return description.isEmpty() ? object.file
                                 : QStringLiteral("%1\n%2").arg(object.file, description);
}

} // namespace

WorkspaceExplorer::WorkspaceExplorer(QWidget *parent)
    : QWidget(parent)
{
    m_tree = new QTreeWidget(this);
    m_tree->setHeaderHidden(true);
    m_tree->setColumnCount(1);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setExpandsOnDoubleClick(true);
    connect(m_tree, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem *current) {
                emit fileSelected(current ? current->data(0, kFileRole).toString() : QString());
            });

    m_empty = new QLabel(tr("Open a workspace to see its objects."), this);
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_empty);
    m_stack->addWidget(m_tree);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    setFocusProxy(m_tree);
}

void WorkspaceExplorer::clear()
{
    m_tree->clear();
    m_stack->setCurrentWidget(m_empty);
}

void WorkspaceExplorer::setContents(const LoadResult &contents)
{
    const QSignalBlocker blocker(m_tree);
    m_tree->clear();
    m_stack->setCurrentWidget(m_tree);

    QSet<QString> filesWithProblems;
    for (const Problem &problem : contents.problems) {
        filesWithProblems.insert(problem.file);
    }
    const QIcon errorIcon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QIcon fileIcon = style()->standardIcon(QStyle::SP_FileIcon);
    const QIcon folderIcon = style()->standardIcon(QStyle::SP_DirIcon);
    const auto iconFor = [&](const QString &file) {
        return filesWithProblems.contains(file) ? errorIcon : fileIcon;
    };

    const QString workspaceFile = Workspace::workspaceFileName();
    auto *workspaceItem = new QTreeWidgetItem(m_tree, {workspaceFile});
    workspaceItem->setData(0, kFileRole, workspaceFile);
    workspaceItem->setIcon(0, iconFor(workspaceFile));
    workspaceItem->setToolTip(0, tr("The workspace file: name, description and defaults"));

    for (ObjectKind kind : engine::model::kAllObjectKinds) {
        auto *groupItem = new QTreeWidgetItem(m_tree);
        groupItem->setData(0, kKindRole, int(kind));
        groupItem->setIcon(0, folderIcon);
        groupItem->setToolTip(0, engine::model::kindFolder(kind) + QLatin1Char('/'));
        for (const WorkspaceObject &object : contents.workspace.objects(kind)) {
            auto *item = new QTreeWidgetItem(groupItem, {object.displayName()});
            item->setData(0, kFileRole, object.file);
            item->setIcon(0, iconFor(object.file));
            item->setToolTip(0, objectToolTip(object));
        }
    }

    // Files that did not parse are not in the workspace; list them so the user finds them.
    QSet<QString> listed;
    for (const Problem &problem : contents.problems) {
        const std::optional<UnreadObject> unread = unreadObject(problem, contents.workspace);
        if (!unread || listed.contains(problem.file)) {
            continue;
        }
        listed.insert(problem.file);
        auto *item = new QTreeWidgetItem(group(unread->kind), {unread->id});
        item->setData(0, kFileRole, problem.file);
        item->setIcon(0, errorIcon);
        item->setToolTip(0, tr("%1\nCould not be read: %2").arg(problem.file, problem.message));
        QFont font = item->font(0);
        font.setItalic(true);
        item->setFont(0, font);
    }

    for (ObjectKind kind : engine::model::kAllObjectKinds) {
        QTreeWidgetItem *groupItem = group(kind);
        groupItem->setText(0, QStringLiteral("%1 (%2)").arg(engine::model::kindDisplayName(kind))
                                  .arg(groupItem->childCount()));
        groupItem->setExpanded(groupItem->childCount() > 0);
    }
}

bool WorkspaceExplorer::selectFile(const QString &file)
{
    QTreeWidgetItem *item = findFile(file);
    if (!item) {
        return false;
    }
    if (item->parent()) {
        item->parent()->setExpanded(true);
    }
    m_tree->setCurrentItem(item);
    m_tree->scrollToItem(item);
    return true;
}

void WorkspaceExplorer::clearCurrent()
{
    const QSignalBlocker blocker(m_tree);
    m_tree->setCurrentItem(nullptr);
    m_tree->clearSelection();
}

QString WorkspaceExplorer::currentFile() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    return item ? item->data(0, kFileRole).toString() : QString();
}

QString WorkspaceExplorer::groupLabel(ObjectKind kind) const
{
    const QTreeWidgetItem *item = group(kind);
    return item ? item->text(0) : QString();
}

int WorkspaceExplorer::itemCount(ObjectKind kind) const
{
    const QTreeWidgetItem *item = group(kind);
    return item ? item->childCount() : 0;
}

QTreeWidgetItem *WorkspaceExplorer::group(ObjectKind kind) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_tree->topLevelItem(i);
        const QVariant itemKind = item->data(0, kKindRole);
        if (itemKind.isValid() && itemKind.toInt() == int(kind)) {
            return item;
        }
    }
    return nullptr;
}

QTreeWidgetItem *WorkspaceExplorer::findFile(const QString &file) const
{
    if (file.isEmpty()) {
        return nullptr;
    }
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it) {
        if ((*it)->data(0, kFileRole).toString() == file) {
            return *it;
        }
    }
    return nullptr;
}

} // namespace syncline::ui
