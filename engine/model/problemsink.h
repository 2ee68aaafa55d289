#pragma once

#include "engine/model/objectkind.h"
#include "engine/model/problem.h"
#include "engine/model/workspace.h"

#include <QLatin1StringView>
#include <QSet>
#include <QString>

namespace syncline::engine::model {

/// Collects the problems of one file while it is checked, and answers whether references from
/// it resolve. Internal to the model module.
class ProblemSink
{
public:
    /// `unparsed` holds objectFilePath()s of files that exist but could not be parsed: references
    /// to them count as resolved, so a syntax error is not echoed as missing references.
    ProblemSink(const Workspace &workspace, const QSet<QString> &unparsed, ProblemList &problems,
                QString file, std::optional<ObjectKind> kind, QString objectId);

    void add(const QString &pointer, QLatin1StringView code, const QString &message);

    /// Whether an object of `kind` named `id` exists (or exists but failed to parse).
    bool objectExists(ObjectKind kind, const QString &id) const;
    /// Reports MISSING_REFERENCE at `pointer` unless the object exists; returns whether it does.
    bool requireObject(const QString &pointer, ObjectKind kind, const QString &id);

    const Workspace &workspace() const { return m_workspace; }
    const QString &file() const { return m_file; }
    const QString &objectId() const { return m_objectId; }

private:
    const Workspace &m_workspace;
    const QSet<QString> &m_unparsed;
    ProblemList &m_problems;
    QString m_file;
    std::optional<ObjectKind> m_kind;
    QString m_objectId;
};

/// "a" + pointer token, for building child pointers: childPointer("/nodes", 3) == "/nodes/3".
QString childPointer(const QString &pointer, const QString &token);
QString childPointer(const QString &pointer, qsizetype index);

/// The last token of a pointer, unescaped ("" for the root).
QString lastPointerToken(const QString &pointer);

} // namespace syncline::engine::model
