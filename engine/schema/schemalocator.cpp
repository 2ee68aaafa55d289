#include "schemalocator.h"

#include "engine/schema/instanceview.h"

#include <QUrl>

#include <regex>

namespace syncline::engine::schema {

namespace {

// $ref chains and combinators nest; beyond this the schema is cyclic or absurd.
constexpr int kMaxExpandDepth = 32;

QString withoutFragment(const QString &uri)
{
    const qsizetype hash = uri.indexOf(u'#');
    return hash < 0 ? uri : uri.left(hash);
}

bool isSchema(const nlohmann::json &node)
{
    return node.is_object() || node.is_boolean();
}

bool patternMatches(const std::string &pattern, const std::string &text)
{
    try {
        return std::regex_search(text, std::regex(pattern, std::regex::ECMAScript));
    } catch (const std::exception &) {
        return false;
    }
}

} // namespace

SchemaLocator::SchemaLocator(const nlohmann::json &root, QString rootUri, Fetch fetch)
    : m_root(root)
    , m_rootUri(std::move(rootUri))
    , m_fetch(std::move(fetch))
{}

QList<SchemaLocator::Node> SchemaLocator::atRoot() const
{
    QList<Node> nodes;
    expand(Node{&m_root, m_rootUri}, nodes, 0);
    return nodes;
}

QList<SchemaLocator::Node> SchemaLocator::child(const QList<Node> &parent,
                                                const json::Value &parentInstance,
                                                const QString &token) const
{
    QList<Node> nodes;
    const std::string key = token.toStdString();
    for (const Node &node : parent) {
        const nlohmann::json &schema = *node.schema;
        if (!schema.is_object()) {
            continue;
        }
        if (parentInstance.isObject()) {
            bool matched = false;
            const auto properties = schema.find("properties");
            if (properties != schema.end() && properties->is_object() && properties->contains(key)) {
                expand(Node{&properties->at(key), node.baseUri}, nodes, 0);
                matched = true;
            }
            const auto patterns = schema.find("patternProperties");
            if (patterns != schema.end() && patterns->is_object()) {
                for (auto it = patterns->begin(); it != patterns->end(); ++it) {
                    if (patternMatches(it.key(), key)) {
                        expand(Node{&it.value(), node.baseUri}, nodes, 0);
                        matched = true;
                    }
                }
            }
            const auto additional = schema.find("additionalProperties");
            if (!matched && additional != schema.end() && isSchema(*additional)) {
                expand(Node{&*additional, node.baseUri}, nodes, 0);
            }
        } else if (parentInstance.isArray()) {
            const std::size_t index = token.toULongLong();
            const auto items = schema.find("items");
            if (items == schema.end()) {
                continue;
            }
            if (isSchema(*items)) {
                expand(Node{&*items, node.baseUri}, nodes, 0);
            } else if (items->is_array() && index < items->size()) {
                expand(Node{&items->at(index), node.baseUri}, nodes, 0);
            } else if (const auto more = schema.find("additionalItems");
                       more != schema.end() && isSchema(*more)) {
                expand(Node{&*more, node.baseUri}, nodes, 0);
            }
        }
    }
    return nodes;
}

QList<SchemaLocator::Node> SchemaLocator::at(const json::Value &instance,
                                             const QStringList &tokens) const
{
    QList<Node> nodes = atRoot();
    const json::Value *current = &instance;
    for (const QString &token : tokens) {
        if (nodes.isEmpty() || current == nullptr) {
            return {};
        }
        nodes = child(nodes, *current, token);
        if (const json::Value *member = instance::member(*current, token.toStdString())) {
            current = member;
        } else if (current->isArray() && token.toULongLong() < current->size()) {
            current = &(*current)[token.toULongLong()];
        } else {
            current = nullptr;
        }
    }
    return nodes;
}

const nlohmann::json *SchemaLocator::find(const QList<Node> &nodes, const char *keyword)
{
    for (const Node &node : nodes) {
        if (node.schema->is_object()) {
            const auto it = node.schema->find(keyword);
            if (it != node.schema->end()) {
                return &*it;
            }
        }
    }
    return nullptr;
}

QString SchemaLocator::resolveUri(const QString &base, const QString &reference)
{
    if (base.isEmpty()) {
        return reference;
    }
    return QUrl(base).resolved(QUrl(reference)).toString();
}

void SchemaLocator::expand(const Node &node, QList<Node> &out, int depth) const
{
    if (depth > kMaxExpandDepth || !node.schema->is_object()) {
        return;
    }
    const nlohmann::json &schema = *node.schema;
    Node here = node;
    if (const auto id = schema.find("$id"); id != schema.end() && id->is_string()) {
        here.baseUri = withoutFragment(resolveUri(node.baseUri, QString::fromStdString(*id)));
    }
    if (const auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
        // In draft-07 a $ref replaces its siblings.
        if (const auto target = resolveRef(here, QString::fromStdString(*ref))) {
            expand(*target, out, depth + 1);
        }
        return;
    }
    out.append(here);
    for (const char *list : {"allOf", "anyOf", "oneOf"}) {
        const auto it = schema.find(list);
        if (it != schema.end() && it->is_array()) {
            for (const nlohmann::json &part : *it) {
                expand(Node{&part, here.baseUri}, out, depth + 1);
            }
        }
    }
    for (const char *branch : {"then", "else"}) {
        const auto it = schema.find(branch);
        if (it != schema.end()) {
            expand(Node{&*it, here.baseUri}, out, depth + 1);
        }
    }
}

std::optional<SchemaLocator::Node> SchemaLocator::resolveRef(const Node &from,
                                                            const QString &reference) const
{
    const QString uri = resolveUri(from.baseUri, reference);
    const QString document = withoutFragment(uri);
    const qsizetype hash = uri.indexOf(u'#');
    const QString fragment = hash < 0 ? QString() : QUrl::fromPercentEncoding(uri.mid(hash + 1).toUtf8());
    const nlohmann::json *root = nullptr;
    if (document.isEmpty() || document == withoutFragment(m_rootUri)) {
        root = &m_root;
    } else if (m_fetch) {
        root = m_fetch(document);
    }
    if (root == nullptr || (!fragment.isEmpty() && !fragment.startsWith(u'/'))) {
        return std::nullopt;
    }
    try {
        const nlohmann::json::json_pointer pointer(fragment.toStdString());
        if (!root->contains(pointer)) {
            return std::nullopt;
        }
        return Node{&root->at(pointer), document.isEmpty() ? from.baseUri : document};
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
}

} // namespace syncline::engine::schema
