#include "engine/core/versions.h"

#include <QtGlobal>

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace syncline::engine {

QString synclineVersion()
{
    return QStringLiteral(SYNCLINE_VERSION);
}

QList<QPair<QString, QString>> componentVersions()
{
    const QString json = QStringLiteral("%1.%2.%3")
                             .arg(NLOHMANN_JSON_VERSION_MAJOR)
                             .arg(NLOHMANN_JSON_VERSION_MINOR)
                             .arg(NLOHMANN_JSON_VERSION_PATCH);
    return {
        {QStringLiteral("Qt"), QString::fromLatin1(qVersion())},
        {QStringLiteral("SQLite"), QString::fromLatin1(sqlite3_libversion())},
        {QStringLiteral("libcurl"), QString::fromLatin1(curl_version_info(CURLVERSION_NOW)->version)},
        {QStringLiteral("nlohmann/json"), json},
    };
}

} // namespace syncline::engine
