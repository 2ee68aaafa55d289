#include "engine/runtime/deploybundle.h"

#include "engine/model/objectkind.h"

#include <QSet>

#include <algorithm>

namespace syncline::engine::runtime::deploybundle {

namespace {

constexpr auto kFormat = "syncline-deployment/1";

QString text(const nlohmann::json &value)
{
    return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString();
}

nlohmann::json parse(const QByteArray &bytes)
{
    return nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr,
                                 false);
}

// Every "$ref" target file named in a schema ("money.schema.json#/definitions/x" → the file).
void collectRefs(const nlohmann::json &node, QSet<QString> &files)
{
    if (node.is_object()) {
        for (const auto &[key, value] : node.items()) {
            if (key == "$ref" && value.is_string()) {
                const QString file = text(value).section(u'#', 0, 0).section(u'/', -1);
                if (!file.isEmpty()) {
                    files.insert(file);
                }
            } else {
                collectRefs(value, files);
            }
        }
    } else if (node.is_array()) {
        for (const nlohmann::json &value : node) {
            collectRefs(value, files);
        }
    }
}

void addObject(nlohmann::json &objects, const model::WorkspaceObject &object)
{
    objects.push_back({{"kind", model::kindKey(object.kind).toStdString()},
                       {"id", object.id.toStdString()},
                       {"file", object.file.toStdString()},
                       {"document", object.document}});
}

// The canonical schemas `seeds` name, and every schema they reach through $ref.
QList<const model::WorkspaceObject *> schemaClosure(const model::Workspace &workspace,
                                                   QSet<QString> ids)
{
    QList<const model::WorkspaceObject *> closure;
    QSet<QString> seen;
    QStringList pending(ids.cbegin(), ids.cend());
    const QList<model::WorkspaceObject> all = workspace.objects(model::ObjectKind::Canonical);
    while (!pending.isEmpty()) {
        const QString id = pending.takeFirst();
        if (seen.contains(id)) {
            continue;
        }
        seen.insert(id);
        const model::WorkspaceObject *schema = workspace.find(model::ObjectKind::Canonical, id);
        if (!schema) {
            continue;
        }
        closure.append(schema);
        QSet<QString> files;
        collectRefs(schema->document, files);
        for (const model::WorkspaceObject &other : all) {
            if (files.contains(other.file.section(u'/', -1))) {
                pending.append(other.id);
            }
        }
    }
    std::sort(closure.begin(), closure.end(),
              [](const auto *a, const auto *b) { return a->id < b->id; });
    return closure;
}

} // namespace

QByteArray make(const model::Workspace &workspace, const QString &flowId)
{
    const model::WorkspaceObject *flow = workspace.find(model::ObjectKind::Flow, flowId);
    nlohmann::json objects = nlohmann::json::array();
    QSet<QString> mappings;
    QSet<QString> lookups;
    QSet<QString> schemas;
    for (const nlohmann::json &node : flow->document.value("nodes", nlohmann::json::array())) {
        const nlohmann::json settings = node.is_object()
                                            ? node.value("settings", nlohmann::json::object())
                                            : nlohmann::json::object();
        if (!settings.is_object()) {
            continue;
        }
        if (const QString id = text(settings.value("mapping", nlohmann::json())); !id.isEmpty()) {
            mappings.insert(id);
        }
        if (const QString id = text(settings.value("lookup", nlohmann::json())); !id.isEmpty()) {
            lookups.insert(id);
        }
        if (const QString id = text(settings.value("schema", nlohmann::json())); !id.isEmpty()) {
            schemas.insert(id);
        }
    }
    QStringList mappingIds(mappings.cbegin(), mappings.cend());
    mappingIds.sort();
    for (const QString &id : mappingIds) {
        if (const model::WorkspaceObject *mapping = workspace.find(model::ObjectKind::Mapping, id)) {
            addObject(objects, *mapping);
        }
    }
    QStringList lookupIds(lookups.cbegin(), lookups.cend());
    lookupIds.sort();
    for (const QString &id : lookupIds) {
        if (const model::WorkspaceObject *lookup = workspace.find(model::ObjectKind::Lookup, id)) {
            addObject(objects, *lookup);
        }
    }
    for (const model::WorkspaceObject *schema : schemaClosure(workspace, schemas)) {
        addObject(objects, *schema);
    }
    const nlohmann::json bundle = {{"format", kFormat},
                                   {"flow", flow->document},
                                   {"objects", objects}};
    const std::string bytes = bundle.dump(1) + '\n';
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

nlohmann::json flowOf(const QByteArray &stored)
{
    nlohmann::json document = parse(stored);
    if (document.is_object() && document.value("format", "") == kFormat) {
        return document["flow"];
    }
    return document;
}

model::Workspace workspaceOf(const QByteArray &stored, const model::Workspace &current)
{
    const nlohmann::json document = parse(stored);
    if (!document.is_object() || document.value("format", "") != kFormat) {
        return current;
    }
    model::Workspace workspace;
    workspace.setDocument(current.document());
    for (const model::WorkspaceObject &system : current.objects(model::ObjectKind::System)) {
        workspace.insert(system);
    }
    for (const nlohmann::json &object : document.value("objects", nlohmann::json::array())) {
        const std::optional<model::ObjectKind> kind = model::kindFromKey(
            text(object.value("kind", nlohmann::json())));
        if (!kind) {
            continue;
        }
        workspace.insert({*kind, text(object.value("id", nlohmann::json())),
                          text(object.value("file", nlohmann::json())),
                          object.value("document", nlohmann::json())});
    }
    return workspace;
}

nlohmann::json workspaceToJson(const model::Workspace &workspace)
{
    nlohmann::json files = nlohmann::json::object();
    for (const model::WorkspaceObject &object : workspace.allObjects()) {
        files[object.file.toStdString()] = object.document;
    }
    return {{"workspace", workspace.document()}, {"files", files}};
}

Result<model::Workspace> workspaceFromJson(const nlohmann::json &document)
{
    const auto invalid = [](const QString &detail) {
        return Error::make(QStringLiteral("WORKSPACE_INVALID"), detail);
    };
    if (!document.is_object() || !document.contains("files") || !document["files"].is_object()) {
        return invalid(QStringLiteral("/files: a deployment needs the workspace's files as an "
                                      "object of relative path → document"));
    }
    model::Workspace workspace;
    workspace.setDocument(document.value("workspace", nlohmann::json::object()));
    for (const auto &[path, content] : document["files"].items()) {
        const QString file = QString::fromStdString(path);
        const QString name = file.section(u'/', -1);
        const std::optional<model::ObjectKind> kind = model::kindForFileName(name);
        if (!kind || file != model::objectFilePath(*kind, name.left(name.size() - model::kindSuffix(*kind).size()))) {
            return invalid(QStringLiteral("/files/%1: not a place for a workspace object (see "
                                          "docs/workspace-format.md)")
                               .arg(file));
        }
        const QString id = name.left(name.size() - model::kindSuffix(*kind).size());
        workspace.insert({*kind, id, file, content});
    }
    return workspace;
}

} // namespace syncline::engine::runtime::deploybundle
