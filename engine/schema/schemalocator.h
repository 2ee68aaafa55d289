#pragma once

#include "engine/json/value.h"

#include <nlohmann/json.hpp>

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace syncline::engine::schema {

/// Finds the subschemas that apply at a place in an instance, for error messages and
/// annotations (title, description, x-syncline-*). It follows properties, patternProperties,
/// additionalProperties, items and additionalItems, and expands $ref, allOf, anyOf, oneOf and
/// if/then/else. It is a best-effort map, not a validator: validation itself is valijson's.
/// Internal to engine/schema.
class SchemaLocator
{
public:
    struct Node
    {
        const nlohmann::json *schema;
        QString baseUri;
    };
    using Fetch = std::function<const nlohmann::json *(const QString &documentUri)>;

    SchemaLocator(const nlohmann::json &root, QString rootUri, Fetch fetch);

    /// Subschemas applying to the root of the instance.
    QList<Node> atRoot() const;
    /// Subschemas applying to the member `token` (object) or element `token` (array) of
    /// `parentInstance`, given those applying to the parent.
    QList<Node> child(const QList<Node> &parent, const json::Value &parentInstance,
                      const QString &token) const;
    /// Subschemas applying at `tokens` (a JSON pointer split into unescaped tokens).
    QList<Node> at(const json::Value &instance, const QStringList &tokens) const;

    /// The first value of `keyword` among `nodes`, or nullptr.
    static const nlohmann::json *find(const QList<Node> &nodes, const char *keyword);

    /// RFC 3986 resolution of `reference` against `base` (either may be relative).
    static QString resolveUri(const QString &base, const QString &reference);

private:
    void expand(const Node &node, QList<Node> &out, int depth) const;
    std::optional<Node> resolveRef(const Node &from, const QString &reference) const;

    const nlohmann::json &m_root;
    QString m_rootUri;
    Fetch m_fetch;
};

} // namespace syncline::engine::schema
