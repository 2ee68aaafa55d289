#pragma once

// Small helpers shared by the built-in function files.

#include "engine/expr/evaluator.h"
#include "engine/expr/valueops.h"

#include <optional>
#include <span>
#include <string>

namespace syncline::engine::expr::fn {

inline const Value &arg(std::span<const Value> args, std::size_t i)
{
    static const Value kUndefined = Value::undefined();
    return i < args.size() ? args[i] : kUndefined;
}

inline bool has(std::span<const Value> args, std::size_t i)
{
    return i < args.size() && !args[i].isUndefined();
}

/// Calls a function argument the way jsonata-js's HOFs do: with as many of (value, index/key,
/// collection) as the function declares.
inline Value callHof(CallContext &cx, const Value &fn, const Value &a, const Value &b,
                     const Value &c)
{
    const int arity = Evaluator::arity(fn);
    Value args[3] = {a, b, c};
    const std::size_t n = arity >= 3 ? 3 : (arity >= 2 ? 2 : 1);
    return cx.ev.apply(fn, std::span<const Value>(args, n), Value::null(), cx.env);
}

inline Value call(CallContext &cx, const Value &fn, std::span<const Value> args)
{
    return cx.ev.apply(fn, args, Value::null(), cx.env);
}

/// Throws an error from a picture / regex / money helper's Result.
[[noreturn]] inline void throwError(const Error &error, Value value = Value::undefined())
{
    ExprException e(error.code.toStdString());
    e.detail = error.message.toStdString();
    e.explicitMessage = e.detail;
    e.value = std::move(value);
    throw e;
}

} // namespace syncline::engine::expr::fn
