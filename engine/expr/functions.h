#pragma once

#include "engine/expr/runtime.h"

#include <span>
#include <string_view>

namespace syncline::engine::expr {

/// The built-in function named `name` (without '$'), or nullptr.
const Builtin *findBuiltin(std::string_view name);

// Each group of built-ins lives in its own file; the registry joins them.
std::span<const Builtin> stringBuiltins();
std::span<const Builtin> numericBuiltins();
std::span<const Builtin> collectionBuiltins();
std::span<const Builtin> higherOrderBuiltins();
std::span<const Builtin> dateTimeBuiltins();
std::span<const Builtin> moneyBuiltins();

} // namespace syncline::engine::expr
