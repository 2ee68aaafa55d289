#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace syncline::ui {

/// What the centre of the window shows while no workspace is open: how to open one, a button
/// that does it, the recent workspaces, and why the last attempt failed, if it did.
class WelcomeView : public QWidget
{
    Q_OBJECT

public:
    explicit WelcomeView(QWidget *parent = nullptr);

    void setRecentFolders(const QStringList &folders);

    /// Shows why opening a workspace failed; an empty message hides the notice.
    void setError(const QString &message);
    QString error() const;

signals:
    void openRequested();
    void openFolderRequested(const QString &folder);

private:
    QLabel *m_error;
    QLabel *m_recentHeading;
    QVBoxLayout *m_recentList;
    QList<QPushButton *> m_recentButtons;
};

} // namespace syncline::ui
