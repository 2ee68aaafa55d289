#include "problemsink.h"

#include "engine/model/jsonreader.h"
#include "engine/model/problemcodes.h"

namespace syncline::engine::model {

ProblemSink::ProblemSink(const Workspace &workspace, const QSet<QString> &unparsed,
                         ProblemList &problems, QString file, std::optional<ObjectKind> kind,
                         QString objectId)
    : m_workspace(workspace)
    , m_unparsed(unparsed)
    , m_problems(problems)
    , m_file(std::move(file))
    , m_kind(kind)
    , m_objectId(std::move(objectId))
{}

void ProblemSink::add(const QString &pointer, QLatin1StringView code, const QString &message)
{
    Problem problem;
    problem.file = m_file;
    problem.pointer = pointer;
    problem.message = message;
    problem.code = QString(code);
    problem.kind = m_kind;
    problem.objectId = m_objectId;
    m_problems.append(problem);
}

bool ProblemSink::objectExists(ObjectKind kind, const QString &id) const
{
    return m_workspace.contains(kind, id) || m_unparsed.contains(objectFilePath(kind, id));
}

bool ProblemSink::requireObject(const QString &pointer, ObjectKind kind, const QString &id)
{
    if (objectExists(kind, id)) {
        return true;
    }
    add(pointer, kProblemMissingReference,
        QStringLiteral("there is no %1 \"%2\" (expected %3)")
            .arg(kindNoun(kind), id, objectFilePath(kind, id)));
    return false;
}

QString childPointer(const QString &pointer, const QString &token)
{
    return pointer + u'/' + escapePointerToken(token);
}

QString childPointer(const QString &pointer, qsizetype index)
{
    return pointer + u'/' + QString::number(index);
}

QString lastPointerToken(const QString &pointer)
{
    const qsizetype slash = pointer.lastIndexOf(u'/');
    if (slash < 0) {
        return {};
    }
    QString token = pointer.mid(slash + 1);
    token.replace(QLatin1String("~1"), QLatin1String("/"));
    token.replace(QLatin1String("~0"), QLatin1String("~"));
    return token;
}

} // namespace syncline::engine::model
