#include "workspacesaver.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace syncline::engine::model {

namespace {

Error writeFailed(const QString &path, const QString &reason)
{
    return Error::make(QStringLiteral("WRITE_FAILED"),
                       QStringLiteral("Could not write %1: %2").arg(path, reason));
}

Result<void> writeIfChanged(const QString &path, const QByteArray &bytes)
{
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly) && existing.readAll() == bytes) {
        return {};
    }
    existing.close();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return writeFailed(path, file.errorString());
    }
    if (file.write(bytes) != bytes.size()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return writeFailed(path, reason);
    }
    if (!file.commit()) {
        return writeFailed(path, file.errorString());
    }
    return {};
}

} // namespace

QByteArray canonicalJson(const nlohmann::json &document)
{
    // nlohmann::json keeps object members in a std::map, so dump() already sorts keys
    // (byte-wise, which is what a git diff reader expects). Invalid UTF-8 cannot come from our
    // parser, but a programmatic edit could add it: replace rather than throw.
    std::string text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    return QByteArray::fromStdString(text);
}

Result<void> saveWorkspace(const Workspace &workspace, const QString &folder)
{
    QDir dir(folder);
    if (!dir.exists() && !QDir().mkpath(folder)) {
        return writeFailed(folder, QStringLiteral("the folder could not be created"));
    }
    const QString workspaceFile = dir.filePath(Workspace::workspaceFileName());
    if (Result<void> written = writeIfChanged(workspaceFile, canonicalJson(workspace.document()));
        !written) {
        return written;
    }
    for (ObjectKind kind : kAllObjectKinds) {
        const QList<WorkspaceObject> objects = workspace.objects(kind);
        if (objects.isEmpty()) {
            continue;
        }
        if (!dir.mkpath(kindFolder(kind))) {
            return writeFailed(dir.filePath(kindFolder(kind)),
                               QStringLiteral("the folder could not be created"));
        }
        for (const WorkspaceObject &object : objects) {
            const QString path = dir.filePath(objectFilePath(kind, object.id));
            if (Result<void> written = writeIfChanged(path, canonicalJson(object.document));
                !written) {
                return written;
            }
        }
    }
    return {};
}

} // namespace syncline::engine::model
