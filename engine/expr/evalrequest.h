#pragma once

#include "engine/core/result.h"
#include "engine/expr/expression.h"
#include "engine/json/value.h"

#include <string>
#include <string_view>

namespace syncline::engine::expr {

/// The one-line JSON answer of `syncline-engine eval` for one expression:
/// {"result": V}, {"undefined": true} or {"error": {"code", "message", "position", "token"}}.
/// `input` undefined means no input. The options' limits apply to the evaluation.
std::string evaluateToJsonLine(std::string_view expression, const json::Value &input,
                               const json::Value &bindings, const EvalOptions &options);

/// Answers one line of `eval --batch`: {"expr": "...", "data": V, "bindings": {...}}, where an
/// absent "data" means no input and "data": null means JSON null. A line that is not such an
/// object is answered with an error whose code is "INVALID_REQUEST".
std::string evaluateBatchLine(std::string_view line, const EvalOptions &options);

/// Parses JSON text into a Value, keeping number source text (see json::Value). Error code
/// "INVALID_JSON" with the parser's message.
Result<json::Value> parseJsonText(std::string_view text);

} // namespace syncline::engine::expr
