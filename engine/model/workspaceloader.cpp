#include "workspaceloader.h"

#include "engine/model/problemcodes.h"

#include <QDir>
#include <QFile>

namespace syncline::engine::model {

LoadResult loadWorkspace(const QString &folder)
{
    LoadResult result;
    const QDir dir(folder);
    QFile workspaceFile(dir.filePath(Workspace::workspaceFileName()));
    if (!workspaceFile.open(QIODevice::ReadOnly)) {
        result.problems.append(Problem{Workspace::workspaceFileName(), QString(),
                                       QStringLiteral("the workspace file is missing"),
                                       QString(kProblemNoWorkspace), std::nullopt, QString()});
        return result;
    }
    const nlohmann::json document =
        nlohmann::json::parse(workspaceFile.readAll().toStdString(), nullptr, false);
    if (!document.is_discarded()) {
        result.workspace.setDocument(document);
    }
    for (ObjectKind kind : kAllObjectKinds) {
        const QDir kindDir(dir.filePath(kindFolder(kind)));
        const QStringList files =
            kindDir.entryList({u'*' + kindSuffix(kind)}, QDir::Files, QDir::Name);
        for (const QString &fileName : files) {
            QFile file(kindDir.filePath(fileName));
            if (!file.open(QIODevice::ReadOnly)) {
                continue;
            }
            nlohmann::json objectDocument =
                nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
            if (objectDocument.is_discarded()) {
                continue;
            }
            const QString id = fileName.chopped(kindSuffix(kind).size());
            result.workspace.insert(WorkspaceObject{kind, id, QString(), std::move(objectDocument)});
        }
    }
    return result;
}

ProblemList checkWorkspace(const Workspace &)
{
    return {};
}

} // namespace syncline::engine::model
