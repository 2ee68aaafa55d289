#include "rules.h"

#include "engine/model/canonicalschema.h"
#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"
#include "engine/model/shape.h"

#include <QSet>

namespace syncline::engine::model {

namespace {

using namespace shapes;

ShapePtr endpointShape()
{
    return object({
        optional("entity", reference(ObjectKind::Canonical)),
        optional("system", reference(ObjectKind::System)),
        optional("object", nonEmptyText()),
    });
}

const Shape &mappingShape()
{
    static const ShapePtr shape = object({
        required("id", identifier()),
        required("name", nonEmptyText()),
        optional("description", text()),
        required("source", endpointShape()),
        required("target", endpointShape()),
        required("fields", mapOf(nonEmptyText())),
        optional("fixtures", arrayOf(object({
                                 required("name", nonEmptyText()),
                                 optional("description", text()),
                                 required("input", anyValue()),
                                 required("expected", anyValue()),
                             }))),
    });
    return *shape;
}

// A source or target is either a canonical entity or an object type of a system.
void checkEndpoint(ProblemSink &sink, const nlohmann::json &document, const char *key)
{
    const auto endpoint = document.find(key);
    if (endpoint == document.end() || !endpoint->is_object()) {
        return;
    }
    const QString pointer = childPointer(QString(), QLatin1String(key));
    const bool hasEntity = endpoint->contains("entity");
    const bool hasSystem = endpoint->contains("system");
    if (hasEntity == hasSystem) {
        sink.add(pointer, hasEntity ? kProblemInvalidValue : kProblemMissingField,
                 QStringLiteral("\"%1\" names either a canonical \"entity\" or a \"system\" with "
                                "its \"object\", not %2")
                     .arg(QLatin1String(key), hasEntity ? QStringLiteral("both")
                                                        : QStringLiteral("neither")));
        return;
    }
    if (hasSystem && !endpoint->contains("object")) {
        sink.add(pointer, kProblemMissingField,
                 QStringLiteral("the key \"object\" is required with \"system\" (e.g. \"Account\")"));
    }
    if (hasEntity && endpoint->contains("object")) {
        sink.add(childPointer(pointer, QStringLiteral("object")), kProblemInvalidValue,
                 QStringLiteral("\"object\" goes with \"system\", not with \"entity\""));
    }
}

// Field paths are checked when the target is a canonical entity; a system's object shapes come
// from its connector and are checked there.
void checkFieldPaths(ProblemSink &sink, const nlohmann::json &document)
{
    const auto fields = document.find("fields");
    const auto target = document.find("target");
    if (fields == document.end() || !fields->is_object() || target == document.end()
        || !target->is_object()) {
        return;
    }
    if (fields->empty()) {
        sink.add(QStringLiteral("/fields"), kProblemInvalidValue,
                 QStringLiteral("a mapping needs at least one target field"));
    }
    const auto entity = target->find("entity");
    if (entity == target->end() || !entity->is_string()) {
        return;
    }
    const QString entityId = QString::fromStdString(entity->get<std::string>());
    if (!sink.workspace().contains(ObjectKind::Canonical, entityId)) {
        return; // reported as a missing reference already, or the schema failed to parse
    }
    for (auto it = fields->begin(); it != fields->end(); ++it) {
        const QString path = QString::fromStdString(it.key());
        bool brokenRef = false;
        const QString why = checkPropertyPath(sink.workspace(), entityId, path, &brokenRef);
        // A $ref that does not resolve is reported on the schema; repeating it here adds noise.
        if (!why.isEmpty() && !brokenRef) {
            sink.add(childPointer(QStringLiteral("/fields"), path), kProblemMissingReference,
                     QStringLiteral("target field \"%1\": %2").arg(path, why));
        }
    }
}

void checkFixtureNames(ProblemSink &sink, const nlohmann::json &document)
{
    const auto fixtures = document.find("fixtures");
    if (fixtures == document.end() || !fixtures->is_array()) {
        return;
    }
    QSet<QString> seen;
    for (std::size_t i = 0; i < fixtures->size(); ++i) {
        const nlohmann::json &fixture = (*fixtures)[i];
        if (!fixture.is_object() || !fixture.contains("name") || !fixture["name"].is_string()) {
            continue;
        }
        const QString name = QString::fromStdString(fixture["name"].get<std::string>());
        if (seen.contains(name)) {
            sink.add(childPointer(childPointer(QStringLiteral("/fixtures"), qsizetype(i)),
                                  QStringLiteral("name")),
                     kProblemDuplicateId,
                     QStringLiteral("another fixture of this mapping is already named \"%1\"")
                         .arg(name));
        }
        seen.insert(name);
    }
}

} // namespace

void checkMapping(ProblemSink &sink, const nlohmann::json &document)
{
    checkShape(sink, document, mappingShape(), QString());
    if (!document.is_object()) {
        return;
    }
    checkEndpoint(sink, document, "source");
    checkEndpoint(sink, document, "target");
    checkFieldPaths(sink, document);
    checkFixtureNames(sink, document);
}

} // namespace syncline::engine::model
