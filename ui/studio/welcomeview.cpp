#include "welcomeview.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace syncline::ui {

namespace {

constexpr int kMaxRecentShown = 5;
constexpr int kContentWidth = 560;

} // namespace

WelcomeView::WelcomeView(QWidget *parent)
    : QWidget(parent)
{
    auto *title = new QLabel(tr("No workspace open"), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.5);
    titleFont.setBold(true);
    title->setFont(titleFont);

    const QString shortcut =
        QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText).toHtmlEscaped();
    auto *hint = new QLabel(
        tr("<p>A workspace is a folder holding <code>syncline.workspace.json</code> and the "
           "canonical entities, systems, mappings, flows and lookups that go with it.</p>"
           "<p>Open one with <b>File → Open Workspace…</b> (%1), or pass the folder on the "
           "command line: <code>syncline FOLDER</code></p>")
            .arg(shortcut),
        this);
    hint->setTextFormat(Qt::RichText);
    hint->setWordWrap(true);
    hint->setAlignment(Qt::AlignCenter);

    auto *open = new QPushButton(tr("Open Workspace…"), this);
    open->setDefault(true);
    connect(open, &QPushButton::clicked, this, &WelcomeView::openRequested);

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setAlignment(Qt::AlignCenter);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; }"));
    m_error->hide();

    m_recentHeading = new QLabel(tr("Recent workspaces"), this);
    QFont headingFont = m_recentHeading->font();
    headingFont.setBold(true);
    m_recentHeading->setFont(headingFont);
    m_recentHeading->setAlignment(Qt::AlignCenter);
    m_recentHeading->hide();
    m_recentList = new QVBoxLayout;

    auto *column = new QVBoxLayout;
    column->addWidget(title, 0, Qt::AlignHCenter);
    column->addSpacing(6);
    column->addWidget(hint);
    column->addSpacing(12);
    column->addWidget(open, 0, Qt::AlignHCenter);
    column->addSpacing(12);
    column->addWidget(m_error);
    column->addSpacing(12);
    column->addWidget(m_recentHeading);
    column->addLayout(m_recentList);

    auto *content = new QWidget(this);
    content->setLayout(column);
    content->setMaximumWidth(kContentWidth);

    // Stretches rather than alignment flags: an aligned item gets its size hint, which is too
    // short for word-wrapped labels; a stretched one gets height-for-width.
    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(content, 4);
    row->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addLayout(row);
    layout->addStretch(3);
}

void WelcomeView::setRecentFolders(const QStringList &folders)
{
    qDeleteAll(m_recentButtons);
    m_recentButtons.clear();
    for (const QString &folder : folders.mid(0, kMaxRecentShown)) {
        auto *button = new QPushButton(QStringLiteral("%1  —  %2").arg(
                                           QFileInfo(folder).fileName(),
                                           QDir::toNativeSeparators(folder)),
                                       this);
        button->setFlat(true);
        button->setCursor(Qt::PointingHandCursor);
        // Looks like a link, still focusable and pressable with Space like any button.
        button->setStyleSheet(QStringLiteral(
            "QPushButton { color: palette(link); border: none; padding: 2px 6px; }"
            "QPushButton:hover, QPushButton:focus { text-decoration: underline; }"));
        button->setToolTip(tr("Open %1").arg(QDir::toNativeSeparators(folder)));
        connect(button, &QPushButton::clicked, this,
                [this, folder] { emit openFolderRequested(folder); });
        m_recentList->addWidget(button);
        m_recentButtons.append(button);
    }
    m_recentHeading->setVisible(!m_recentButtons.isEmpty());
}

void WelcomeView::setError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString WelcomeView::error() const
{
    return m_error->text();
}

} // namespace syncline::ui
