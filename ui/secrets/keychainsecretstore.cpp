#include "ui/secrets/keychainsecretstore.h"

#include <QEventLoop>
#include <QTimer>

#include <qt6keychain/keychain.h>

namespace syncline::ui {

namespace {

// Runs `job` to the end (or the timeout) and says what went wrong, if anything.
std::optional<engine::Error>
run(QKeychain::Job &job, const QString &reference, int timeoutMs, const char *verb)
{
    job.setAutoDelete(false);
    job.setInsecureFallback(false);
    job.setKey(reference);
    QEventLoop loop;
    bool finished = false;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, [&] {
        finished = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    job.start();
    if (!finished) {
        loop.exec();
    }
    if (!finished) {
        return engine::Error::make(
            QStringLiteral("KEYCHAIN_TIMEOUT"),
            QStringLiteral("the desktop keychain did not answer within %1 s; "
                           "could not %2 %3")
                .arg(timeoutMs / 1000)
                .arg(QLatin1String(verb), reference));
    }
    switch (job.error()) {
    case QKeychain::NoError:
        return std::nullopt;
    case QKeychain::EntryNotFound:
        return engine::Error::make(QStringLiteral("KEYCHAIN_NOT_FOUND"),
                                   QStringLiteral("the keychain holds no %1").arg(reference));
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        return engine::Error::make(
            QStringLiteral("KEYCHAIN_UNAVAILABLE"),
            QStringLiteral("no desktop keychain is available (%1), so Syncline did not %2 %3; it "
                           "never keeps secrets in plain text instead. Start a keyring that offers "
                           "the Secret Service (GNOME Keyring, KWallet), or run the engine "
                           "headless with an owner-only secrets file (syncline-engine run "
                           "--secrets FILE).")
                .arg(job.errorString(), QLatin1String(verb), reference));
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
    case QKeychain::CouldNotDeleteEntry:
        break;
    }
    return engine::Error::make(QStringLiteral("KEYCHAIN_REFUSED"),
                               QStringLiteral("the keychain refused to %1 %2: %3")
                                   .arg(QLatin1String(verb), reference, job.errorString()));
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service, int timeoutMs)
    : m_service(std::move(service))
    , m_timeoutMs(timeoutMs)
{
}

engine::Result<void> KeychainSecretStore::store(const QString &reference,
                                                const QByteArray &value) const
{
    QKeychain::WritePasswordJob job(m_service);
    job.setBinaryData(value);
    if (std::optional<engine::Error> failed = run(job, reference, m_timeoutMs, "store")) {
        return *failed;
    }
    return {};
}

engine::Result<std::optional<QByteArray>> KeychainSecretStore::read(const QString &reference) const
{
    QKeychain::ReadPasswordJob job(m_service);
    if (std::optional<engine::Error> failed = run(job, reference, m_timeoutMs, "read")) {
        if (failed->code == QLatin1String("KEYCHAIN_NOT_FOUND")) {
            return std::optional<QByteArray>();
        }
        return *failed;
    }
    return std::optional<QByteArray>(job.binaryData());
}

engine::Result<void> KeychainSecretStore::remove(const QString &reference) const
{
    QKeychain::DeletePasswordJob job(m_service);
    std::optional<engine::Error> failed = run(job, reference, m_timeoutMs, "remove");
    if (failed && failed->code != QLatin1String("KEYCHAIN_NOT_FOUND")) {
        return *failed;
    }
    return {};
}

engine::runtime::SecretResolver KeychainSecretStore::resolver() const
{
    return [store = *this](const QString &reference) -> std::optional<QByteArray> {
        engine::Result<std::optional<QByteArray>> value = store.read(reference);
        return value ? *value : std::nullopt;
    };
}

} // namespace syncline::ui
