#include "rules.h"

#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"
#include "engine/model/shape.h"

#include <QSet>

namespace syncline::engine::model {

namespace {

using namespace shapes;

// Node types of format v1 (docs/workspace-format.md); the runtime gives each its settings.
const std::vector<std::string> &nodeTypes()
{
    static const std::vector<std::string> types = {
        "webhook", "schedule", "poll",   "subscribe", "manual",  "validate", "map",
        "route",   "split",    "aggregate", "dedupe", "lookup",  "http",     "publish",
        "write",   "delay",    "errorBranch", "respond",
    };
    return types;
}

// Settings keys that name other workspace objects, whatever the node type.
struct SettingReference
{
    const char *key;
    ObjectKind kind;
};

constexpr SettingReference kSettingReferences[] = {
    {"mapping", ObjectKind::Mapping},
    {"system", ObjectKind::System},
    {"lookup", ObjectKind::Lookup},
    {"schema", ObjectKind::Canonical},
};

constexpr qint64 kMaxThreshold = qint64(1) << 50;
constexpr qint64 kMaxSlaHours = 24 * 366;

// A flow's exception policy: per category ("default" for the others), who owns its exceptions
// and within how many hours they are due (docs/operations.md).
ShapePtr policyShape()
{
    const auto perCategory = [](const std::function<ShapePtr()> &value) {
        std::vector<ShapeField> fields;
        for (const char *category : {"business", "technical", "uncertain", "default"}) {
            fields.push_back(optional(category, value()));
        }
        return object(fields);
    };
    return object({
        optional("owner", perCategory([] { return oneOf({"finance", "admin", "analyst"}); })),
        optional("slaHours", perCategory([] { return integer(1, kMaxSlaHours); })),
    });
}

const Shape &flowShape()
{
    static const ShapePtr shape = object({
        required("id", identifier()),
        required("name", nonEmptyText()),
        optional("description", text()),
        optional("policy", policyShape()),
        required("nodes", arrayOf(object({
                              required("id", identifier()),
                              required("type", oneOf(nodeTypes())),
                              optional("name", nonEmptyText()),
                              optional("description", text()),
                              optional("settings", object({}, true)),
                          }))),
        optional("edges", arrayOf(object({
                              required("from", nonEmptyText()),
                              required("to", nonEmptyText()),
                              optional("output", nonEmptyText()),
                              // NiFi-style back pressure on the queue this edge feeds.
                              optional("backPressure", object({
                                                           optional("messages",
                                                                    integer(1, kMaxThreshold)),
                                                           optional("bytes",
                                                                    integer(1, kMaxThreshold)),
                                                       })),
                          }))),
        optional("view", object({
                             optional("nodes", mapOf(object({
                                                   required("x", number(-1e9, 1e9)),
                                                   required("y", number(-1e9, 1e9)),
                                               }))),
                         })),
    });
    return *shape;
}

QSet<QString> checkNodes(ProblemSink &sink, const nlohmann::json &nodes)
{
    QSet<QString> ids;
    if (!nodes.is_array()) {
        return ids;
    }
    if (nodes.empty()) {
        sink.add(QStringLiteral("/nodes"), kProblemInvalidValue,
                 QStringLiteral("a flow needs at least one node"));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const nlohmann::json &node = nodes[i];
        const QString pointer = childPointer(QStringLiteral("/nodes"), qsizetype(i));
        if (!node.is_object()) {
            continue;
        }
        if (const auto id = node.find("id"); id != node.end() && id->is_string()) {
            const QString name = QString::fromStdString(id->get<std::string>());
            if (ids.contains(name)) {
                sink.add(childPointer(pointer, QStringLiteral("id")), kProblemDuplicateId,
                         QStringLiteral("another node of this flow already has the id \"%1\"")
                             .arg(name));
            }
            ids.insert(name);
        }
        const auto settings = node.find("settings");
        if (settings == node.end() || !settings->is_object()) {
            continue;
        }
        const QString settingsPointer = childPointer(pointer, QStringLiteral("settings"));
        for (const SettingReference &reference : kSettingReferences) {
            const auto value = settings->find(reference.key);
            if (value == settings->end()) {
                continue;
            }
            const QString at = childPointer(settingsPointer, QLatin1String(reference.key));
            if (!value->is_string()) {
                sink.add(at, kProblemWrongType,
                         QStringLiteral("\"%1\" must be the id of a %2 (a string), not %3")
                             .arg(QLatin1String(reference.key), kindNoun(reference.kind),
                                  describeJsonType(*value)));
                continue;
            }
            sink.requireObject(at, reference.kind, QString::fromStdString(value->get<std::string>()));
        }
    }
    return ids;
}

void checkEdges(ProblemSink &sink, const nlohmann::json &edges, const QSet<QString> &nodeIds)
{
    if (!edges.is_array()) {
        return;
    }
    for (std::size_t i = 0; i < edges.size(); ++i) {
        const nlohmann::json &edge = edges[i];
        if (!edge.is_object()) {
            continue;
        }
        for (const char *end : {"from", "to"}) {
            const auto value = edge.find(end);
            if (value == edge.end() || !value->is_string()) {
                continue;
            }
            const QString id = QString::fromStdString(value->get<std::string>());
            if (!nodeIds.contains(id)) {
                sink.add(childPointer(childPointer(QStringLiteral("/edges"), qsizetype(i)),
                                      QLatin1String(end)),
                         kProblemMissingReference,
                         QStringLiteral("there is no node \"%1\" in this flow").arg(id));
            }
        }
    }
}

void checkView(ProblemSink &sink, const nlohmann::json &document, const QSet<QString> &nodeIds)
{
    const auto view = document.find("view");
    if (view == document.end() || !view->is_object()) {
        return;
    }
    const auto nodes = view->find("nodes");
    if (nodes == view->end() || !nodes->is_object()) {
        return;
    }
    for (auto it = nodes->begin(); it != nodes->end(); ++it) {
        const QString id = QString::fromStdString(it.key());
        if (!nodeIds.contains(id)) {
            sink.add(childPointer(QStringLiteral("/view/nodes"), id), kProblemMissingReference,
                     QStringLiteral("layout for node \"%1\", which is not in this flow").arg(id));
        }
    }
}

} // namespace

void checkFlow(ProblemSink &sink, const nlohmann::json &document)
{
    checkShape(sink, document, flowShape(), QString());
    if (!document.is_object()) {
        return;
    }
    const QSet<QString> nodeIds = checkNodes(sink, document.value("nodes", nlohmann::json()));
    checkEdges(sink, document.value("edges", nlohmann::json()), nodeIds);
    checkView(sink, document, nodeIds);
}

} // namespace syncline::engine::model
