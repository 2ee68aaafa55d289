#pragma once

#include "engine/plugin/connectorloader.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <memory>

namespace syncline::engine::plugin {

/// A plugin file that did not load, and why (the file is named in the message).
struct PluginFailure
{
    QString file;
    QString message;
};

/// The connectors this engine loaded, by system family, and the plugins that failed. What the
/// engine, the workspace checks, the CLI and the studio ask. Immutable once loaded; thread-safe.
class ConnectorRegistry
{
public:
    /// Loads every plugin of every folder; one that fails is reported and the others still load.
    /// A second plugin for a family already taken is refused (the first in folder order wins).
    static std::shared_ptr<const ConnectorRegistry> load(const QStringList &folders);

    const LoadedConnector *forFamily(const QString &family) const;
    QStringList families() const;
    const QList<LoadedConnector> &connectors() const { return m_connectors; }
    const QList<PluginFailure> &failures() const { return m_failures; }
    const QStringList &folders() const { return m_folders; }

    /// {"folders": [...], "connectors": [{id, family, name, vendor, apiVersion, file, auth,
    /// idempotency, webhooks, objects: {name: {operations: {name: {method, path, ...}}}}}],
    /// "failures": [{file, message}]} — what `syncline-engine connectors --json` prints.
    /// `full` adds each connector's settings and object schemas.
    nlohmann::json toJson(bool full = false) const;

private:
    QStringList m_folders;
    QList<LoadedConnector> m_connectors;
    QList<PluginFailure> m_failures;
};

} // namespace syncline::engine::plugin
