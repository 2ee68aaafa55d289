#pragma once

#include "engine/core/result.h"
#include "engine/json/value.h"

#include <QHash>
#include <QString>
#include <QStringList>

namespace syncline::engine::schema {

/// The schema documents a `$ref` may point to, held locally: a workspace's canonical schemas,
/// a test suite's remotes. References are resolved only against this set, never the network.
/// A plain value (documents are shared, immutable Values); thread-compatible.
class SchemaSet
{
public:
    /// Adds `document` under `uri` (absolute like "http://localhost:1234/integer.json", or a
    /// workspace-relative name like "shared.schema.json"), and under its own "$id" when that
    /// differs. A later document with the same URI replaces the earlier one.
    void add(const QString &uri, const json::Value &document);

    enum class FolderScan { TopLevel, Recursive };

    /// Adds every *.json file in `folder` (and its subfolders when Recursive), each under
    /// `baseUri` + its path relative to the folder ("remotes/nested/string.json" ->
    /// "http://localhost:1234/nested/string.json"). Files are read with strict intake; a file
    /// that cannot be read or is refused is not added, and problem() tells why, so unrelated
    /// broken files do not matter until a $ref names one. Fails (SCHEMA_FILE) only when the
    /// folder does not exist.
    Result<void> addFolder(const QString &folder, const QString &baseUri = QString(),
                           FolderScan scan = FolderScan::Recursive);

    /// Why the file for `uri` could not be added, or "" when there was no such problem.
    QString problem(const QString &uri) const;

    /// The document for `uri` (a fragment and trailing '#' are ignored), or nullptr.
    const json::Value *find(const QString &uri) const;

    QStringList uris() const { return m_documents.keys(); }
    bool isEmpty() const { return m_documents.isEmpty(); }

private:
    QHash<QString, json::Value> m_documents;
    QHash<QString, QString> m_problems;
};

} // namespace syncline::engine::schema
