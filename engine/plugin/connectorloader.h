#pragma once

#include "engine/core/result.h"
#include "engine/plugin/connector.h"
#include "engine/plugin/connectordescription.h"

#include <QString>
#include <QStringList>

namespace syncline::engine::plugin {

/// A connector plugin that loaded: its metadata, its checked description, its instance.
struct LoadedConnector
{
    QString file; // the plugin file, absolute
    QString id;
    QString family;
    QString name;
    QString vendor;
    int apiVersion = 0;
    ConnectorDescription description;
    QJsonObject rawDescription;
    /// Owned by the plugin's root component, which Qt keeps for the life of the process.
    const Connector *connector = nullptr;
};

/// Loads connector plugins with QPluginLoader. The metadata (id, family, name, vendor,
/// apiVersion) is read and checked before the plugin is instantiated, so a plugin built for
/// another API version never runs. Plugins are never unloaded.
class ConnectorLoader
{
public:
    /// One plugin file. The error names the file and says why: not a plugin, another API version
    /// (both named), QPluginLoader's own error, an invalid description.
    static Result<LoadedConnector> load(const QString &file);

    /// The plugin files of a folder (shared libraries), sorted.
    static QStringList pluginFiles(const QString &folder);

    /// Where connectors are looked for when nothing is named: the folders of
    /// SYNCLINE_PLUGIN_PATH (':'-separated) if set, else <program folder>/../plugins (the build)
    /// and <program folder>/../lib/syncline/plugins (an installation), those that exist.
    static QStringList defaultFolders();
};

} // namespace syncline::engine::plugin
