#include "engine/runtime/nodetypes.h"

#include "engine/json/value.h"
#include "engine/schema/schemavalidator.h"

#include <QDir>
#include <QFile>
#include <QHash>

#include <algorithm>
#include <optional>

namespace syncline::engine::runtime {

namespace {

constexpr auto kFolder = ":/syncline/nodetypes";

// Settings the executor reads for every node that has an input queue.
const nlohmann::json &commonSettings()
{
    static const nlohmann::json settings = nlohmann::json::parse(R"json({
      "retry": {
        "type": "object", "title": "Retries",
        "description": "For technical failures; business failures are never retried.",
        "additionalProperties": false,
        "properties": {
          "maxAttempts": {"type": "integer", "minimum": 1, "title": "Attempts", "default": 8},
          "initialDelayMs": {"type": "integer", "minimum": 0, "title": "First delay (ms)", "default": 500},
          "factor": {"type": "number", "minimum": 1, "title": "Factor", "default": 2},
          "maxDelayMs": {"type": "integer", "minimum": 0, "title": "Longest delay (ms)", "default": 300000},
          "jitter": {"type": "number", "minimum": 0, "maximum": 1, "title": "Jitter", "default": 0.2},
          "horizonMs": {"type": "integer", "minimum": 0, "title": "Give up after (ms)", "default": 86400000}
        }
      },
      "concurrency": {
        "type": "integer", "minimum": 1, "title": "Concurrency",
        "description": "Messages this node works on at once (for an HTTP request, calls in flight).", "default": 4
      }
    })json");
    return settings;
}

std::optional<NodeCategory> categoryFromName(const std::string &name)
{
    static const std::pair<const char *, NodeCategory> names[] = {
        {"trigger", NodeCategory::Trigger},
        {"transform", NodeCategory::Transform},
        {"effect", NodeCategory::Effect},
        {"control", NodeCategory::Control},
    };
    for (const auto &[text, category] : names) {
        if (name == text) {
            return category;
        }
    }
    return std::nullopt;
}

NodeTypeInfo readType(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("node type description %s is missing from the engine", qPrintable(path));
    }
    const QByteArray bytes = file.readAll();
    const nlohmann::json doc = nlohmann::json::parse(bytes.constData(),
                                                     bytes.constData() + bytes.size(), nullptr,
                                                     false);
    const auto category = doc.is_object() ? categoryFromName(doc.value("category", ""))
                                          : std::nullopt;
    if (!category || !doc.contains("settings") || !doc["settings"].is_object()) {
        qFatal("node type description %s is malformed", qPrintable(path));
    }
    NodeTypeInfo info;
    info.type = QString::fromStdString(doc.value("type", ""));
    info.category = *category;
    info.title = QString::fromStdString(doc.value("title", ""));
    info.summary = QString::fromStdString(doc.value("summary", ""));
    for (const auto &output : doc.value("outputs", nlohmann::json::array())) {
        info.outputs.append(QString::fromStdString(output.get<std::string>()));
    }
    info.settingsSchema = doc["settings"];
    info.settingsSchema["$schema"] = "http://json-schema.org/draft-07/schema#";
    if (!info.isTrigger()) {
        // Any node with an input can have an error edge (failures go there, not to the queue).
        if (!info.outputs.contains(QStringLiteral("error"))) {
            info.outputs.append(QStringLiteral("error"));
        }
        for (const auto &[key, schema] : commonSettings().items()) {
            info.settingsSchema["properties"][key] = schema;
        }
    }
    return info;
}

struct Registry
{
    QList<NodeTypeInfo> types;
    QHash<QString, qsizetype> index;
    QHash<QString, schema::SchemaValidator> validators;
};

const Registry &registry()
{
    static const Registry registry = [] {
        Registry r;
        const QStringList files = QDir(QString::fromLatin1(kFolder))
                                      .entryList({QStringLiteral("*.json")}, QDir::Files);
        for (const QString &name : files) {
            r.types.append(readType(QString::fromLatin1(kFolder) + u'/' + name));
        }
        std::stable_sort(r.types.begin(), r.types.end(),
                         [](const NodeTypeInfo &a, const NodeTypeInfo &b) {
                             return a.category < b.category;
                         });
        for (qsizetype i = 0; i < r.types.size(); ++i) {
            const NodeTypeInfo &info = r.types[i];
            r.index.insert(info.type, i);
            Result<schema::SchemaValidator> validator = schema::SchemaValidator::compile(
                json::fromNlohmann(info.settingsSchema));
            if (!validator) {
                qFatal("the settings schema of node type %s does not compile: %s",
                       qPrintable(info.type), qPrintable(validator.error().message));
            }
            r.validators.insert(info.type, *validator);
        }
        return r;
    }();
    return registry;
}

} // namespace

const QList<NodeTypeInfo> &nodeTypes()
{
    return registry().types;
}

const NodeTypeInfo *findNodeType(const QString &type)
{
    const Registry &r = registry();
    const auto found = r.index.constFind(type);
    return found == r.index.cend() ? nullptr : &r.types[*found];
}

QString categoryName(NodeCategory category)
{
    switch (category) {
    case NodeCategory::Trigger:
        return QStringLiteral("trigger");
    case NodeCategory::Transform:
        return QStringLiteral("transform");
    case NodeCategory::Effect:
        return QStringLiteral("effect");
    case NodeCategory::Control:
        return QStringLiteral("control");
    }
    return {};
}

QStringList checkNodeSettings(const NodeTypeInfo &type, const nlohmann::json &settings)
{
    QStringList problems;
    const Registry &r = registry();
    const auto validator = r.validators.constFind(type.type);
    if (validator == r.validators.cend()) {
        return problems;
    }
    const schema::Violations violations = validator->validate(json::fromNlohmann(settings));
    for (const schema::Violation &violation : violations) {
        problems.append(QStringLiteral("settings%1: %2").arg(violation.pointer, violation.message));
    }
    return problems;
}

} // namespace syncline::engine::runtime
