#include "engine/plugin/connectorloader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>

namespace syncline::engine::plugin {

namespace {

constexpr QLatin1StringView kIidPrefix{"dev.syncline.Connector/"};

Error loadError(const QString &file, const QString &message)
{
    return Error::make(QStringLiteral("PLUGIN_NOT_LOADED"),
                       QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(file), message));
}

} // namespace

Result<LoadedConnector> ConnectorLoader::load(const QString &file)
{
    QPluginLoader loader(file);
    const QJsonObject meta = loader.metaData();
    if (meta.isEmpty()) {
        // Qt reads no metadata from a file that is not a Qt plugin; load() says why in its words.
        loader.load();
        return loadError(file, QStringLiteral("not a Qt plugin (%1)").arg(loader.errorString()));
    }
    const QString iid = meta.value(QStringLiteral("IID")).toString();
    if (!iid.startsWith(kIidPrefix)) {
        return loadError(file,
                         QStringLiteral("not a Syncline connector (its interface is \"%1\", "
                                        "connectors implement %2)")
                             .arg(iid, QLatin1String(SYNCLINE_CONNECTOR_IID)));
    }
    const QJsonObject data = meta.value(QStringLiteral("MetaData")).toObject();
    LoadedConnector loaded;
    loaded.file = QFileInfo(file).absoluteFilePath();
    loaded.id = data.value(QStringLiteral("id")).toString();
    loaded.family = data.value(QStringLiteral("family")).toString();
    loaded.name = data.value(QStringLiteral("name")).toString();
    loaded.vendor = data.value(QStringLiteral("vendor")).toString();
    loaded.apiVersion = data.value(QStringLiteral("apiVersion")).toInt(0);
    const int iidVersion = iid.mid(kIidPrefix.size()).toInt();
    if (loaded.apiVersion != kConnectorApiVersion || iidVersion != kConnectorApiVersion) {
        return loadError(
            file,
            QStringLiteral("built for connector API version %1, but this engine "
                           "loads version %2; rebuild the plugin against this "
                           "engine's engine/plugin/connector.h")
                .arg(loaded.apiVersion != kConnectorApiVersion ? loaded.apiVersion : iidVersion)
                .arg(kConnectorApiVersion));
    }
    if (loaded.id.isEmpty() || loaded.family.isEmpty() || loaded.name.isEmpty()) {
        return loadError(file, QStringLiteral("its metadata must name id, family and name"));
    }
    QObject *root = loader.instance();
    if (!root) {
        return loadError(file, loader.errorString());
    }
    loaded.connector = qobject_cast<Connector *>(root);
    if (!loaded.connector) {
        return loadError(file,
                         QStringLiteral("its plugin object does not implement %1")
                             .arg(QLatin1String(SYNCLINE_CONNECTOR_IID)));
    }
    loaded.rawDescription = loaded.connector->description();
    Result<ConnectorDescription> description =
        ConnectorDescription::fromJson(loaded.rawDescription);
    if (!description) {
        return loadError(
            file,
            QStringLiteral("its description is not valid: %1").arg(description.error().message));
    }
    loaded.description = std::move(*description);
    return loaded;
}

QStringList ConnectorLoader::pluginFiles(const QString &folder)
{
    QStringList files;
    const QDir dir(folder);
    for (const QFileInfo &info : dir.entryInfoList(QDir::Files, QDir::Name)) {
        if (QLibrary::isLibrary(info.fileName())) {
            files.append(info.absoluteFilePath());
        }
    }
    return files;
}

QStringList ConnectorLoader::defaultFolders()
{
    const QByteArray fromEnvironment = qgetenv("SYNCLINE_PLUGIN_PATH");
    if (!fromEnvironment.isEmpty()) {
        return QString::fromLocal8Bit(fromEnvironment).split(u':', Qt::SkipEmptyParts);
    }
    const QString program = QCoreApplication::applicationDirPath();
    QStringList folders;
    for (const QString &candidate : {program + QStringLiteral("/../plugins"),
                                     program + QStringLiteral("/../lib/syncline/plugins")}) {
        if (QFileInfo(candidate).isDir()) {
            folders.append(QDir::cleanPath(candidate));
        }
    }
    return folders;
}

} // namespace syncline::engine::plugin
