#include "canonicalschema.h"

#include "engine/model/objectkind.h"

#include <QStringList>

namespace syncline::engine::model {

namespace {

constexpr int kMaxRefHops = 16;

std::string unescapeToken(std::string token)
{
    std::string result;
    result.reserve(token.size());
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
            result += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            result += token[i];
        }
    }
    return result;
}

const nlohmann::json *stringOrNull(const nlohmann::json &object, const char *key)
{
    if (!object.is_object()) {
        return nullptr;
    }
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? &*it : nullptr;
}

} // namespace

const nlohmann::json *resolvePointer(const nlohmann::json &document, const std::string &pointer)
{
    if (pointer.empty()) {
        return &document;
    }
    if (pointer.front() != '/') {
        return nullptr;
    }
    const nlohmann::json *node = &document;
    std::size_t start = 1;
    while (true) {
        const std::size_t end = pointer.find('/', start);
        const std::string token = unescapeToken(
            pointer.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (node->is_object()) {
            const auto it = node->find(token);
            if (it == node->end()) {
                return nullptr;
            }
            node = &*it;
        } else if (node->is_array()) {
            if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos
                || (token.size() > 1 && token.front() == '0') || token.size() > 9) {
                return nullptr;
            }
            const std::size_t index = std::stoul(token);
            if (index >= node->size()) {
                return nullptr;
            }
            node = &(*node)[index];
        } else {
            return nullptr;
        }
        if (end == std::string::npos) {
            return node;
        }
        start = end + 1;
    }
}

std::optional<SchemaLocation> resolveSchemaRef(const Workspace &workspace, const QString &fromId,
                                               const std::string &ref, QString *why)
{
    const std::size_t hash = ref.find('#');
    const std::string filePart = ref.substr(0, hash);
    const std::string pointer = hash == std::string::npos ? std::string() : ref.substr(hash + 1);
    QString targetId = fromId;
    if (!filePart.empty()) {
        const QString fileName = QString::fromStdString(filePart);
        const QString suffix = kindSuffix(ObjectKind::Canonical);
        if (!fileName.endsWith(suffix) || fileName.contains(u'/') || fileName.contains(u':')) {
            *why = QStringLiteral("\"%1\" is not a canonical schema of this workspace; refer to "
                                  "one as \"name%2\" or \"name%2#/definitions/...\"")
                       .arg(fileName, suffix);
            return std::nullopt;
        }
        targetId = fileName.chopped(suffix.size());
    }
    const WorkspaceObject *target = workspace.find(ObjectKind::Canonical, targetId);
    if (!target) {
        *why = QStringLiteral("there is no canonical schema \"%1\" (expected %2)")
                   .arg(targetId, objectFilePath(ObjectKind::Canonical, targetId));
        return std::nullopt;
    }
    const nlohmann::json *node = resolvePointer(target->document, pointer);
    if (!node) {
        *why = QStringLiteral("\"%1\" does not exist in %2")
                   .arg(QString::fromStdString(pointer), target->file);
        return std::nullopt;
    }
    return SchemaLocation{targetId, node};
}

std::optional<SchemaLocation> followRefs(const Workspace &workspace, SchemaLocation location,
                                         QString *why)
{
    for (int hop = 0; hop < kMaxRefHops; ++hop) {
        const nlohmann::json *ref = stringOrNull(*location.schema, "$ref");
        if (!ref) {
            return location;
        }
        std::optional<SchemaLocation> next =
            resolveSchemaRef(workspace, location.schemaId, ref->get<std::string>(), why);
        if (!next) {
            return std::nullopt;
        }
        location = *next;
    }
    *why = QStringLiteral("$ref chain is longer than %1 steps or loops").arg(kMaxRefHops);
    return std::nullopt;
}

QString checkPropertyPath(const Workspace &workspace, const QString &entityId, const QString &path,
                          bool *brokenRef)
{
    if (brokenRef) {
        *brokenRef = false;
    }
    const WorkspaceObject *entity = workspace.find(ObjectKind::Canonical, entityId);
    if (!entity) {
        return QStringLiteral("there is no canonical schema \"%1\"").arg(entityId);
    }
    SchemaLocation location{entityId, &entity->document};
    QString walked;
    const QStringList segments = path.split(u'.');
    for (const QString &segment : segments) {
        QString why;
        std::optional<SchemaLocation> resolved = followRefs(workspace, location, &why);
        // Step through arrays: a path into a list addresses the fields of its items.
        while (resolved && resolved->schema->is_object() && resolved->schema->contains("items")
               && !resolved->schema->contains("properties")) {
            resolved = followRefs(workspace,
                                  SchemaLocation{resolved->schemaId, &(*resolved->schema)["items"]},
                                  &why);
        }
        if (!resolved) {
            if (brokenRef) {
                *brokenRef = true;
            }
            return why;
        }
        const nlohmann::json *node = resolved->schema;
        const nlohmann::json *properties =
            node->is_object() && node->contains("properties") ? &(*node)["properties"] : nullptr;
        const std::string key = segment.toStdString();
        if (!properties || !properties->is_object() || !properties->contains(key)) {
            return walked.isEmpty()
                       ? QStringLiteral("\"%1\" is not a property of %2").arg(segment, entityId)
                       : QStringLiteral("\"%1\" is not a property of %2.%3")
                             .arg(segment, entityId, walked);
        }
        walked += walked.isEmpty() ? segment : u'.' + segment;
        location = SchemaLocation{resolved->schemaId, &(*properties)[key]};
    }
    return {};
}

} // namespace syncline::engine::model
