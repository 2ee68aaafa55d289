#pragma once

#include "engine/model/problem.h"

#include <QByteArray>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace syncline::engine::model {

/// Where something starts in a file: 1-based line and column (column counts characters).
struct JsonPosition
{
    int line = 0;
    int column = 0;
};

/// A workspace file after reading: the document, where each value sits, and what was wrong.
struct ParsedJson
{
    /// The document; null when the file is not valid JSON.
    nlohmann::json document;
    bool valid = false;
    /// JSON pointer (UTF-8) -> position. Object members map to their key, array elements and the
    /// root to the value's first character.
    std::map<std::string, JsonPosition> positions;
    /// JSON_SYNTAX and DUPLICATE_KEY problems, with pointer and position but no file.
    ProblemList problems;

    /// The position of `pointer`, or of its nearest ancestor that has one.
    JsonPosition positionOf(const QString &pointer) const;
};

/// Reads one workspace file. Unlike a plain parse it reports duplicate keys (the later value is
/// kept) and the line and column of every key and value, so problems found later can point into
/// the file. Never throws.
ParsedJson readWorkspaceJson(const QByteArray &bytes);

/// RFC 6901: "~" -> "~0", "/" -> "~1".
std::string escapePointerToken(const std::string &token);
QString escapePointerToken(const QString &token);

} // namespace syncline::engine::model
