#pragma once

#include "engine/expr/ast.h"

#include <string_view>

namespace syncline::engine::expr {

/// Parses a JSONata expression into the processed syntax tree the evaluator runs: paths as step
/// lists, predicates attached to steps, the parent operator resolved to labelled ancestors, tail
/// calls in lambdas marked, variables interned, built-in names bound. Throws ExprException with
/// the jsonata-js S0xxx codes; positions are byte offsets into `source`.
/// `nested` marks text compiled by $eval: its built-in names may be shadowed by variables of the
/// calling expression, so they are always looked up at run time.
NodePtr parseExpression(std::string_view source, bool nested = false);

} // namespace syncline::engine::expr
