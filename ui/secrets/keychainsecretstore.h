#pragma once

#include "engine/core/result.h"
#include "engine/runtime/systemtarget.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace syncline::ui {

/// The studio's secret values ("secret:erp/api-key" → value), kept in the desktop keychain
/// through QtKeychain (Secret Service or KWallet on Linux, the Keychain on macOS, the Credential
/// Store on Windows) — never in the workspace or a file of the studio's. When no keychain
/// answers, storing is refused (KEYCHAIN_UNAVAILABLE) with a message saying so: QtKeychain's
/// plain-text fallback is switched off. GUI-free; the calls wait for the keychain, so use them
/// off the GUI thread or accept a short wait (a keychain may ask the user to unlock it).
class KeychainSecretStore
{
public:
    /// `service` groups the entries in the keychain.
    explicit KeychainSecretStore(QString service = QStringLiteral("Syncline"),
                                 int timeoutMs = 30'000);

    /// Stores (or replaces) the value of `reference`.
    engine::Result<void> store(const QString &reference, const QByteArray &value) const;
    /// The value of `reference`; nothing when the keychain holds none.
    engine::Result<std::optional<QByteArray>> read(const QString &reference) const;
    engine::Result<void> remove(const QString &reference) const;

    /// For the in-process engine (EngineOptions::secrets): a reference the keychain cannot
    /// answer is simply unknown, and the engine names it as missing.
    engine::runtime::SecretResolver resolver() const;

private:
    QString m_service;
    int m_timeoutMs;
};

} // namespace syncline::ui
