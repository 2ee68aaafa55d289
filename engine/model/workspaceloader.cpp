#include "workspaceloader.h"

#include "engine/model/jsonreader.h"
#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"
#include "engine/model/rules.h"
#include "engine/model/shape.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>

#include <algorithm>
#include <map>

namespace syncline::engine::model {

namespace {

using PositionIndex = std::map<QString, ParsedJson>;

// Far above any hand-written object; a crosswalk of a few hundred thousand rows still fits.
constexpr qint64 kMaxFileBytes = 32 * 1024 * 1024;

void (*const kKindRules[])(ProblemSink &, const nlohmann::json &) = {
    checkCanonicalSchema, checkSystem, checkMapping, checkFlow, checkLookup,
};

Problem fileProblem(const QString &file, QLatin1StringView code, const QString &message)
{
    Problem problem;
    problem.file = file;
    problem.code = QString(code);
    problem.message = message;
    return problem;
}

// The id declared inside the document must be the file's id ("id", or "$id" for schemas, which
// checkCanonicalSchema() compares itself).
void checkDeclaredId(ProblemSink &sink, const Workspace &workspace, const WorkspaceObject &object)
{
    if (object.kind == ObjectKind::Canonical || !object.document.is_object()) {
        return;
    }
    const auto id = object.document.find("id");
    if (id == object.document.end() || !id->is_string()) {
        return; // missing or wrong type: the shape check reports it
    }
    const QString declared = QString::fromStdString(id->get<std::string>());
    if (declared == object.id) {
        return;
    }
    if (const WorkspaceObject *other = workspace.find(object.kind, declared)) {
        sink.add(QStringLiteral("/id"), kProblemDuplicateId,
                 QStringLiteral("the id \"%1\" is already used by %2; this file must say \"%3\"")
                     .arg(declared, other->file, object.id));
        return;
    }
    sink.add(QStringLiteral("/id"), kProblemIdMismatch,
             QStringLiteral("the id is \"%1\" but the file is named %2; rename one so they match")
                 .arg(declared, object.file));
}

// Ids that differ only in case clash on case-insensitive file systems (macOS, Windows).
void checkCaseClashes(const Workspace &workspace, ObjectKind kind, ProblemList &problems)
{
    QHash<QString, QString> seen;
    for (const QString &id : workspace.ids(kind)) {
        const QString folded = id.toCaseFolded();
        if (const auto it = seen.constFind(folded); it != seen.constEnd()) {
            Problem problem = fileProblem(objectFilePath(kind, id), kProblemDuplicateId,
                                          QStringLiteral("the id \"%1\" differs from \"%2\" only "
                                                         "in case; they clash on macOS and Windows")
                                              .arg(id, *it));
            problem.kind = kind;
            problem.objectId = id;
            problems.append(problem);
            continue;
        }
        seen.insert(folded, id);
    }
}

ProblemList checkAll(const Workspace &workspace, const QSet<QString> &unparsed, bool hasWorkspaceFile)
{
    ProblemList problems;
    if (hasWorkspaceFile) {
        ProblemSink sink(workspace, unparsed, problems, Workspace::workspaceFileName(),
                         std::nullopt, QString());
        checkWorkspaceDocument(sink, workspace.document());
    }
    for (ObjectKind kind : kAllObjectKinds) {
        for (const WorkspaceObject &object : workspace.objects(kind)) {
            ProblemSink sink(workspace, unparsed, problems, object.file, kind, object.id);
            if (!isValidId(object.id)) {
                sink.add(QString(), kProblemInvalidValue,
                         QStringLiteral("\"%1\" is not a valid id for a file name: start with a "
                                        "lower-case letter, then use letters, digits and single "
                                        "hyphens")
                             .arg(object.id));
            }
            checkDeclaredId(sink, workspace, object);
            kKindRules[std::size_t(kind)](sink, object.document);
        }
        checkCaseClashes(workspace, kind, problems);
    }
    return problems;
}

class FolderLoader
{
public:
    explicit FolderLoader(const QString &folder)
        : m_dir(folder)
    {}

    LoadResult load()
    {
        LoadResult result;
        const QFileInfo info(m_dir.path());
        if (!info.isDir()) {
            result.problems.append(fileProblem(
                QString(), kProblemNoWorkspace,
                QStringLiteral("%1 is not a folder").arg(QDir::toNativeSeparators(m_dir.path()))));
            return result;
        }
        const bool hasWorkspaceFile = readWorkspaceFile(result);
        scanTopLevel(result.problems);
        for (ObjectKind kind : kAllObjectKinds) {
            readKindFolder(kind, result);
        }
        result.problems += checkAll(result.workspace, m_unparsed, hasWorkspaceFile);
        placeProblems(result.problems);
        return result;
    }

private:
    std::optional<ParsedJson> readFile(const QString &relativePath, ProblemList &problems)
    {
        QFile file(m_dir.filePath(relativePath));
        if (!file.open(QIODevice::ReadOnly)) {
            problems.append(fileProblem(relativePath, kProblemUnreadable,
                                        QStringLiteral("cannot be read: %1").arg(file.errorString())));
            return std::nullopt;
        }
        if (file.size() > kMaxFileBytes) {
            problems.append(fileProblem(relativePath, kProblemUnreadable,
                                        QStringLiteral("is %1 MiB; workspace files are at most "
                                                       "%2 MiB")
                                            .arg(file.size() / (1024 * 1024))
                                            .arg(kMaxFileBytes / (1024 * 1024))));
            return std::nullopt;
        }
        ParsedJson parsed = readWorkspaceJson(file.readAll());
        for (Problem problem : parsed.problems) {
            problem.file = relativePath;
            problems.append(problem);
        }
        parsed.problems.clear();
        if (!parsed.valid) {
            return std::nullopt;
        }
        return parsed;
    }

    bool readWorkspaceFile(LoadResult &result)
    {
        const QString name = Workspace::workspaceFileName();
        if (!QFileInfo(m_dir.filePath(name)).isFile()) {
            result.problems.append(fileProblem(
                name, kProblemNoWorkspace,
                QStringLiteral("the workspace file is missing; every workspace folder has one")));
            return false;
        }
        std::optional<ParsedJson> parsed = readFile(name, result.problems);
        if (!parsed) {
            return false;
        }
        result.workspace.setDocument(std::move(parsed->document));
        m_positions.insert_or_assign(name, std::move(*parsed));
        return true;
    }

    void scanTopLevel(ProblemList &problems)
    {
        const QStringList kindFolders = [] {
            QStringList folders;
            for (ObjectKind kind : kAllObjectKinds) {
                folders.append(kindFolder(kind));
            }
            return folders;
        }();
        const QFileInfoList entries = m_dir.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot,
                                                          QDir::Name);
        for (const QFileInfo &entry : entries) {
            const QString name = entry.fileName();
            if (name == Workspace::workspaceFileName()) {
                continue;
            }
            if (kindFolders.contains(name)) {
                if (!entry.isDir()) {
                    problems.append(fileProblem(name, kProblemWrongPlace,
                                                QStringLiteral("%1 must be a folder").arg(name)));
                }
                continue;
            }
            if (!entry.isFile() || !name.endsWith(QLatin1String(".json"))) {
                continue; // READMEs, .git and the like may live beside a workspace
            }
            const std::optional<ObjectKind> kind = kindForFileName(name);
            problems.append(fileProblem(
                name, kProblemWrongPlace,
                kind ? QStringLiteral("a %1 belongs in %2/, not at the top of the workspace")
                           .arg(kindNoun(*kind), kindFolder(*kind))
                     : QStringLiteral("JSON files at the top of a workspace are not read; only "
                                      "%1 belongs here")
                           .arg(Workspace::workspaceFileName())));
        }
    }

    void readKindFolder(ObjectKind kind, LoadResult &result)
    {
        const QString folder = kindFolder(kind);
        const QDir dir(m_dir.filePath(folder));
        if (!dir.exists()) {
            return;
        }
        const QFileInfoList entries =
            dir.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot, QDir::Name);
        for (const QFileInfo &entry : entries) {
            const QString relative = folder + u'/' + entry.fileName();
            if (const std::optional<QString> why = misplaced(kind, entry)) {
                result.problems.append(fileProblem(relative, kProblemWrongPlace, *why));
                continue;
            }
            const QString id = entry.fileName().chopped(kindSuffix(kind).size());
            std::optional<ParsedJson> parsed = readFile(relative, result.problems);
            if (!parsed) {
                m_unparsed.insert(relative);
                continue;
            }
            result.workspace.insert(WorkspaceObject{kind, id, relative, std::move(parsed->document)});
            m_positions.insert_or_assign(relative, std::move(*parsed));
        }
    }

    static std::optional<QString> misplaced(ObjectKind kind, const QFileInfo &entry)
    {
        const QString folder = kindFolder(kind);
        if (entry.isDir()) {
            return QStringLiteral("folders inside %1/ are not read; keep %2 files directly in %1/")
                .arg(folder, kindSuffix(kind));
        }
        const std::optional<ObjectKind> fileKind = kindForFileName(entry.fileName());
        if (fileKind == kind) {
            return std::nullopt;
        }
        if (fileKind) {
            return QStringLiteral("a %1 belongs in %2/, not in %3/")
                .arg(kindNoun(*fileKind), kindFolder(*fileKind), folder);
        }
        return QStringLiteral("only *%1 files belong in %2/").arg(kindSuffix(kind), folder);
    }

    // Gives problems found after parsing the line and column of their pointer, then orders
    // them by file and position so the output reads top to bottom.
    void placeProblems(ProblemList &problems) const
    {
        for (Problem &problem : problems) {
            if (problem.line > 0) {
                continue;
            }
            const auto it = m_positions.find(problem.file);
            if (it == m_positions.end()) {
                continue;
            }
            const JsonPosition position = it->second.positionOf(problem.pointer);
            problem.line = position.line;
            problem.column = position.column;
        }
        std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
            return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
        });
    }

    QDir m_dir;
    QSet<QString> m_unparsed;
    PositionIndex m_positions;
};

} // namespace

LoadResult loadWorkspace(const QString &folder)
{
    return FolderLoader(folder).load();
}

ProblemList checkWorkspace(const Workspace &workspace)
{
    return checkAll(workspace, {}, true);
}

} // namespace syncline::engine::model
