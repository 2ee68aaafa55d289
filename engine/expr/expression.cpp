#include "engine/expr/expression.h"

#include "engine/expr/evaluator.h"
#include "engine/expr/parser.h"
#include "engine/expr/pictures/datetime.h"
#include "engine/expr/regex/regex.h"
#include "engine/expr/symbols.h"

#include <pthread.h>

#include <algorithm>
#include <climits>
#include <new>

namespace syncline::engine::expr {

namespace {

constexpr std::size_t kUnknownStackBudget = 8u << 20; // when the thread reports no real size

// The lowest stack address evaluation may reach on this thread, with a reserve for built-ins
// and library code below the last check. Measured once per thread.
const char *stackLimitForThread()
{
    thread_local const char *limit = [] {
        const char *here = static_cast<const char *>(__builtin_frame_address(0));
        pthread_attr_t attr;
        void *base = nullptr;
        std::size_t size = 0;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            pthread_attr_getstack(&attr, &base, &size);
            pthread_attr_destroy(&attr);
        }
        const char *low = static_cast<const char *>(base);
        if (!base || size == 0 || size > (1u << 30) || here < low || here > low + size) {
            low = here - kUnknownStackBudget;
            size = kUnknownStackBudget;
        }
        const std::size_t reserve = std::max<std::size_t>(size / 8, 96u << 10);
        return low + reserve;
    }();
    return limit;
}

bool holdsFunction(const Value &v)
{
    switch (v.type()) {
    case json::Type::Function:
        return true;
    case json::Type::Array:
        for (const Value &item : v.items()) {
            if (holdsFunction(item)) {
                return true;
            }
        }
        return false;
    case json::Type::Object:
        for (const json::Member &m : v.members()) {
            if (holdsFunction(m.value)) {
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

// Closures refer to the frames they were created in, and a frame may hold the closure in a
// variable ($f := function(){ ... $f() ... }): a cycle of reference counts. When the evaluation
// is over, empty the frames those closures captured, and their enclosing frames, so that
// everything is freed. A result that carries a function keeps its closures working instead.
void releaseClosures(EvalState &state, const Value *result)
{
    if (state.capturedFrames.empty()) {
        return;
    }
    if (!result || !holdsFunction(*result)) {
        for (const FrameRef &frame : state.capturedFrames) {
            for (Frame *f = frame.get(); f; f = f->parent()) {
                f->clearBindings();
            }
        }
    }
    state.capturedFrames.clear();
}

ExprError toExprError(const ExprException &e, std::string_view source)
{
    ExprError error;
    error.code = e.code;
    error.message = e.message();
    error.token = e.token;
    if (e.position >= 0) {
        const auto bytes = static_cast<std::size_t>(e.position);
        error.position = static_cast<int>(
            bytes <= source.size() ? regex::utf16Offset(source, bytes) : bytes);
    }
    return error;
}

} // namespace

ExprResult<Expression> Expression::compile(std::string_view source)
{
    try {
        auto program = std::make_shared<Program>();
        program->source = std::string(source);
        program->root = parseExpression(program->source);
        return Expression(std::move(program));
    } catch (const ExprException &e) {
        return toExprError(e, source);
    } catch (const std::bad_alloc &) {
        return ExprError{"S0500", "Out of memory while compiling the expression", -1, {}};
    }
}

const std::string &Expression::source() const
{
    return m_program->source;
}

ExprResult<json::Value> Expression::evaluate(const json::Value &input,
                                             const json::Value &bindings,
                                             const EvalOptions &options) const
{
    EvalState state;
    state.maxDepth = options.maxDepth > 0 ? options.maxDepth : INT_MAX;
    if (options.timeLimitMs > 0) {
        state.hasDeadline = true;
        state.deadline = std::chrono::steady_clock::now()
                         + std::chrono::milliseconds(options.timeLimitMs);
    }
    state.stackLimit = stackLimitForThread();
    state.nowMillis = options.nowMillis ? *options.nowMillis : pictures::currentMillis();
    state.program = m_program;

    Value in = input;
    if (in.isArray() && !isSequence(in)) {
        in = makeSequence({input}, kOuterWrapper);
    }
    try {
        FrameRef root = FrameRef::adopt(new Frame(nullptr));
        static const Symbol kInputSymbol = internSymbol("$"); // interning takes a lock
        root->bind(kInputSymbol, in);
        for (const json::Member &m : bindings.members()) {
            root->bind(internSymbol(m.key.view()), m.value);
        }
        state.bindingsFrame = root.get();
        Evaluator evaluator(state);
        Value result = evaluator.eval(*m_program->root, in, root.get());
        if (isTupleStreamValue(result)) {
            result = Value::undefined();
        }
        releaseClosures(state, &result);
        return result;
    } catch (const ExprException &e) {
        releaseClosures(state, nullptr);
        return toExprError(e, m_program->source);
    } catch (const std::bad_alloc &) {
        releaseClosures(state, nullptr);
        return ExprError{"U1001", "Out of memory during evaluation", -1, {}};
    }
}

} // namespace syncline::engine::expr
