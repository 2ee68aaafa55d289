#pragma once

#include "engine/expr/runtime.h"

#include <span>
#include <string_view>

namespace syncline::engine::expr {

/// Evaluates a processed syntax tree, following jsonata-js's evaluate() semantics (sequences,
/// flattening, singleton unwrapping, tuple streams for '@', '#' and '%'). One Evaluator serves one
/// evaluation on one thread; the tree it walks is never modified, so several evaluators may run
/// the same tree at once. Errors are thrown as ExprException and caught by Expression.
class Evaluator
{
public:
    explicit Evaluator(EvalState &state)
        : m_state(state)
    {}

    Value eval(const Node &node, const Value &input, Frame *env);

    /// Like eval(), but a literal, a variable or a simple path into existing data is returned by
    /// reference without copying it; anything else is evaluated into `scratch`. The reference is
    /// valid until `scratch`, the input or the frames change.
    const Value &evalRef(const Node &node, const Value &input, Frame *env, Value &scratch);

    /// Calls a function value (lambda, built-in, partial, regex, ...) with already evaluated
    /// arguments, running tail calls in a loop. `name` and `position` label errors.
    Value apply(const Value &fn, std::span<const Value> args, const Value &input, Frame *env,
                std::string_view name = {}, int position = -1);
    /// How many arguments a function value takes (jsonata-js getFunctionArity).
    static int arity(const Value &fn);

    EvalState &state() { return m_state; }

    /// Throws U1001 when a limit is exceeded; called by long-running built-ins too.
    void checkLimits();
    /// Throws U1001 when the time limit has passed.
    void checkClock();

private:
    Value evalNode(const Node &node, const Value &input, Frame *env);
    /// Walks a simple path in place. nullptr: the data needs the general path semantics.
    const Value *borrowPath(const Node &path, const Value &input, Frame *env);
    const Value *borrowVariable(const Node &node, const Value &input, Frame *env);
    Value evalPath(const Node &node, const Value &input, Frame *env);
    Value evalStep(const Node &step, std::span<const Value> input, Frame *env, bool lastStep);
    TupleStream evalTupleStep(const Node &step, std::span<const Value> input,
                              TupleStream *bindings, Frame *env);
    void evalStages(const std::vector<Stage> &stages, TupleStream &tuples, Frame *env);
    Value evalFilter(const Node &predicate, const Value &input, Frame *env);
    TupleStream evalTupleFilter(const Node &predicate, TupleStream &input, Frame *env);
    Value evalName(const Node &node, const Value &input);
    Value evalWildcard(const Value &input);
    Value evalDescendants(const Value &input);
    Value evalBinary(const Node &node, const Value &input, Frame *env);
    Value evalArray(const Node &node, const Value &input, Frame *env);
    Value evalGroup(const GroupPairs &group, const Value &input, const TupleStream *tuples,
                    Frame *env);
    Value evalLiteralObject(const GroupPairs &group, const Value &item, Frame *env);
    Value evalBlock(const Node &node, const Value &input, Frame *env);
    Value evalVariable(const Node &node, const Value &input, Frame *env);
    Value evalCall(const Node &node, const Value &input, Frame *env, const Value *applyTo);
    Value evalPartial(const Node &node, const Value &input, Frame *env);
    Value evalApply(const Node &node, const Value &input, Frame *env);
    Value evalLambda(const Node &node, const Value &input, Frame *env);
    Value evalTransform(const Node &node, Frame *env);
    Value evalRegex(const Node &node);
    Value evalSort(const Node &node, const Value &input, Frame *env);
    TupleStream evalTupleSort(const Node &node, TupleStream tuples, Frame *env);
    /// A call in tail position of a lambda body, left for apply()'s loop to make: what a thunk
    /// closure would hold, kept on the stack instead of allocated.
    struct TailCall
    {
        const Node *call = nullptr; // nullptr: none pending
        Value input;
        FrameRef env;
    };
    Value applyInner(const Value &fn, std::span<const Value> args, const Value &input, Frame *env,
                     TailCall &tail);
    Value applyLambda(const Lambda &lambda, std::span<const Value> args, TailCall &tail);
    Value evalLambdaBody(const Node &body, const Value &input, const FrameRef &frame,
                         TailCall &tail);
    Value applyTransform(const TransformFunction &fn, const Value &target);
    bool lookupIsFunctionName(const Node &procedure, Frame *env);

    EvalState &m_state;
};

/// Frame holding the variables of a tuple (jsonata-js createFrameFromTuple).
FrameRef frameFromTuple(Frame *env, const Tuple &tuple);

} // namespace syncline::engine::expr
