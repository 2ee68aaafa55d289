#pragma once

#include "engine/model/problem.h"

#include <QByteArray>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

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
    /// JSON pointer (UTF-8) -> byte offset. Object members map to their key, array elements and
    /// the root to the value's first character. Offsets become lines and columns only for the
    /// few pointers a problem names, which keeps long one-line files fast.
    std::map<std::string, std::size_t> offsets;
    /// JSON_SYNTAX and DUPLICATE_KEY problems, with pointer and position but no file.
    ProblemList problems;
    /// The file's bytes and where its lines start, to turn offsets into positions.
    QByteArray bytes;
    std::vector<std::size_t> lineStarts;

    /// The position of `pointer`, or of its nearest ancestor that has one.
    JsonPosition positionOf(const QString &pointer) const;
    JsonPosition positionAt(std::size_t offset) const;
};

/// Files nest far less deeply than this; deeper input is refused rather than risking the stack
/// of the recursive checks.
inline constexpr std::size_t kMaxJsonDepth = 200;

/// Reads one workspace file. Unlike a plain parse it reports duplicate keys (the later value is
/// kept) and the line and column of every key and value, so problems found later can point into
/// the file. Never throws.
ParsedJson readWorkspaceJson(const QByteArray &bytes);

/// RFC 6901: "~" -> "~0", "/" -> "~1".
std::string escapePointerToken(const std::string &token);
QString escapePointerToken(const QString &token);

} // namespace syncline::engine::model
