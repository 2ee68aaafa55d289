#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace syncline::ui {

/// The most recently opened workspace folders, newest first, kept in QSettings under
/// "recentWorkspaces" when persistent. Keeps File → Recent Workspaces up to date: one entry per
/// folder, then "Clear Recent Workspaces"; the menu is disabled while the list is empty.
class RecentWorkspaces : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxEntries = 8;

    /// Reads the list from QSettings (dropping folders that no longer exist) when `persistent`;
    /// otherwise starts empty and never touches QSettings.
    RecentWorkspaces(QMenu *menu, bool persistent, QObject *parent = nullptr);

    QStringList folders() const { return m_folders; }

    /// Puts `folder` first, removing an older entry for it.
    void add(const QString &folder);
    void clear();

signals:
    void openRequested(const QString &folder);
    void changed();

private:
    void store();
    void rebuildMenu();

    QMenu *m_menu;
    bool m_persistent;
    QStringList m_folders;
};

} // namespace syncline::ui
