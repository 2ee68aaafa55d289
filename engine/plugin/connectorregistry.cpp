#include "engine/plugin/connectorregistry.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>

namespace syncline::engine::plugin {

namespace {

std::string utf8(const QString &text)
{
    return text.toStdString();
}

nlohmann::json fromQt(const QJsonObject &object)
{
    return nlohmann::json::parse(
        QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString(), nullptr, false);
}

nlohmann::json operationJson(const OperationSpec &op)
{
    nlohmann::json json = {{"method", op.method.toStdString()}, {"path", utf8(op.path)}};
    if (!op.ids.isEmpty()) {
        nlohmann::json ids = nlohmann::json::object();
        for (auto it = op.ids.cbegin(); it != op.ids.cend(); ++it) {
            ids[utf8(it.key())] = utf8(it.value());
        }
        json["ids"] = ids;
    }
    if (op.name == QLatin1String("list")) {
        const Pagination &p = op.pagination;
        json["pagination"] = {{"style", utf8(p.style)},
                              {"param", utf8(p.requestParam)},
                              {"size", utf8(p.sizeParam)},
                              {"items", utf8(p.itemsPointer)},
                              {"next", utf8(p.nextPointer)},
                              {"hasMore", utf8(p.hasMorePointer)},
                              {"lastItem", utf8(p.lastItemPointer)}};
    }
    return json;
}

nlohmann::json connectorJson(const LoadedConnector &c, bool full)
{
    const ConnectorDescription &d = c.description;
    nlohmann::json auth = nlohmann::json::array();
    for (const QString &kind : d.authKinds) {
        auth.push_back(utf8(kind));
    }
    nlohmann::json objects = nlohmann::json::object();
    for (const ObjectSpec &object : d.objects) {
        nlohmann::json ops = nlohmann::json::object();
        for (const OperationSpec &op : object.operations) {
            ops[utf8(op.name)] = operationJson(op);
        }
        objects[utf8(object.name)] = {{"operations", ops}};
        if (full) {
            objects[utf8(object.name)]["schema"] = fromQt(object.schema);
        }
    }
    nlohmann::json json = {
        {"id", utf8(c.id)},
        {"family", utf8(c.family)},
        {"name", utf8(c.name)},
        {"vendor", utf8(c.vendor)},
        {"apiVersion", c.apiVersion},
        {"file", utf8(c.file)},
        {"auth", auth},
        {"idempotency",
         d.idempotencyHeader.isEmpty() ? nlohmann::json("none")
                                       : nlohmann::json(utf8(d.idempotencyHeader))},
        {"webhooks", {{"signature", utf8(d.webhookSignature)}, {"header", utf8(d.webhookHeader)}}},
        {"objects", objects},
    };
    if (full) {
        json["settingsSchema"] = fromQt(d.settingsSchema);
    }
    return json;
}

} // namespace

std::shared_ptr<const ConnectorRegistry> ConnectorRegistry::load(const QStringList &folders)
{
    auto registry = std::make_shared<ConnectorRegistry>();
    for (const QString &folder : folders) {
        registry->m_folders.append(QDir::cleanPath(QFileInfo(folder).absoluteFilePath()));
        for (const QString &file : ConnectorLoader::pluginFiles(folder)) {
            Result<LoadedConnector> loaded = ConnectorLoader::load(file);
            if (!loaded) {
                registry->m_failures.append({file, loaded.error().message});
                continue;
            }
            if (const LoadedConnector *taken = registry->forFamily(loaded->family)) {
                registry->m_failures.append(
                    {file,
                     QStringLiteral("%1: the family \"%2\" is already served by %3")
                         .arg(QDir::toNativeSeparators(file),
                              loaded->family,
                              QDir::toNativeSeparators(taken->file))});
                continue;
            }
            registry->m_connectors.append(std::move(*loaded));
        }
    }
    return registry;
}

const LoadedConnector *ConnectorRegistry::forFamily(const QString &family) const
{
    for (const LoadedConnector &connector : m_connectors) {
        if (connector.family == family) {
            return &connector;
        }
    }
    return nullptr;
}

QStringList ConnectorRegistry::families() const
{
    QStringList names;
    for (const LoadedConnector &connector : m_connectors) {
        names.append(connector.family);
    }
    return names;
}

nlohmann::json ConnectorRegistry::toJson(bool full) const
{
    nlohmann::json folders = nlohmann::json::array();
    for (const QString &folder : m_folders) {
        folders.push_back(utf8(folder));
    }
    nlohmann::json connectors = nlohmann::json::array();
    for (const LoadedConnector &connector : m_connectors) {
        connectors.push_back(connectorJson(connector, full));
    }
    nlohmann::json failures = nlohmann::json::array();
    for (const PluginFailure &failure : m_failures) {
        failures.push_back({{"file", utf8(failure.file)}, {"message", utf8(failure.message)}});
    }
    return {{"folders", folders}, {"connectors", connectors}, {"failures", failures}};
}

} // namespace syncline::engine::plugin
