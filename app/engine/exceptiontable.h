#pragma once

#include "adminclient.h"

#include <QString>

#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

namespace syncline::cli {

/// How `exceptions` and `replay` talk to the engine and print what it answered, for a finance
/// user reading a terminal (tables, plain sentences) or a script (--json).

/// "/api/v1/exceptions/<id>[/<action>]".
QString pathFor(qint64 id, const char *action = nullptr);
QByteArray bodyWith(const nlohmann::json &fields);

/// Prints the answer — the JSON for --json, else `readable` of it — and returns the exit code:
/// 0 on a 2xx answer, 1 when the engine refused or cannot be reached (the reason on stderr).
int reportAnswer(const QString &command,
                 const std::optional<AdminAnswer> &answer,
                 const QString &error,
                 bool json,
                 const std::function<QString(const nlohmann::json &)> &readable);

/// A refused repair's violations as lines ("\n  /taxCode: is required"), else "".
QString violationLines(const nlohmann::json &problem);

/// Columns padded to their widest cell, the header first.
QString textTable(const QStringList &header, const QList<QStringList> &rows);

QString listTable(const nlohmann::json &answer);
QString exceptionSheet(const nlohmann::json &exception);
QString actionLine(const nlohmann::json &exception);
QString repairLine(const nlohmann::json &answer);
QString replayLine(const nlohmann::json &ticket);

} // namespace syncline::cli
