#include "schemaresources.h"

#include "engine/schema/schemalocator.h"

#include <algorithm>
#include <set>

namespace syncline::engine::schema {

namespace {

QString withoutFragment(const QString &uri)
{
    const qsizetype hash = uri.indexOf(u'#');
    return hash < 0 ? uri : uri.left(hash);
}

QString fragmentOf(const QString &uri)
{
    const qsizetype hash = uri.indexOf(u'#');
    return hash < 0 ? QString() : uri.mid(hash + 1);
}

std::string escapeToken(const std::string &token)
{
    std::string escaped;
    for (const char c : token) {
        if (c == '~') {
            escaped += "~0";
        } else if (c == '/') {
            escaped += "~1";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

// Calls `visit(child, pointerSuffix)` for every subschema directly below a schema object.
template<typename Json, typename Visit>
void forEachSubschema(Json &node, Visit visit)
{
    for (const char *single : {"additionalItems", "additionalProperties", "contains",
                               "propertyNames", "not", "if", "then", "else"}) {
        if (const auto it = node.find(single); it != node.end()) {
            visit(*it, std::string("/") + single);
        }
    }
    if (const auto it = node.find("items"); it != node.end()) {
        if (it->is_array()) {
            for (std::size_t i = 0; i < it->size(); ++i) {
                visit((*it)[i], "/items/" + std::to_string(i));
            }
        } else {
            visit(*it, "/items");
        }
    }
    for (const char *list : {"allOf", "anyOf", "oneOf"}) {
        if (const auto it = node.find(list); it != node.end() && it->is_array()) {
            for (std::size_t i = 0; i < it->size(); ++i) {
                visit((*it)[i], std::string("/") + list + "/" + std::to_string(i));
            }
        }
    }
    for (const char *map : {"properties", "patternProperties", "definitions", "dependencies"}) {
        if (const auto it = node.find(map); it != node.end() && it->is_object()) {
            for (auto member = it->begin(); member != it->end(); ++member) {
                visit(member.value(), std::string("/") + map + "/" + escapeToken(member.key()));
            }
        }
    }
}

// The scope a schema object opens: its resolved "$id", ignored next to "$ref" (draft-07).
QString scopeOf(const nlohmann::json &node, const QString &scope)
{
    const auto id = node.find("$id");
    if (id == node.end() || !id->is_string() || node.contains("$ref")) {
        return scope;
    }
    return SchemaLocator::resolveUri(scope, QString::fromStdString(id->get<std::string>()));
}

} // namespace

const QString &SchemaResources::anonymousRootUri()
{
    static const QString uri = QStringLiteral("urn:syncline:anonymous-root");
    return uri;
}

SchemaResources::SchemaResources(const SchemaSet &set)
    : m_set(&set)
{}

const nlohmann::json &SchemaResources::addRoot(const nlohmann::json &schema, const QString &uri)
{
    const nlohmann::json &root = addDocument(schema, uri);
    if (uri.isEmpty()) {
        m_documents.emplace(anonymousRootUri(), m_documents.at(QString()));
    }
    return root;
}

namespace {

bool hasKey(const nlohmann::json &node, const std::string &key)
{
    if (node.is_object()) {
        if (node.contains(key)) {
            return true;
        }
        return std::any_of(node.begin(), node.end(), [&](const nlohmann::json &child) {
            return hasKey(child, key);
        });
    }
    if (node.is_array()) {
        return std::any_of(node.begin(), node.end(), [&](const nlohmann::json &child) {
            return hasKey(child, key);
        });
    }
    return false;
}

} // namespace

bool SchemaResources::anyDocumentHasKey(const std::string &key) const
{
    return std::any_of(m_documents.begin(), m_documents.end(),
                       [&](const auto &entry) { return hasKey(*entry.second, key); });
}

std::optional<QString> SchemaResources::findRefLoop()
{
    std::set<QString> checked;
    for (bool more = true; more;) {
        more = false;
        std::vector<QString> uris;
        for (const auto &entry : m_documents) {
            if (!checked.count(entry.first)) {
                uris.push_back(entry.first);
            }
        }
        for (const QString &uri : uris) {
            checked.insert(uri);
            more = true;
            std::vector<const nlohmann::json *> refNodes;
            collectRefNodes(*m_documents.at(uri), refNodes);
            for (const nlohmann::json *node : refNodes) {
                if (auto loop = followRefs(uri, *node)) {
                    return loop;
                }
            }
        }
    }
    return std::nullopt;
}

void SchemaResources::collectRefNodes(const nlohmann::json &node,
                                      std::vector<const nlohmann::json *> &refNodes) const
{
    if (!node.is_object()) {
        return;
    }
    if (node.contains("$ref")) {
        refNodes.push_back(&node);
    }
    forEachSubschema(node, [&](const nlohmann::json &child, const std::string &) {
        collectRefNodes(child, refNodes);
    });
}

std::optional<QString> SchemaResources::followRefs(const QString &documentUri,
                                                  const nlohmann::json &start)
{
    constexpr int kMaxHops = 64;
    std::set<const nlohmann::json *> seen{&start};
    QStringList chain;
    QString currentDocument = documentUri;
    const nlohmann::json *current = &start;
    for (int hop = 0; hop < kMaxHops; ++hop) {
        const auto ref = current->find("$ref");
        if (ref == current->end() || !ref->is_string()) {
            return std::nullopt;
        }
        const QString reference = QString::fromStdString(ref->get<std::string>());
        chain.append(reference);
        const QString targetDocument = reference.startsWith(u'#') ? currentDocument
                                                                  : withoutFragment(reference);
        const nlohmann::json *document = this->document(targetDocument);
        if (document == nullptr) {
            return std::nullopt; // reported as unresolved by the compiler
        }
        try {
            const nlohmann::json::json_pointer pointer(fragmentOf(reference).toStdString());
            if (!document->contains(pointer)) {
                return std::nullopt;
            }
            current = &document->at(pointer);
        } catch (const nlohmann::json::exception &) {
            return std::nullopt;
        }
        currentDocument = targetDocument;
        if (!seen.insert(current).second) {
            break;
        }
    }
    return chain.join(QStringLiteral(" -> "));
}

const nlohmann::json *SchemaResources::find(const QString &uri) const
{
    const auto it = m_documents.find(withoutFragment(uri));
    return it == m_documents.end() ? nullptr : it->second.get();
}

const nlohmann::json *SchemaResources::document(const QString &uri)
{
    const QString name = withoutFragment(uri);
    if (const nlohmann::json *found = find(name)) {
        return found;
    }
    if (loadFromSet(name)) {
        return find(name);
    }
    // The URI may be an $id declared inside a document not loaded yet.
    if (!m_loadedWholeSet && m_set != nullptr) {
        m_loadedWholeSet = true;
        for (const QString &other : m_set->uris()) {
            loadFromSet(other);
        }
    }
    return find(name);
}

bool SchemaResources::loadFromSet(const QString &documentUri)
{
    if (m_set == nullptr || m_loadedFromSet.contains(documentUri)) {
        return false;
    }
    m_loadedFromSet.insert(documentUri, true);
    const json::Value *document = m_set->find(documentUri);
    if (document == nullptr) {
        return false;
    }
    addDocument(json::toNlohmann(*document), documentUri);
    return true;
}

const nlohmann::json &SchemaResources::addDocument(const nlohmann::json &document, const QString &uri)
{
    const QString base = withoutFragment(uri);
    std::vector<std::pair<QString, std::string>> resources; // (uri, pointer in document)
    resources.emplace_back(base, std::string());
    indexIds(document, base, base, std::string(), std::string(), resources);

    auto prepared = std::make_shared<nlohmann::json>(document);
    rewrite(*prepared, base);
    for (const auto &[resourceUri, pointer] : resources) {
        if (resourceUri.isEmpty() && !pointer.empty()) {
            continue;
        }
        if (pointer.empty()) {
            m_documents.emplace(resourceUri, prepared);
        } else {
            m_documents.emplace(resourceUri, std::make_shared<nlohmann::json>(
                                                 prepared->at(nlohmann::json::json_pointer(pointer))));
        }
    }
    return *m_documents.at(base);
}

void SchemaResources::indexIds(const nlohmann::json &node, const QString &scope,
                               const QString &resource, const std::string &documentPointer,
                               const std::string &resourcePointer,
                               std::vector<std::pair<QString, std::string>> &found)
{
    if (!node.is_object()) {
        return;
    }
    QString here = scope;
    QString currentResource = resource;
    std::string fromResource = resourcePointer;
    const QString resolved = scopeOf(node, scope);
    if (resolved != scope) {
        const QString fragment = fragmentOf(resolved);
        const QString document = withoutFragment(resolved);
        if (document != withoutFragment(scope)) {
            // A new resource: a document of its own from here on.
            found.emplace_back(document, documentPointer);
            currentResource = document;
            fromResource.clear();
        }
        if (!fragment.isEmpty() && !fragment.startsWith(u'/')) {
            m_anchors.insert(currentResource + u'#' + fragment, Anchor{currentResource, fromResource});
        }
        here = document;
    }
    forEachSubschema(node, [&](const nlohmann::json &child, const std::string &suffix) {
        indexIds(child, here, currentResource, documentPointer + suffix, fromResource + suffix,
                 found);
    });
}

void SchemaResources::rewrite(nlohmann::json &node, const QString &scope)
{
    if (!node.is_object()) {
        return;
    }
    node.erase("id");
    const QString here = withoutFragment(scopeOf(node, scope));
    if (const auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
        *ref = rewriteRef(scope, QString::fromStdString(ref->get<std::string>())).toStdString();
    }
    forEachSubschema(node, [&](nlohmann::json &child, const std::string &) { rewrite(child, here); });
    // valijson checks date, time and date-time formats on any type; draft-07 applies formats to
    // strings only.
    if (const auto format = node.find("format"); format != node.end() && format->is_string()) {
        nlohmann::json conditional = {{"if", {{"type", "string"}}}, {"then", {{"format", *format}}}};
        node.erase("format");
        nlohmann::json &allOf = node["allOf"];
        if (!allOf.is_array()) {
            allOf = nlohmann::json::array();
        }
        allOf.push_back(std::move(conditional));
    }
}

QString SchemaResources::rewriteRef(const QString &scope, const QString &reference)
{
    const QString resolved = SchemaLocator::resolveUri(scope, reference);
    const QString fragment = fragmentOf(resolved);
    if (fragment.isEmpty() || fragment.startsWith(u'/')) {
        return resolved;
    }
    auto anchor = m_anchors.constFind(resolved);
    if (anchor == m_anchors.constEnd() && loadFromSet(withoutFragment(resolved))) {
        anchor = m_anchors.constFind(resolved);
    }
    if (anchor == m_anchors.constEnd()) {
        return resolved;
    }
    return anchor->resource + u'#' + QString::fromStdString(anchor->pointer);
}

} // namespace syncline::engine::schema
