#include "problemspanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QStackedWidget>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace syncline::ui {

namespace {

QString problemToolTip(const engine::model::Problem &problem)
{
    QString tip = problem.message;
    if (problem.line > 0) {
        tip += QStringLiteral("\n") + ProblemsPanel::tr("Line %1, column %2")
                                          .arg(problem.line)
                                          .arg(problem.column);
    }
    tip += QStringLiteral("\n") + ProblemsPanel::tr("Code: %1").arg(problem.code);
    return tip;
}

} // namespace

ProblemsPanel::ProblemsPanel(QWidget *parent)
    : QWidget(parent)
{
    m_empty = new QLabel(this);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);

    m_list = new QTreeWidget(this);
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("Message"), tr("File"), tr("JSON pointer"), tr("Line")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setAllColumnsShowFocus(true);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(MessageColumn, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(FileColumn, QHeaderView::Interactive);
    m_list->header()->setSectionResizeMode(PointerColumn, QHeaderView::Interactive);
    m_list->header()->setSectionResizeMode(PositionColumn, QHeaderView::Interactive);
    m_list->header()->resizeSection(FileColumn, 280);
    m_list->header()->resizeSection(PointerColumn, 240);
    m_list->header()->resizeSection(PositionColumn, 70);
    // Double-click, and Enter / Return on the current row, both arrive as itemActivated.
    connect(m_list, &QTreeWidget::itemActivated, this, &ProblemsPanel::activate);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_empty);
    m_stack->addWidget(m_list);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    setFocusProxy(m_list);
    showMessage(tr("No problems"));
}

void ProblemsPanel::setProblems(const engine::model::ProblemList &problems)
{
    m_problems = problems;
    m_list->clear();
    if (problems.isEmpty()) {
        showMessage(tr("No problems"));
        return;
    }
    const QIcon errorIcon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    QList<QTreeWidgetItem *> items;
    for (int i = 0; i < problems.size(); ++i) {
        const engine::model::Problem &problem = problems.at(i);
        auto *item = new QTreeWidgetItem;
        item->setIcon(MessageColumn, errorIcon);
        item->setText(MessageColumn, problem.message);
        item->setText(FileColumn, problem.file.isEmpty() ? tr("(workspace folder)") : problem.file);
        item->setText(PointerColumn, problem.pointer.isEmpty() ? tr("(whole file)")
                                                                 : problem.pointer);
        if (problem.line > 0) {
            item->setText(PositionColumn,
                          QStringLiteral("%1:%2").arg(problem.line).arg(problem.column));
        }
        item->setToolTip(MessageColumn, problemToolTip(problem));
        item->setData(MessageColumn, Qt::UserRole, i);
        items.append(item);
    }
    m_list->addTopLevelItems(items);
    m_list->setCurrentItem(items.first(), 0, QItemSelectionModel::NoUpdate);
    m_stack->setCurrentWidget(m_list);
}

void ProblemsPanel::showMessage(const QString &message)
{
    if (!m_problems.isEmpty()) {
        m_problems.clear();
        m_list->clear();
    }
    m_empty->setText(message);
    m_stack->setCurrentWidget(m_empty);
}

QString ProblemsPanel::emptyText() const
{
    return m_stack->currentWidget() == m_empty ? m_empty->text() : QString();
}

void ProblemsPanel::activate(QTreeWidgetItem *item)
{
    if (!item) {
        return;
    }
    const int index = item->data(MessageColumn, Qt::UserRole).toInt();
    if (index >= 0 && index < m_problems.size()) {
        emit problemActivated(m_problems.at(index));
    }
}

} // namespace syncline::ui
