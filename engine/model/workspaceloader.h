#pragma once

#include "engine/model/problem.h"
#include "engine/model/workspace.h"

#include <QString>

namespace syncline::engine::model {

/// What loading a workspace folder found: every object that could be parsed, and every problem.
struct LoadResult
{
    Workspace workspace;
    ProblemList problems;

    bool ok() const { return problems.isEmpty(); }
};

/// Loads the workspace in `folder` (see docs/workspace-format.md). Never stops at the first
/// problem: it parses every file it can, keeps every parsed object (unknown keys included) in the
/// workspace, and reports syntax errors with line and column, duplicate keys, unknown keys, wrong
/// types, missing fields, invalid values, references to objects that do not exist, duplicate ids,
/// ids that do not match file names and files in the wrong place. Problems are sorted by file,
/// then position. Reads the disk only; safe to call from any thread.
LoadResult loadWorkspace(const QString &folder);

/// Checks an in-memory workspace (no files involved): the same checks as loadWorkspace() after
/// parsing, so an editor can revalidate after a change. Problems carry no line or column.
ProblemList checkWorkspace(const Workspace &workspace);

} // namespace syncline::engine::model
