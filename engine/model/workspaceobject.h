#pragma once

#include "engine/model/objectkind.h"

#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::engine::model {

/// One object of a workspace: the parsed document of one file. A plain value; copying copies
/// the document.
struct WorkspaceObject
{
    ObjectKind kind = ObjectKind::Canonical;
    /// Stable id: the file name without the kind's suffix ("customer" for
    /// canonical/customer.schema.json).
    QString id;
    /// Path relative to the workspace folder, '/' separators: objectFilePath(kind, id).
    QString file;
    /// The document as loaded, unknown keys included, so saving writes back what was read.
    nlohmann::json document;

    /// What people call it: the schema's "title" or the object's "name", else the id.
    QString displayName() const;
    /// The document's "description", or "".
    QString description() const;

    friend bool operator==(const WorkspaceObject &, const WorkspaceObject &) = default;
};

} // namespace syncline::engine::model
