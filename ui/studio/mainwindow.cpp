#include "mainwindow.h"
#include "aboutdialog.h"
#include "objectview.h"
#include "problemspanel.h"
#include "recentworkspaces.h"
#include "welcomeview.h"
#include "workspaceexplorer.h"
#include "workspaceloader.h"

#include "engine/model/problemcodes.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>

namespace syncline::ui {

using engine::model::LoadResult;
using engine::model::Problem;

namespace {

const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QSize kDefaultSize(1280, 800);
constexpr int kExplorerWidth = 300;
constexpr int kProblemsHeight = 140;

QString plural(qsizetype count, const QString &one, const QString &many)
{
    return count == 1 ? one : many.arg(count);
}

} // namespace

MainWindow::MainWindow(bool rememberSession, QWidget *parent)
    : QMainWindow(parent)
    , m_rememberSession(rememberSession)
{
    setWindowTitle(tr("Syncline"));
    resize(kDefaultSize);

    m_loader = new WorkspaceLoader(this);
    connect(m_loader, &WorkspaceLoader::loaded, this, &MainWindow::onLoaded);

    m_welcome = new WelcomeView(this);
    m_objectView = new ObjectView(this);
    m_centre = new QStackedWidget(this);
    m_centre->addWidget(m_welcome);
    m_centre->addWidget(m_objectView);
    setCentralWidget(m_centre);
    connect(m_welcome, &WelcomeView::openRequested, this, &MainWindow::chooseWorkspace);
    connect(m_welcome, &WelcomeView::openFolderRequested, this,
            [this](const QString &folder) { openWorkspace(folder); });

    m_summary = new QLabel(this);
    statusBar()->addPermanentWidget(m_summary);

    createDocks();
    createMenus();
    restoreSession();
    updateWorkspaceState();
}

MainWindow::~MainWindow() = default;

void MainWindow::createDocks()
{
    m_explorer = new WorkspaceExplorer(this);
    m_explorerDock = new QDockWidget(tr("Workspace Explorer"), this);
    m_explorerDock->setObjectName(QStringLiteral("explorerDock"));
    m_explorerDock->setWidget(m_explorer);
    addDockWidget(Qt::LeftDockWidgetArea, m_explorerDock);
    connect(m_explorer, &WorkspaceExplorer::fileSelected, this, &MainWindow::showFile);

    m_problems = new ProblemsPanel(this);
    m_problemsDock = new QDockWidget(tr("Problems"), this);
    m_problemsDock->setObjectName(QStringLiteral("problemsDock"));
    m_problemsDock->setWidget(m_problems);
    addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
    connect(m_problems, &ProblemsPanel::problemActivated, this, &MainWindow::showProblem);

    resizeDocks({m_explorerDock}, {kExplorerWidth}, Qt::Horizontal);
    resizeDocks({m_problemsDock}, {kProblemsHeight}, Qt::Vertical);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Workspace…"), this, &MainWindow::chooseWorkspace);
    open->setShortcut(QKeySequence::Open);
    QMenu *recentMenu = file->addMenu(tr("&Recent Workspaces"));
    m_recent = new RecentWorkspaces(recentMenu, m_rememberSession, this);
    connect(m_recent, &RecentWorkspaces::openRequested, this,
            [this](const QString &folder) { openWorkspace(folder); });
    connect(m_recent, &RecentWorkspaces::changed, this,
            [this] { m_welcome->setRecentFolders(m_recent->folders()); });
    m_welcome->setRecentFolders(m_recent->folders());
    m_reloadAction = file->addAction(tr("Re&load Workspace"), this, &MainWindow::reloadWorkspace);
    m_reloadAction->setShortcut(QKeySequence::Refresh);
    m_closeAction = file->addAction(tr("&Close Workspace"), this, &MainWindow::closeWorkspace);
    m_closeAction->setShortcut(QKeySequence::Close);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *showExplorer = m_explorerDock->toggleViewAction();
    showExplorer->setShortcut(QKeySequence(tr("Alt+1")));
    view->addAction(showExplorer);
    QAction *showProblems = m_problemsDock->toggleViewAction();
    showProblems->setShortcut(QKeySequence(tr("Alt+2")));
    view->addAction(showProblems);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Syncline"), this, &MainWindow::showAbout);
    about->setShortcut(QKeySequence::HelpContents);
    about->setMenuRole(QAction::AboutRole);
    QAction *aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setMenuRole(QAction::AboutQtRole);
}

void MainWindow::restoreSession()
{
    if (!m_rememberSession) {
        return;
    }
    const QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::saveSession()
{
    if (!m_rememberSession) {
        return;
    }
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSession();
    event->accept();
}

QString MainWindow::workspaceFolder() const
{
    return m_workspace ? m_workspace->folder() : QString();
}

bool MainWindow::isLoading() const
{
    return m_loader->isLoading();
}

void MainWindow::chooseWorkspace()
{
    const QString start = m_workspace ? QFileInfo(m_workspace->folder()).path() : QDir::homePath();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Workspace"), start);
    if (!folder.isEmpty()) {
        openWorkspace(folder);
    }
}

void MainWindow::openWorkspace(const QString &folder, const QString &selectFile)
{
    const QString absolute = QFileInfo(folder).absoluteFilePath();
    if (!QFileInfo(absolute).isDir()) {
        failOpening(absolute, tr("The folder %1 does not exist.")
                                  .arg(QDir::toNativeSeparators(absolute)));
        return;
    }
    m_reselectFile = selectFile;
    if (m_reselectFile.isEmpty() && absolute == workspaceFolder()) {
        m_reselectFile = m_explorer->currentFile();
    }
    statusBar()->showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(absolute)));
    m_loader->load(absolute);
}

void MainWindow::reloadWorkspace()
{
    if (m_workspace) {
        openWorkspace(m_workspace->folder());
    }
}

void MainWindow::closeWorkspace()
{
    m_workspace.reset();
    m_explorer->clear();
    m_objectView->showNothing();
    m_welcome->setError(QString());
    updateWorkspaceState();
}

void MainWindow::onLoaded(const QString &folder, const LoadResult &result)
{
    statusBar()->clearMessage();
    for (const Problem &problem : result.problems) {
        if (problem.code == engine::model::kProblemNoWorkspace) {
            failOpening(folder, problem.message);
            return;
        }
    }
    m_workspace.emplace(folder, result);
    m_recent->add(folder);
    m_welcome->setError(QString());
    m_explorer->setContents(result);
    updateWorkspaceState();

    // The workspace file says what the workspace is: a good first thing to show.
    if (m_reselectFile.isEmpty() || !m_explorer->selectFile(m_reselectFile)) {
        m_explorer->selectFile(engine::model::Workspace::workspaceFileName());
    }
    emit workspaceOpened(folder);
}

void MainWindow::failOpening(const QString &folder, const QString &message)
{
    const QString text = tr("Could not open %1: %2").arg(QDir::toNativeSeparators(folder), message);
    if (m_workspace) {
        // Keep the open workspace on screen; say why the other one did not open.
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Open Workspace"), text,
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        statusBar()->showMessage(text);
    } else {
        m_welcome->setError(text);
    }
    emit workspaceOpenFailed(folder, message);
}

void MainWindow::showFile(const QString &file)
{
    if (!m_workspace || file.isEmpty()) {
        m_objectView->showNothing();
        return;
    }
    const QString path = m_workspace->absolutePath(file);
    const engine::model::ProblemList problems = m_workspace->problems(file);
    if (const nlohmann::json *document = m_workspace->document(file)) {
        m_objectView->showDocument(m_workspace->title(file), path, *document, problems);
        return;
    }
    QFile raw(path);
    const QString text = raw.open(QIODevice::ReadOnly)
                             ? QString::fromUtf8(raw.readAll())
                             : tr("(The file could not be opened: %1)").arg(raw.errorString());
    m_objectView->showRawFile(m_workspace->title(file), path, text, problems);
}

void MainWindow::showProblem(const Problem &problem)
{
    if (!m_workspace || problem.file.isEmpty()) {
        return;
    }
    if (m_explorer->currentFile() != problem.file && !m_explorer->selectFile(problem.file)) {
        // A file the explorer does not list (in the wrong place, say): show it all the same.
        m_explorer->clearCurrent();
        showFile(problem.file);
    }
    m_objectView->reveal(problem);
}

void MainWindow::updateWorkspaceState()
{
    const bool open = m_workspace.has_value();
    m_reloadAction->setEnabled(open);
    m_closeAction->setEnabled(open);
    m_centre->setCurrentWidget(open ? static_cast<QWidget *>(m_objectView) : m_welcome);

    if (!open) {
        setWindowTitle(tr("Syncline"));
        m_problems->showMessage(tr("Open a workspace to see its problems."));
        m_problemsDock->setWindowTitle(tr("Problems"));
        m_summary->clear();
        return;
    }
    setWindowTitle(tr("%1 — Syncline").arg(m_workspace->name()));
    const LoadResult &contents = m_workspace->contents();
    m_problems->setProblems(contents.problems);
    const qsizetype problemCount = contents.problems.size();
    m_problemsDock->setWindowTitle(problemCount == 0 ? tr("Problems")
                                                     : tr("Problems (%1)").arg(problemCount));
    m_summary->setText(
        QStringLiteral("%1 · %2 · %3")
            .arg(QDir::toNativeSeparators(m_workspace->folder()),
                 plural(contents.workspace.objectCount(), tr("1 object"), tr("%1 objects")),
                 problemCount == 0 ? tr("no problems")
                                   : plural(problemCount, tr("1 problem"), tr("%1 problems"))));
}

void MainWindow::showAbout()
{
    auto *dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

} // namespace syncline::ui
