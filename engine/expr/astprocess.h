#pragma once

#include "engine/expr/ast.h"

namespace syncline::engine::expr {

/// jsonata-js's post-parse pass: '.' chains become paths, predicates become stages, '@' '#' mark
/// tuple steps, '%' is resolved to the step whose input it names (S0217 when it cannot be),
/// lambda tail calls become thunks; then names are interned and built-ins bound.
NodePtr processTree(NodePtr raw, bool nested = false);

/// Deep copy of a raw (unprocessed) tree, for operators that use their operand twice.
NodePtr cloneRaw(const Node &node);

/// jsonata-js's name for a node type, used as the token of some errors.
const char *kindName(NodeKind kind);

} // namespace syncline::engine::expr
