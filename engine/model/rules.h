#pragma once

#include <nlohmann/json.hpp>

namespace syncline::engine::model {

class ProblemSink;

// The rules of workspace format v1 (docs/workspace-format.md), one function per kind of file.
// Each reports into the sink every problem it finds in `document`; none stops at the first.

void checkWorkspaceDocument(ProblemSink &sink, const nlohmann::json &document);
void checkCanonicalSchema(ProblemSink &sink, const nlohmann::json &document);
void checkSystem(ProblemSink &sink, const nlohmann::json &document);
void checkMapping(ProblemSink &sink, const nlohmann::json &document);
void checkFlow(ProblemSink &sink, const nlohmann::json &document);
void checkLookup(ProblemSink &sink, const nlohmann::json &document);

} // namespace syncline::engine::model
