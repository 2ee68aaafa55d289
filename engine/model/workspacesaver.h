#pragma once

#include "engine/core/result.h"
#include "engine/model/workspace.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::engine::model {

/// The canonical bytes of a workspace file: keys sorted, 2-space indent, UTF-8 without escapes
/// for non-ASCII characters, one trailing newline. Saving what was loaded from canonical files
/// gives the same bytes.
QByteArray canonicalJson(const nlohmann::json &document);

/// Writes the workspace into `folder` (created when missing): the workspace file and one file
/// per object at objectFilePath(). Each file is written atomically (QSaveFile) and only when its
/// bytes change. Files of objects no longer in the workspace are not deleted. Fails with
/// code "WRITE_FAILED" naming the file that could not be written.
Result<void> saveWorkspace(const Workspace &workspace, const QString &folder);

} // namespace syncline::engine::model
