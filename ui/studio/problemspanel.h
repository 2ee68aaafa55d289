#pragma once

#include "engine/model/problem.h"

#include <QWidget>

class QLabel;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace syncline::ui {

/// The problems of the open workspace, one row each: severity icon and message, file, JSON
/// pointer, and line:column when the loader knows it. Double-click or Enter on a row asks to
/// show the problem. With nothing to list it says so instead of staying blank.
class ProblemsPanel : public QWidget
{
    Q_OBJECT

public:
    enum Column { MessageColumn, FileColumn, PointerColumn, PositionColumn, ColumnCount };

    explicit ProblemsPanel(QWidget *parent = nullptr);

    /// Lists `problems` in the order given.
    void setProblems(const engine::model::ProblemList &problems);

    /// Empties the list and shows `message` instead (e.g. while no workspace is open).
    void showMessage(const QString &message);

    engine::model::ProblemList problems() const { return m_problems; }
    QTreeWidget *list() const { return m_list; }
    /// The sentence shown instead of the list, or "" while the list is shown.
    QString emptyText() const;

signals:
    void problemActivated(const syncline::engine::model::Problem &problem);

private:
    void activate(QTreeWidgetItem *item);

    QStackedWidget *m_stack;
    QLabel *m_empty;
    QTreeWidget *m_list;
    engine::model::ProblemList m_problems;
};

} // namespace syncline::ui
