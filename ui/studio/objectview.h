#pragma once

#include "engine/model/problem.h"

#include <QWidget>

#include <nlohmann/json.hpp>

class QLabel;

namespace syncline::ui {

class JsonView;

/// The centre of the studio while a workspace is open: the selected object's name and file
/// path above a read-only, coloured JSON view, and a notice when the file has problems.
class ObjectView : public QWidget
{
    Q_OBJECT

public:
    explicit ObjectView(QWidget *parent = nullptr);

    /// Shows a parsed document. `problems` are those reported for its file.
    void showDocument(const QString &title,
                      const QString &path,
                      const nlohmann::json &document,
                      const engine::model::ProblemList &problems);

    /// Shows a file that could not be parsed, as its raw text.
    void showRawFile(const QString &title,
                     const QString &path,
                     const QString &text,
                     const engine::model::ProblemList &problems);

    /// Shows that nothing is selected.
    void showNothing();

    /// Puts the view on the place `problem` refers to: its JSON pointer in a parsed document,
    /// its line in raw text.
    void reveal(const engine::model::Problem &problem);

    QString title() const;
    QString path() const;
    QString text() const;
    JsonView *jsonView() const { return m_json; }

private:
    void setHeader(const QString &title, const QString &path);
    void setProblems(const engine::model::ProblemList &problems);

    QLabel *m_title;
    QLabel *m_path;
    QLabel *m_problems;
    QLabel *m_nothing;
    JsonView *m_json;
    bool m_showsRawText = false;
};

} // namespace syncline::ui
