#include "ui/studio/mainwindow.h"
#include "ui/studio/objectview.h"
#include "ui/studio/problemspanel.h"
#include "ui/studio/recentworkspaces.h"
#include "ui/studio/welcomeview.h"
#include "ui/studio/workspaceexplorer.h"
#include "ui/widgets/jsonview.h"

#include "engine/model/problemcodes.h"
#include "engine/model/workspaceloader.h"

#include <QDirIterator>
#include <QDockWidget>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace syncline;
using engine::model::ObjectKind;
using engine::model::Problem;

namespace {

const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");
constexpr int kLoadTimeoutMs = 20000;

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

bool copyFolder(const QString &from, const QString &to)
{
    QDirIterator it(from, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString source = it.next();
        const QString target = QDir(to).filePath(QDir(from).relativeFilePath(source));
        if (!QDir().mkpath(QFileInfo(target).path()) || !QFile::copy(source, target)) {
            return false;
        }
    }
    return true;
}

bool openAndWait(ui::MainWindow &window, const QString &folder, const QString &select = {})
{
    QSignalSpy opened(&window, &ui::MainWindow::workspaceOpened);
    window.openWorkspace(folder, select);
    return opened.wait(kLoadTimeoutMs);
}

QTreeWidgetItem *problemRow(ui::ProblemsPanel *panel, const QString &code, const QString &file)
{
    const engine::model::ProblemList problems = panel->problems();
    for (int i = 0; i < problems.size(); ++i) {
        if (problems[i].code == code && problems[i].file == file) {
            return panel->list()->topLevelItem(i);
        }
    }
    return nullptr;
}

void doubleClick(QTreeWidget *tree, QTreeWidgetItem *item)
{
    const QRect rect = tree->visualItemRect(item);
    // The first click of a double-click selects, the second activates.
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void emptyStateSaysHowToOpen();
    void opensDemoWithCountsPerKind();
    void selectingAnObjectShowsItsJson();
    void explorerIsKeyboardNavigable();
    void openingWithSelectionShowsThatObject();
    void reloadKeepsTheSelection();
    void demoHasNoProblems();
    void brokenWorkspaceFillsProblems();
    void doubleClickOnProblemSelectsObject();
    void enterOnProblemSelectsUnreadableFile();
    void problemInUnlistedFileShowsTheFile();
    void missingFolderIsReported();
    void folderWithoutWorkspaceFileIsReported();
    void recentWorkspacesArePersisted();
    void recentWorkspacesCanBeCleared();
    void welcomeViewOpensRecentWorkspaces();
    void dockLayoutIsPersisted();
    void menusHoldOnlyWorkingActions();

private:
    QString makeBrokenWorkspace();

    QTemporaryDir m_temp;
    int m_brokenCount = 0;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_temp.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("SynclineTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                       m_temp.filePath(QStringLiteral("settings")));
    QVERIFY2(QFileInfo::exists(kDemo + QStringLiteral("/syncline.workspace.json")),
             "the demo workspace is missing");
}

void TestMainWindow::init()
{
    QSettings().clear();
}

void TestMainWindow::emptyStateSaysHowToOpen()
{
    ui::MainWindow window;
    window.show();
    QVERIFY(window.welcomeView()->isVisible());
    QVERIFY(!window.objectView()->isVisible());
    QCOMPARE(window.windowTitle(), QStringLiteral("Syncline"));
    QCOMPARE(window.problemsPanel()->emptyText(),
             QStringLiteral("Open a workspace to see its problems."));

    bool hasOpenButton = false;
    for (const QPushButton *button : window.welcomeView()->findChildren<QPushButton *>()) {
        hasOpenButton |=
            button->text() == QStringLiteral("Open Workspace…") && button->isVisible();
    }
    QVERIFY(hasOpenButton);
}

void TestMainWindow::opensDemoWithCountsPerKind()
{
    ui::MainWindow window;
    window.show();
    QVERIFY(openAndWait(window, kDemo));
    QVERIFY(window.objectView()->isVisible());
    QCOMPARE(window.workspaceFolder(), QFileInfo(kDemo).absoluteFilePath());

    const engine::model::Workspace workspace = engine::model::loadWorkspace(kDemo).workspace;
    QVERIFY(window.windowTitle().startsWith(workspace.name()));

    int total = 0;
    for (ObjectKind kind : engine::model::kAllObjectKinds) {
        // Count the files on disk, independently of the loader.
        const int files = QDir(kDemo + QLatin1Char('/') + engine::model::kindFolder(kind))
                              .entryList({QLatin1Char('*') + engine::model::kindSuffix(kind)},
                                         QDir::Files)
                              .size();
        QCOMPARE(window.explorer()->itemCount(kind), files);
        QCOMPARE(window.explorer()->groupLabel(kind),
                 QStringLiteral("%1 (%2)").arg(engine::model::kindDisplayName(kind)).arg(files));
        total += files;
    }
    QVERIFY(window.explorer()->itemCount(ObjectKind::Canonical) >= 11);
    QVERIFY(window.explorer()->itemCount(ObjectKind::System) >= 6);
    QVERIFY(total > 0);
    // The workspace file is shown straight away.
    QCOMPARE(window.explorer()->currentFile(), QStringLiteral("syncline.workspace.json"));
    QVERIFY(window.objectView()->text().contains(workspace.name()));
}

void TestMainWindow::selectingAnObjectShowsItsJson()
{
    ui::MainWindow window;
    window.show();
    QVERIFY(openAndWait(window, kDemo));

    const auto objects = engine::model::loadWorkspace(kDemo).workspace.allObjects();
    QVERIFY(!objects.isEmpty());
    for (const auto &object : {objects.first(), objects.last()}) {
        QVERIFY(window.explorer()->selectFile(object.file));
        const QString path = QDir(kDemo).absoluteFilePath(object.file);
        QCOMPARE(window.objectView()->path(), QDir::toNativeSeparators(path));
        QVERIFY(window.objectView()->title().startsWith(object.displayName()));
        // Demo files are written canonically, so the view shows exactly the file's text.
        QCOMPARE(window.objectView()->text(), QString::fromUtf8(readFile(path)));
        QVERIFY(window.objectView()->jsonView()->isReadOnly());
    }

    QVERIFY(window.explorer()->selectFile(QStringLiteral("syncline.workspace.json")));
    QCOMPARE(window.objectView()->text(),
             QString::fromUtf8(readFile(kDemo + QStringLiteral("/syncline.workspace.json"))));
}

void TestMainWindow::explorerIsKeyboardNavigable()
{
    ui::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(openAndWait(window, kDemo));

    QTreeWidget *tree = window.explorer()->tree();
    tree->setFocus();
    QVERIFY(window.explorer()->selectFile(QStringLiteral("syncline.workspace.json")));
    // Down: the first group; Down again: its first object.
    QTest::keyClick(tree, Qt::Key_Down);
    QVERIFY(window.explorer()->currentFile().isEmpty());
    QTest::keyClick(tree, Qt::Key_Down);
    const QString file = window.explorer()->currentFile();
    QVERIFY(file.startsWith(QStringLiteral("canonical/")));
    QCOMPARE(window.objectView()->path(), QDir::toNativeSeparators(QDir(kDemo).filePath(file)));
}

void TestMainWindow::openingWithSelectionShowsThatObject()
{
    ui::MainWindow window;
    const QString file = QStringLiteral("canonical/customer.schema.json");
    QVERIFY(openAndWait(window, kDemo, file));
    QCOMPARE(window.explorer()->currentFile(), file);
    QVERIFY(window.objectView()->title().startsWith(QStringLiteral("Customer")));

    // A file that is not there falls back to the workspace file.
    QVERIFY(openAndWait(window, kDemo, QStringLiteral("systems/nope.system.json")));
    QCOMPARE(window.explorer()->currentFile(), QStringLiteral("syncline.workspace.json"));
}

void TestMainWindow::reloadKeepsTheSelection()
{
    ui::MainWindow window;
    QVERIFY(openAndWait(window, kDemo));
    const QString file = QStringLiteral("systems/erp.system.json");
    QVERIFY(window.explorer()->selectFile(file));
    QVERIFY(openAndWait(window, kDemo));
    QCOMPARE(window.explorer()->currentFile(), file);
}

void TestMainWindow::demoHasNoProblems()
{
    ui::MainWindow window;
    QVERIFY(openAndWait(window, kDemo));
    QVERIFY(window.problemsPanel()->problems().isEmpty());
    QCOMPARE(window.problemsPanel()->emptyText(), QStringLiteral("No problems"));
}

// The demo with one file that is not JSON and an unknown key in another.
QString TestMainWindow::makeBrokenWorkspace()
{
    const QString folder = m_temp.filePath(QStringLiteral("broken%1").arg(++m_brokenCount));
    if (!copyFolder(kDemo, folder)) {
        return {};
    }
    const auto systems = engine::model::loadWorkspace(folder).workspace.objects(ObjectKind::System);
    if (systems.isEmpty()) {
        return {};
    }
    nlohmann::json document = systems.first().document;
    document["unexpectedSetting"] = true;
    if (!writeFile(QDir(folder).filePath(systems.first().file),
                   QByteArray::fromStdString(document.dump(2) + '\n'))
        || !writeFile(folder + QStringLiteral("/systems/broken.system.json"),
                      "{\n  \"id\": \"broken\",\n  \"name\": \n")) {
        return {};
    }
    return folder;
}

void TestMainWindow::brokenWorkspaceFillsProblems()
{
    const QString folder = makeBrokenWorkspace();
    QVERIFY(!folder.isEmpty());
    ui::MainWindow window;
    window.show();
    QVERIFY(openAndWait(window, folder));

    // The same validation as the CLI: every problem the loader reports, in its order.
    const engine::model::ProblemList expected = engine::model::loadWorkspace(folder).problems;
    QVERIFY(expected.size() >= 2);
    QCOMPARE(window.problemsPanel()->problems(), expected);
    QTreeWidget *list = window.problemsPanel()->list();
    QVERIFY(list->isVisible());
    QCOMPARE(list->topLevelItemCount(), expected.size());
    for (int i = 0; i < expected.size(); ++i) {
        QCOMPARE(list->topLevelItem(i)->text(ui::ProblemsPanel::MessageColumn),
                 expected[i].message);
        QCOMPARE(list->topLevelItem(i)->text(ui::ProblemsPanel::FileColumn), expected[i].file);
        QVERIFY(!list->topLevelItem(i)->icon(ui::ProblemsPanel::MessageColumn).isNull());
    }
    QVERIFY(problemRow(window.problemsPanel(), engine::model::kProblemJsonSyntax,
                       QStringLiteral("systems/broken.system.json")));
    // The unreadable file is listed in the explorer so the user can find it.
    const int systemFiles = QDir(folder + QStringLiteral("/systems"))
                                .entryList({QStringLiteral("*.system.json")}, QDir::Files)
                                .size();
    QCOMPARE(window.explorer()->itemCount(ObjectKind::System), systemFiles);
    QVERIFY(window.windowTitle().contains(QStringLiteral("Syncline")));
}

void TestMainWindow::doubleClickOnProblemSelectsObject()
{
    const QString folder = makeBrokenWorkspace();
    QVERIFY(!folder.isEmpty());
    ui::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(openAndWait(window, folder));
    const QString systemFile =
        engine::model::loadWorkspace(kDemo).workspace.objects(ObjectKind::System).first().file;
    QVERIFY(window.explorer()->selectFile(QStringLiteral("syncline.workspace.json")));

    QTreeWidgetItem *row =
        problemRow(window.problemsPanel(), engine::model::kProblemUnknownKey, systemFile);
    QVERIFY(row);
    doubleClick(window.problemsPanel()->list(), row);

    QCOMPARE(window.explorer()->currentFile(), systemFile);
    QCOMPARE(window.objectView()->path(),
             QDir::toNativeSeparators(QDir(folder).absoluteFilePath(systemFile)));
    // The view is on the offending key.
    const int line = window.objectView()->jsonView()->markedLine();
    QVERIFY(line > 0);
    const QString marked = window.objectView()->text().split(QLatin1Char('\n')).value(line);
    QVERIFY2(marked.contains(QStringLiteral("\"unexpectedSetting\"")), qPrintable(marked));
}

void TestMainWindow::enterOnProblemSelectsUnreadableFile()
{
    const QString folder = makeBrokenWorkspace();
    QVERIFY(!folder.isEmpty());
    ui::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(openAndWait(window, folder));

    const QString brokenFile = QStringLiteral("systems/broken.system.json");
    QTreeWidgetItem *row =
        problemRow(window.problemsPanel(), engine::model::kProblemJsonSyntax, brokenFile);
    QVERIFY(row);
    QTreeWidget *list = window.problemsPanel()->list();
    list->setFocus();
    list->setCurrentItem(row);
    QTest::keyClick(list, Qt::Key_Return);

    QCOMPARE(window.explorer()->currentFile(), brokenFile);
    // Raw text, since it is not JSON, with the line of the syntax error marked.
    QCOMPARE(window.objectView()->text(),
             QString::fromUtf8(readFile(QDir(folder).filePath(brokenFile))));
    QVERIFY(window.objectView()->jsonView()->markedLine() >= 0);
}

void TestMainWindow::problemInUnlistedFileShowsTheFile()
{
    const QString folder = makeBrokenWorkspace();
    QVERIFY(!folder.isEmpty());
    const QString stray = QStringLiteral("notes.json");
    QVERIFY(writeFile(QDir(folder).filePath(stray), "{\"note\": true}\n"));
    ui::MainWindow window;
    window.show();
    QVERIFY(openAndWait(window, folder));

    const engine::model::ProblemList problems = window.problemsPanel()->problems();
    const auto found = std::find_if(problems.cbegin(), problems.cend(),
                                    [&](const Problem &problem) { return problem.file == stray; });
    QVERIFY2(found != problems.cend(), "the loader should report a stray JSON file");
    emit window.problemsPanel()->problemActivated(*found);
    QVERIFY(window.explorer()->currentFile().isEmpty());
    QCOMPARE(window.objectView()->path(),
             QDir::toNativeSeparators(QDir(folder).absoluteFilePath(stray)));
    QCOMPARE(window.objectView()->text(), QStringLiteral("{\"note\": true}\n"));
}

void TestMainWindow::missingFolderIsReported()
{
    ui::MainWindow window;
    window.show();
    QSignalSpy failed(&window, &ui::MainWindow::workspaceOpenFailed);
    const QString missing = m_temp.filePath(QStringLiteral("does-not-exist"));
    window.openWorkspace(missing);
    QCOMPARE(failed.size(), 1);
    QVERIFY(window.welcomeView()->isVisible());
    QVERIFY2(window.welcomeView()->error().contains(QStringLiteral("does-not-exist")),
             qPrintable(window.welcomeView()->error()));
    QVERIFY(window.recentWorkspaces()->folders().isEmpty());
}

void TestMainWindow::folderWithoutWorkspaceFileIsReported()
{
    const QString folder = m_temp.filePath(QStringLiteral("not-a-workspace"));
    QVERIFY(QDir().mkpath(folder));
    ui::MainWindow window;
    window.show();
    QSignalSpy failed(&window, &ui::MainWindow::workspaceOpenFailed);
    window.openWorkspace(folder);
    QVERIFY(failed.wait(kLoadTimeoutMs));
    QVERIFY(window.welcomeView()->isVisible());
    QVERIFY(window.welcomeView()->error().contains(QStringLiteral("not-a-workspace")));
    QCOMPARE(window.windowTitle(), QStringLiteral("Syncline"));
}

void TestMainWindow::recentWorkspacesArePersisted()
{
    const QString other = makeBrokenWorkspace();
    QVERIFY(!other.isEmpty());
    const QString demo = QFileInfo(kDemo).absoluteFilePath();
    {
        ui::MainWindow window;
        QVERIFY(openAndWait(window, other));
        QVERIFY(openAndWait(window, kDemo));
        window.close();
    }
    QCOMPARE(QSettings().value(QStringLiteral("recentWorkspaces")).toStringList(),
             QStringList({demo, QFileInfo(other).absoluteFilePath()}));

    ui::MainWindow window;
    QCOMPARE(window.recentWorkspaces()->folders(),
             QStringList({demo, QFileInfo(other).absoluteFilePath()}));
    // File → Recent Workspaces lists them, newest first, and opens one when chosen.
    QMenu *recent = nullptr;
    for (QMenu *menu : window.menuBar()->findChildren<QMenu *>()) {
        if (menu->title() == QStringLiteral("&Recent Workspaces")) {
            recent = menu;
        }
    }
    QVERIFY(recent);
    QVERIFY(recent->isEnabled());
    QVERIFY(recent->actions().first()->text().contains(demo));
    QSignalSpy opened(&window, &ui::MainWindow::workspaceOpened);
    recent->actions().first()->trigger();
    QVERIFY(opened.wait(kLoadTimeoutMs));
    QCOMPARE(window.workspaceFolder(), demo);
}

void TestMainWindow::welcomeViewOpensRecentWorkspaces()
{
    {
        ui::MainWindow window;
        QVERIFY(openAndWait(window, kDemo));
    }
    ui::MainWindow window;
    window.show();
    QPushButton *demoButton = nullptr;
    for (QPushButton *button : window.welcomeView()->findChildren<QPushButton *>()) {
        if (button->text().contains(QFileInfo(kDemo).absoluteFilePath())) {
            demoButton = button;
        }
    }
    QVERIFY(demoButton);
    QVERIFY(demoButton->isVisible());
    QSignalSpy opened(&window, &ui::MainWindow::workspaceOpened);
    QTest::keyClick(demoButton, Qt::Key_Space);
    QVERIFY(opened.wait(kLoadTimeoutMs));
    QVERIFY(window.objectView()->isVisible());
}

void TestMainWindow::recentWorkspacesCanBeCleared()
{
    {
        ui::MainWindow window;
        QVERIFY(openAndWait(window, kDemo));
    }
    ui::MainWindow window;
    QCOMPARE(window.recentWorkspaces()->folders().size(), 1);
    QMenu *recent = nullptr;
    for (QMenu *menu : window.menuBar()->findChildren<QMenu *>()) {
        if (menu->title() == QStringLiteral("&Recent Workspaces")) {
            recent = menu;
        }
    }
    QVERIFY(recent);
    QAction *clear = recent->actions().last();
    QCOMPARE(clear->text(), QStringLiteral("&Clear Recent Workspaces"));
    clear->trigger();
    QVERIFY(window.recentWorkspaces()->folders().isEmpty());
    QVERIFY(!recent->isEnabled());
    QVERIFY(QSettings().value(QStringLiteral("recentWorkspaces")).toStringList().isEmpty());
    QVERIFY(ui::MainWindow().recentWorkspaces()->folders().isEmpty());
}

void TestMainWindow::dockLayoutIsPersisted()
{
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.findChild<QDockWidget *>(QStringLiteral("problemsDock"))->hide();
        window.close();
    }
    ui::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.findChild<QDockWidget *>(QStringLiteral("problemsDock"))->isVisible());
    QVERIFY(window.findChild<QDockWidget *>(QStringLiteral("explorerDock"))->isVisible());
}

void TestMainWindow::menusHoldOnlyWorkingActions()
{
    ui::MainWindow window;
    QStringList menus;
    for (QAction *action : window.menuBar()->actions()) {
        menus << action->text();
    }
    QCOMPARE(menus, QStringList({QStringLiteral("&File"), QStringLiteral("&View"),
                                 QStringLiteral("&Help")}));
    // Standard shortcuts are wired.
    QStringList shortcuts;
    for (QAction *action : window.findChildren<QAction *>()) {
        shortcuts << action->shortcut().toString();
    }
    QVERIFY(shortcuts.contains(QKeySequence(QKeySequence::Open).toString()));
    QVERIFY(shortcuts.contains(QKeySequence(QKeySequence::Quit).toString()));
    QVERIFY(shortcuts.contains(QStringLiteral("F1")));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
