#pragma once

#include "engine/core/result.h"
#include "engine/expr/exprerror.h"
#include "engine/json/value.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace syncline::engine::expr {

struct Program;

/// Limits and clock of one evaluation.
struct EvalOptions
{
    /// Default nesting limit, counted like jsonata-js's test harness counts it (one level per
    /// evaluated sub-expression, so one level of a simple recursive function costs about 3).
    static constexpr int kDefaultMaxDepth = 5000;
    /// Default wall-clock limit per evaluation.
    static constexpr int kDefaultTimeLimitMs = 5000;

    int maxDepth = kDefaultMaxDepth; // <= 0: no depth limit (the stack guard still applies)
    int timeLimitMs = kDefaultTimeLimitMs; // <= 0: no time limit
    /// The instant $now() and $millis() report; the system clock when not set.
    std::optional<std::int64_t> nowMillis;
};

/// A value or an ExprError (code, message, position, token).
template<typename T>
class ExprResult
{
public:
    ExprResult(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    {}
    ExprResult(ExprError error)
        : m_state(std::in_place_index<1>, std::move(error))
    {}
    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }
    const ExprError &error() const { return std::get<1>(m_state); }
    /// The engine-wide Result form.
    Result<T> toResult() const &
    {
        if (ok()) {
            return value();
        }
        return error().toError();
    }

private:
    std::variant<T, ExprError> m_state;
};

/// A compiled JSONata expression.
///
/// Compile once, evaluate many times: the syntax tree is immutable after compile(), so one
/// Expression may be evaluated from several threads at once, and copies share the tree.
/// Evaluation never copies the input; the result shares structure with it.
///
/// Every evaluation is bounded: by EvalOptions::maxDepth, by EvalOptions::timeLimitMs, and by a
/// guard on the remaining native stack of the calling thread (measured when evaluation starts),
/// so runaway recursion ends with error U1001 instead of a crash, also on small thread stacks.
class Expression
{
public:
    /// Parses `source`. Errors carry the jsonata-js S0xxx codes.
    static ExprResult<Expression> compile(std::string_view source);

    /// Evaluates against `input` (undefined = no input). `bindings` is an object whose members
    /// become variables ({"x": 1} binds $x); anything else binds nothing. The result is
    /// undefined when the expression yields nothing.
    ExprResult<json::Value> evaluate(const json::Value &input,
                                     const json::Value &bindings = json::Value::undefined(),
                                     const EvalOptions &options = {}) const;

    const std::string &source() const;

private:
    explicit Expression(std::shared_ptr<const Program> program)
        : m_program(std::move(program))
    {}
    std::shared_ptr<const Program> m_program;
};

} // namespace syncline::engine::expr
