// The built-in function registry, and $eval (which needs the parser).

#include "engine/expr/functions.h"

#include "engine/expr/fnhelpers.h"
#include "engine/expr/parser.h"

#include <string>
#include <unordered_map>

namespace syncline::engine::expr {

Builtin::Builtin(const char *n, const char *sig, int jsArity, BuiltinImpl fn)
    : FunctionValue(CallableKind::Builtin)
    , name(n)
    , signature(Signature::parse(sig))
    , arity(jsArity)
    , impl(fn)
{
    immortal = true;
}

namespace {

using fn::arg;
using fn::has;

Value fnEval(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    Value input = cx.input;
    if (has(args, 1)) {
        input = args[1];
        if (input.isArray() && !isSequence(input)) {
            input = makeSequence({args[1]}, kOuterWrapper);
        }
    }
    auto program = std::make_shared<Program>();
    program->source = std::string(args[0].toStringView());
    try {
        program->root = parseExpression(program->source, true);
    } catch (const ExprException &e) {
        ExprException wrapped("D3120");
        wrapped.value = Value::string(e.message());
        wrapped.detail = e.message();
        throw wrapped;
    }
    EvalState &state = cx.ev.state();
    ProgramRef outer = state.program;
    state.program = program;
    try {
        Value result = cx.ev.eval(*program->root, input, cx.env);
        state.program = std::move(outer);
        return result;
    } catch (const ExprException &e) {
        state.program = std::move(outer);
        ExprException wrapped("D3121");
        wrapped.value = Value::string(e.message());
        wrapped.detail = e.message();
        throw wrapped;
    }
}

const Builtin kEvalBuiltin{"eval", "<sx?:x>", 2, fnEval};

} // namespace

const Builtin *findBuiltin(std::string_view name)
{
    static const auto *table = [] {
        auto *t = new std::unordered_map<std::string_view, const Builtin *>();
        for (auto group : {stringBuiltins(), numericBuiltins(), collectionBuiltins(),
                           higherOrderBuiltins(), dateTimeBuiltins(), moneyBuiltins()}) {
            for (const Builtin &b : group) {
                t->emplace(b.name, &b);
            }
        }
        t->emplace(kEvalBuiltin.name, &kEvalBuiltin);
        return t;
    }();
    const auto it = table->find(name);
    return it == table->end() ? nullptr : it->second;
}

} // namespace syncline::engine::expr
