#include "objectview.h"

#include "ui/widgets/jsonview.h"

#include <QDir>
#include <QLabel>
#include <QVBoxLayout>

namespace syncline::ui {

namespace {

constexpr int kProblemsListed = 3;

} // namespace

ObjectView::ObjectView(QWidget *parent)
    : QWidget(parent)
{
    m_title = new QLabel(this);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_path = new QLabel(this);
    m_path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_path->setForegroundRole(QPalette::PlaceholderText);

    m_problems = new QLabel(this);
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::PlainText);
    m_problems->setStyleSheet(QStringLiteral(
        "QLabel { background: #fdecea; color: #8c1d18; border: 1px solid #f2b8b5;"
        " border-radius: 3px; padding: 6px; }"));
    m_problems->hide();

    m_nothing = new QLabel(tr("Select an object in the Workspace Explorer to see its JSON."),
                           this);
    m_nothing->setAlignment(Qt::AlignCenter);
    m_nothing->setForegroundRole(QPalette::PlaceholderText);

    m_json = new JsonView(this);

    auto *header = new QVBoxLayout;
    header->setContentsMargins(4, 2, 4, 2);
    header->setSpacing(2);
    header->addWidget(m_title);
    header->addWidget(m_path);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(header);
    layout->addWidget(m_problems);
    layout->addWidget(m_json, 1);
    layout->addWidget(m_nothing, 1);
    showNothing();
}

void ObjectView::showDocument(const QString &title,
                              const QString &path,
                              const nlohmann::json &document,
                              const engine::model::ProblemList &problems)
{
    setHeader(title, path);
    setProblems(problems);
    m_json->showDocument(document);
    m_showsRawText = false;
}

void ObjectView::showRawFile(const QString &title,
                             const QString &path,
                             const QString &text,
                             const engine::model::ProblemList &problems)
{
    setHeader(title, path);
    setProblems(problems);
    m_json->showText(text);
    m_showsRawText = true;
    // Where the parser gave up is what the user needs to see first.
    for (const engine::model::Problem &problem : problems) {
        if (problem.line > 0) {
            reveal(problem);
            break;
        }
    }
}

void ObjectView::showNothing()
{
    m_title->hide();
    m_path->hide();
    m_problems->hide();
    m_json->hide();
    m_json->showText(QString());
    m_nothing->show();
}

void ObjectView::reveal(const engine::model::Problem &problem)
{
    if (!m_showsRawText) {
        m_json->markPointer(problem.pointer);
        return;
    }
    if (problem.line > 0) {
        m_json->markLine(problem.line - 1);
    }
}

QString ObjectView::title() const
{
    return m_title->isHidden() ? QString() : m_title->text();
}

QString ObjectView::path() const
{
    return m_path->isHidden() ? QString() : m_path->text();
}

QString ObjectView::text() const
{
    return m_json->toPlainText();
}

void ObjectView::setHeader(const QString &title, const QString &path)
{
    m_title->setText(title);
    m_path->setText(QDir::toNativeSeparators(path));
    m_title->show();
    m_path->show();
    m_nothing->hide();
    m_json->show();
}

void ObjectView::setProblems(const engine::model::ProblemList &problems)
{
    if (problems.isEmpty()) {
        m_problems->hide();
        return;
    }
    QStringList lines;
    lines << (problems.size() == 1 ? tr("1 problem in this file:")
                                   : tr("%1 problems in this file:").arg(problems.size()));
    for (const engine::model::Problem &problem : problems.mid(0, kProblemsListed)) {
        const QString where = problem.pointer.isEmpty() ? QString()
                                                        : problem.pointer + QStringLiteral(": ");
        lines << QStringLiteral("• %1%2").arg(where, problem.message);
    }
    if (problems.size() > kProblemsListed) {
        lines << tr("… and %1 more in the Problems panel.")
                     .arg(problems.size() - kProblemsListed);
    }
    m_problems->setText(lines.join(QLatin1Char('\n')));
    m_problems->show();
}

} // namespace syncline::ui
