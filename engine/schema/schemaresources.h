#pragma once

#include "engine/schema/schemaset.h"

#include <nlohmann/json.hpp>

#include <QHash>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace syncline::engine::schema {

/// The schema documents one compiled schema uses, prepared for valijson, which knows only
/// draft-04 "id" scoping and JSON-pointer fragments. Each document is rewritten so that
/// valijson needs neither:
/// - every `$ref` is resolved (RFC 3986) against the draft-07 `$id` scope it sits in, and a
///   plain-name fragment ("#foo", declared by "$id": "#foo") becomes the JSON pointer of the
///   schema that declares it;
/// - every subschema with its own `$id` is also a document of its own, under that URI;
/// - "id" members are dropped (not a draft-07 keyword), and "format" applies to strings only.
/// Documents come from the root schema and, on demand, from a SchemaSet. Internal to
/// engine/schema; not thread-safe while being filled, read-only afterwards.
class SchemaResources
{
public:
    explicit SchemaResources(const SchemaSet &set);

    /// The URI given to a root schema that has none of its own.
    static const QString &anonymousRootUri();

    /// Prepares the root schema (`uri` may be empty) and returns the prepared copy.
    const nlohmann::json &addRoot(const nlohmann::json &schema, const QString &uri);
    /// A description of a `$ref` chain that never reaches a schema ("#/definitions/a" ->
    /// "#/definitions/b" -> "#/definitions/a"), searched in every document reachable so far;
    /// valijson would recurse on it until the stack runs out.
    std::optional<QString> findRefLoop();
    /// The prepared document for `uri` (fragment ignored), loading it from the set when
    /// needed; nullptr when neither the schemas seen so far nor the set hold it.
    const nlohmann::json *document(const QString &uri);
    /// Read-only lookup, for use after compilation.
    const nlohmann::json *find(const QString &uri) const;
    /// True when any document loaded so far has a member named `key` anywhere.
    bool anyDocumentHasKey(const std::string &key) const;
    /// Stops loading from the set (which need not outlive compilation).
    void forgetSet() { m_set = nullptr; }

private:
    struct Anchor
    {
        QString resource;
        std::string pointer; // JSON pointer from the resource's root
    };

    void indexIds(const nlohmann::json &node, const QString &scope, const QString &resource,
                  const std::string &documentPointer, const std::string &resourcePointer,
                  std::vector<std::pair<QString, std::string>> &found);
    void rewrite(nlohmann::json &node, const QString &scope);
    QString rewriteRef(const QString &scope, const QString &reference);
    std::optional<QString> followRefs(const QString &documentUri, const nlohmann::json &node);
    void collectRefNodes(const nlohmann::json &node,
                         std::vector<const nlohmann::json *> &refNodes) const;
    const nlohmann::json &addDocument(const nlohmann::json &document, const QString &uri);
    bool loadFromSet(const QString &documentUri);

    const SchemaSet *m_set;
    std::map<QString, std::shared_ptr<nlohmann::json>> m_documents;
    QHash<QString, Anchor> m_anchors;
    QHash<QString, bool> m_loadedFromSet;
    bool m_loadedWholeSet = false;
};

} // namespace syncline::engine::schema
