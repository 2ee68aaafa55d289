#pragma once

#include "engine/expr/ast.h"

#include <string>
#include <string_view>

namespace syncline::engine::expr {

/// Variable names are interned process-wide into small integers when an expression is compiled,
/// so that frames compare integers at run time. Thread-safe. The table only grows with distinct
/// names used in expressions and bindings.
Symbol internSymbol(std::string_view name);
/// The name of a symbol (for diagnostics).
std::string symbolName(Symbol symbol);

} // namespace syncline::engine::expr
