#pragma once

#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::cli {

/// How `replay` prints bulk replay jobs and dry runs for a person (scripts use --json).

/// "12 exceptions would be replayed …" with a table of calls per target system.
QString dryRunText(const nlohmann::json &preview);
/// One line per job, newest first.
QString jobsTable(const nlohmann::json &answer);
/// A job with its counts, progress and the items that failed or were skipped.
QString jobSheet(const nlohmann::json &job);
/// A job's rate: "20/s", "0.5/s".
QString rateText(const nlohmann::json &job);
/// "Replay job 3 is paused (12 of 40 done)."
QString jobLine(const nlohmann::json &job);

} // namespace syncline::cli
