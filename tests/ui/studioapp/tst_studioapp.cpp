#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

// Runs the built `syncline` program the way the README and setup.sh do.
class TestStudioApp : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void screenshotOfDemo();
    void screenshotWithoutWorkspace();
    void screenshotToUnwritablePath();
    void screenshotOfMissingWorkspace();
    void tooManyArguments();
    void version();
    void withoutDisplay();

private:
    struct Run
    {
        int exitCode = -1;
        QString errors;
        QString output;
    };
    enum class Display { Offscreen, None };
    Run run(const QStringList &arguments, Display display = Display::Offscreen);

    QTemporaryDir m_home;
    const QString m_program = QStringLiteral(SYNCLINE_BIN_DIR "/syncline");
    const QString m_demo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");
};

void TestStudioApp::initTestCase()
{
    QVERIFY(m_home.isValid());
    QVERIFY2(QFileInfo(m_program).isExecutable(), qPrintable(m_program));
}

TestStudioApp::Run TestStudioApp::run(const QStringList &arguments, Display display)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (display == Display::Offscreen) {
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    } else {
        // A machine with no display at all, as in CI or over SSH.
        environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
        environment.remove(QStringLiteral("DISPLAY"));
        environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    }
    // Keep the program's settings away from the user's.
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"),
                       m_home.filePath(QStringLiteral("config")));
    process.setProcessEnvironment(environment);
    process.start(m_program, arguments);
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return Run{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
               QString::fromLocal8Bit(process.readAllStandardError()),
               QString::fromLocal8Bit(process.readAllStandardOutput())};
}

void TestStudioApp::screenshotOfDemo()
{
    const QString shot = m_home.filePath(QStringLiteral("demo.png"));
    const Run result = run({QStringLiteral("--screenshot"), shot, m_demo});
    QVERIFY2(result.exitCode == 0, qPrintable(result.errors));

    QImageReader reader(shot);
    QCOMPARE(reader.format(), QByteArray("png"));
    const QImage image = reader.read();
    QVERIFY2(!image.isNull(), qPrintable(reader.errorString()));
    QCOMPARE(image.size() / image.devicePixelRatio(), QSize(1280, 800));
    // A grab of real widgets has more than a handful of colours.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7) {
            colours.insert(image.pixel(x, y));
        }
    }
    QVERIFY(colours.size() > 10);
}

void TestStudioApp::screenshotWithoutWorkspace()
{
    const QString shot = m_home.filePath(QStringLiteral("empty.png"));
    const Run result = run({QStringLiteral("--screenshot"), shot});
    QVERIFY2(result.exitCode == 0, qPrintable(result.errors));
    QVERIFY(!QImage(shot).isNull());
}

void TestStudioApp::screenshotToUnwritablePath()
{
    const QString shot = m_home.filePath(QStringLiteral("no/such/folder/shot.png"));
    const Run result = run({QStringLiteral("--screenshot"), shot, m_demo});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.errors.contains(QDir::toNativeSeparators(shot)), qPrintable(result.errors));
    QVERIFY(!QFileInfo::exists(shot));
}

void TestStudioApp::screenshotOfMissingWorkspace()
{
    const QString shot = m_home.filePath(QStringLiteral("missing.png"));
    const QString missing = m_home.filePath(QStringLiteral("not-a-workspace"));
    const Run result = run({QStringLiteral("--screenshot"), shot, missing});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.errors.contains(QStringLiteral("not-a-workspace")), qPrintable(result.errors));
    // The picture of the error is still saved: it is what the user would see.
    QVERIFY(!QImage(shot).isNull());
}

void TestStudioApp::tooManyArguments()
{
    const Run result = run({QStringLiteral("one"), QStringLiteral("two")});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.errors.contains(QStringLiteral("at most one")), qPrintable(result.errors));
}

void TestStudioApp::version()
{
    const Run result = run({QStringLiteral("--version")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.output.contains(QStringLiteral(SYNCLINE_VERSION)), qPrintable(result.output));
}

void TestStudioApp::withoutDisplay()
{
    // --help, --version and --screenshot need no display ...
    const Run help = run({QStringLiteral("--help")}, Display::None);
    QCOMPARE(help.exitCode, 0);
    QVERIFY2(help.output.contains(QStringLiteral("--screenshot")), qPrintable(help.output));
    const QString shot = m_home.filePath(QStringLiteral("headless.png"));
    const Run screenshot = run({QStringLiteral("--screenshot"), shot, m_demo}, Display::None);
    QVERIFY2(screenshot.exitCode == 0, qPrintable(screenshot.errors));
    QVERIFY(!QImage(shot).isNull());

    // ... the window does, and says so instead of crashing.
    const Run studio = run({m_demo}, Display::None);
    QCOMPARE(studio.exitCode, 1);
    QVERIFY2(studio.errors.contains(QStringLiteral("xvfb-run")), qPrintable(studio.errors));
}

QTEST_MAIN(TestStudioApp)
#include "tst_studioapp.moc"
