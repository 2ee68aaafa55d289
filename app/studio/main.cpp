#include "ui/studio/mainwindow.h"
#include "ui/studio/screenshot.h"

#include "engine/core/versions.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

using namespace syncline;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void printError(const QString &message)
{
    std::fputs(message.toLocal8Bit().constData(), stderr);
    std::fputc('\n', stderr);
}

// Shows the window at a fixed size, waits until the workspace (if any) has loaded, saves the
// window as PNG and quits: 0 when saved, 1 when the file cannot be written or the workspace
// could not be opened (the picture of the error is still saved).
void takeScreenshot(ui::MainWindow &window,
                    const QString &path,
                    const QString &workspace,
                    const QString &selectFile)
{
    const auto capture = [&window, path](int exitCode) {
        // A zero timer lets the selection and layout the load triggered reach the screen.
        QTimer::singleShot(0, &window, [&window, path, exitCode] {
            const engine::Result<void> saved = ui::saveScreenshot(&window, path);
            if (!saved) {
                printError(QStringLiteral("syncline: %1").arg(saved.error().message));
            }
            QCoreApplication::exit(saved ? exitCode : kExitFailed);
        });
    };
    window.resize(1280, 800);
    window.show();
    if (workspace.isEmpty()) {
        capture(kExitOk);
        return;
    }
    QObject::connect(&window, &ui::MainWindow::workspaceOpened, &window,
                     [capture] { capture(kExitOk); });
    QObject::connect(&window, &ui::MainWindow::workspaceOpenFailed, &window,
                     [capture](const QString &, const QString &message) {
                         printError(QStringLiteral("syncline: %1").arg(message));
                         capture(kExitFailed);
                     });
    window.openWorkspace(workspace, selectFile);
}

// --help and --version must answer on a machine without a display, and --screenshot needs none:
// they get the offscreen platform unless the user chose a platform or a display exists. Returns
// false when the window has nowhere to go, after saying what to do instead.
bool prepareDisplay(int argc, char *argv[])
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) {
        return true;
    }
    bool hasDisplay = true;
#ifdef Q_OS_LINUX
    hasDisplay = qEnvironmentVariableIsSet("DISPLAY")
                 || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
#endif
    bool rendersOffscreen = false;
    for (int i = 1; i < argc; ++i) {
        const QByteArray argument(argv[i]);
        const bool needsNoWindow = argument == "--help" || argument == "-h"
                                   || argument == "--help-all" || argument == "--version"
                                   || argument == "-v";
        if (needsNoWindow) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
            return true;
        }
        rendersOffscreen |= argument == "--screenshot" || argument.startsWith("--screenshot=");
    }
    if (hasDisplay) {
        return true;
    }
    if (rendersOffscreen) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        return true;
    }
    printError(QStringLiteral("syncline: no display found (neither DISPLAY nor WAYLAND_DISPLAY is "
                              "set). Start the studio from a desktop session, or under a virtual "
                              "display: xvfb-run -a syncline [WORKSPACE]. syncline-engine works "
                              "without a display."));
    return false;
}

} // namespace

int main(int argc, char *argv[])
{
    if (!prepareDisplay(argc, argv)) {
        return kExitFailed;
    }
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Syncline"));
    QCoreApplication::setApplicationName(QStringLiteral("Syncline"));
    QCoreApplication::setApplicationVersion(engine::synclineVersion());
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Syncline"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Syncline studio: model, map and operate integrations."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Render the main window (1280x800) once WORKSPACE has loaded, save it as "
                       "PNG to FILE and exit: 0 when saved, 1 when FILE cannot be written or "
                       "WORKSPACE cannot be opened."),
        QStringLiteral("FILE"));
    parser.addOption(screenshot);
    const QCommandLineOption select(
        QStringList{QStringLiteral("select")},
        QStringLiteral("Once WORKSPACE has loaded, show the object in FILE, a path relative to "
                       "the workspace such as canonical/customer.schema.json."),
        QStringLiteral("FILE"));
    parser.addOption(select);
    parser.addPositionalArgument(QStringLiteral("workspace"),
                                 QStringLiteral("The workspace folder to open."),
                                 QStringLiteral("[WORKSPACE]"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1) {
        printError(QStringLiteral("syncline: expected at most one workspace folder, got %1\n\n%2")
                       .arg(positional.size())
                       .arg(parser.helpText()));
        return kExitUsage;
    }
    const QString workspace = positional.value(0);
    const QString selectFile = parser.value(select);
    if (!selectFile.isEmpty() && workspace.isEmpty()) {
        printError(QStringLiteral("syncline: --select needs a WORKSPACE folder"));
        return kExitUsage;
    }

    if (parser.isSet(screenshot)) {
        ui::MainWindow window(false);
        takeScreenshot(window, parser.value(screenshot), workspace, selectFile);
        return app.exec();
    }

    ui::MainWindow window;
    window.show();
    if (!workspace.isEmpty()) {
        window.openWorkspace(workspace, selectFile);
    }
    return app.exec();
}
