#include "ui/secrets/keychainsecretstore.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using syncline::ui::KeychainSecretStore;

// CI runs without a session bus, so no Secret Service answers: the store must refuse, say why,
// and leave no plain-text copy anywhere (QtKeychain's fallback writes one with QSettings).
class TestKeychain : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral("data")).toUtf8());
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/syncline-test-bus");
    }

    void withoutAKeychainStoringIsRefused()
    {
        const KeychainSecretStore store(QStringLiteral("Syncline test"));
        QElapsedTimer elapsed;
        elapsed.start();
        const syncline::engine::Result<void> stored =
            store.store(QStringLiteral("secret:erp/api-key"), "canary-keychain-0b7e");
        QVERIFY(!stored);
        QCOMPARE(stored.error().code, QStringLiteral("KEYCHAIN_UNAVAILABLE"));
        const QString message = stored.error().message;
        QVERIFY2(message.contains(QStringLiteral("no desktop keychain")), qPrintable(message));
        QVERIFY(message.contains(QStringLiteral("plain text")));
        QVERIFY(message.contains(QStringLiteral("secret:erp/api-key")));
        QVERIFY(!message.contains(QStringLiteral("canary")));
        QVERIFY2(elapsed.elapsed() < 10'000, "refusing should not wait for a timeout");
        QVERIFY2(plainTextCopies().isEmpty(), qPrintable(plainTextCopies().join(u'\n')));
    }

    void withoutAKeychainNothingIsRead()
    {
        const KeychainSecretStore store(QStringLiteral("Syncline test"));
        const syncline::engine::Result<std::optional<QByteArray>> read =
            store.read(QStringLiteral("secret:erp/api-key"));
        QVERIFY(!read);
        QCOMPARE(read.error().code, QStringLiteral("KEYCHAIN_UNAVAILABLE"));
        QVERIFY(!store.resolver()(QStringLiteral("secret:erp/api-key")));
    }

private:
    // Every file under the fake home that holds the value.
    QStringList plainTextCopies() const
    {
        QStringList copies;
        QDirIterator files(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            QFile file(files.next());
            if (file.open(QIODevice::ReadOnly) && file.readAll().contains("canary-keychain")) {
                copies.append(file.fileName());
            }
        }
        return copies;
    }

    QTemporaryDir m_home;
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
