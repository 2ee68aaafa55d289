#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

namespace syncline::sandbox {

/// The secrets the simulated systems accept and sign with, named like the demo workspace's
/// secretRefs without "secret:" ("billing/api-key"). Defaults are documented in docs/sandbox.md.
class Credentials
{
public:
    Credentials();

    /// Overrides defaults from a JSON object file {"billing/api-key": "…"}.
    engine::Result<void> load(const QString &path);
    QByteArray value(const QString &name) const;

private:
    QHash<QString, QByteArray> m_values;
};

} // namespace syncline::sandbox
