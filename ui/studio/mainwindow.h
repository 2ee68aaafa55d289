#pragma once

#include "openworkspace.h"

#include <QMainWindow>

#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QStackedWidget;

namespace syncline::ui {

class ObjectView;
class ProblemsPanel;
class RecentWorkspaces;
class WelcomeView;
class WorkspaceExplorer;
class WorkspaceLoader;

/// The studio's main window. It only wires things together: the explorer (left dock), the
/// object view or the welcome view (centre), the problems panel (bottom dock), the menus, and
/// the window state kept in QSettings.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// With `rememberSession`, the window restores and saves its geometry, dock layout and
    /// recent workspaces through QSettings; without it (screenshots), it touches no settings.
    explicit MainWindow(bool rememberSession = true, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Starts loading `folder` in the background; workspaceOpened() or workspaceOpenFailed()
    /// follows. While loading, the current workspace stays on screen. Once loaded, the item of
    /// `selectFile` (relative to the folder) is selected; without it, or when it is not there,
    /// the workspace file is. Reloading the open workspace keeps the current item.
    void openWorkspace(const QString &folder, const QString &selectFile = QString());
    void closeWorkspace();

    /// The folder of the open workspace, or "".
    QString workspaceFolder() const;
    bool isLoading() const;

    WorkspaceExplorer *explorer() const { return m_explorer; }
    ObjectView *objectView() const { return m_objectView; }
    ProblemsPanel *problemsPanel() const { return m_problems; }
    WelcomeView *welcomeView() const { return m_welcome; }
    RecentWorkspaces *recentWorkspaces() const { return m_recent; }

signals:
    void workspaceOpened(const QString &folder);
    void workspaceOpenFailed(const QString &folder, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createDocks();
    void createMenus();
    void restoreSession();
    void saveSession();

    void chooseWorkspace();
    void reloadWorkspace();
    void showAbout();
    void onLoaded(const QString &folder, const engine::model::LoadResult &result);
    void failOpening(const QString &folder, const QString &message);
    void showFile(const QString &file);
    void showProblem(const engine::model::Problem &problem);
    void updateWorkspaceState();

    bool m_rememberSession;
    std::optional<OpenWorkspace> m_workspace;
    QString m_reselectFile;

    WorkspaceLoader *m_loader;
    WorkspaceExplorer *m_explorer;
    ObjectView *m_objectView;
    WelcomeView *m_welcome;
    ProblemsPanel *m_problems;
    QStackedWidget *m_centre;
    QDockWidget *m_explorerDock = nullptr;
    QDockWidget *m_problemsDock = nullptr;
    QLabel *m_summary;
    RecentWorkspaces *m_recent = nullptr;
    QAction *m_reloadAction = nullptr;
    QAction *m_closeAction = nullptr;
};

} // namespace syncline::ui
