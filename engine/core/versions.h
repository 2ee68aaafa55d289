#pragma once

#include <QList>
#include <QPair>
#include <QString>

namespace syncline::engine {

/// Syncline's own version, e.g. "0.1.0".
QString synclineVersion();

/// Name and version of every library the engine is built on (Qt, SQLite, libcurl,
/// nlohmann/json, ...), as linked at run time where the library can tell.
QList<QPair<QString, QString>> componentVersions();

} // namespace syncline::engine
