// Core of the evaluator: dispatch, limits, paths, steps, predicates and tuple streams.

#include "engine/expr/evaluator.h"

#include "engine/expr/valueops.h"

#include <cmath>

namespace syncline::engine::expr {

Frame::~Frame()
{
    if (m_parent) {
        m_parent->release();
    }
}

void Frame::bind(Symbol symbol, Value value)
{
    for (auto &b : m_bindings) {
        if (b.first == symbol) {
            b.second = std::move(value);
            return;
        }
    }
    m_bindings.emplace_back(symbol, std::move(value));
}

void Frame::clearBindings()
{
    SmallVec<std::pair<Symbol, Value>, 3> dropped = std::move(m_bindings);
    m_bindings.clear();
}

const Value *Frame::lookup(Symbol symbol) const
{
    for (const Frame *f = this; f; f = f->m_parent) {
        for (const auto &b : f->m_bindings) {
            if (b.first == symbol) {
                return &b.second;
            }
        }
    }
    return nullptr;
}

FrameRef frameFromTuple(Frame *env, const Tuple &tuple)
{
    auto *frame = new Frame(env);
    for (const auto &[symbol, value] : tuple.vars) {
        frame->bind(symbol, value);
    }
    return FrameRef::adopt(frame);
}

namespace {

constexpr std::uint32_t kClockEvery = 256; // evaluations between clock reads

[[noreturn]] void throwTooDeep()
{
    ExprException e("U1001");
    e.detail = "Stack overflow error: Check for non-terminating recursive function.  "
               "Consider rewriting as tail-recursive.";
    throw e;
}

} // namespace

void Evaluator::checkLimits()
{
    if (m_state.depth > m_state.maxDepth) {
        throwTooDeep();
    }
    const char *here = static_cast<const char *>(__builtin_frame_address(0));
    if (m_state.stackLimit && here < m_state.stackLimit) {
        throwTooDeep();
    }
    if (m_state.hasDeadline && ++m_state.ticks % kClockEvery == 0) {
        checkClock();
    }
}

void Evaluator::checkClock()
{
    if (std::chrono::steady_clock::now() > m_state.deadline) {
        ExprException e("U1001");
        e.detail = "Expression evaluation timeout: Check for infinite loop";
        throw e;
    }
}

Value Evaluator::eval(const Node &node, const Value &input, Frame *env)
{
    DepthGuard guard(m_state);
    checkLimits();
    Value result = evalNode(node, input, env);
    for (const Stage &stage : node.predicates) {
        if (isTupleStreamValue(result)) {
            // a nested path carrying ancestors: filter its tuples, keeping their bindings
            const auto *holder = static_cast<const TupleStreamHolder *>(result.callable());
            TupleStream tuples;
            for (const Tuple &t : holder->tuples) {
                tuples.push_back(t.clone());
            }
            auto *filtered = new TupleStreamHolder();
            filtered->tuples = evalTupleFilter(*stage.expr, tuples, env);
            result = adoptFunction(filtered);
            result.setFlags(kTupleStream);
        } else {
            result = evalFilter(*stage.expr, result, env);
        }
    }
    if (node.group && node.kind != NodeKind::Path) {
        result = evalGroup(*node.group, result, nullptr, env);
    }
    if (isSequence(result)) {
        if (node.keepArray) {
            result.setFlags(result.flags() | kKeepSingleton);
        }
        if (result.size() == 0) {
            return Value::undefined();
        }
        if (result.size() == 1 && !(result.flags() & kKeepSingleton)) {
            return Value(result.items()[0]);
        }
    }
    return result;
}

namespace {
const Value kUndefinedValue = Value::undefined();
} // namespace

const Value *Evaluator::borrowVariable(const Node &node, const Value &input, Frame *env)
{
    if (node.text.empty()) {
        if ((input.flags() & kOuterWrapper) && input.size() > 0) {
            return &input.items()[0];
        }
        return &input;
    }
    if (node.builtin) {
        return nullptr;
    }
    const Value *v = env ? env->lookup(node.symbol) : nullptr;
    return v ? v : &kUndefinedValue;
}

const Value *Evaluator::borrowPath(const Node &path, const Value &input, Frame *env)
{
    const auto &steps = path.items;
    const Node &first = *steps.front();
    const Value *cur = nullptr;
    if (first.kind == NodeKind::Variable) {
        cur = borrowVariable(first, input, env);
        if (!cur) {
            return nullptr;
        }
    } else {
        if (input.isArray()) {
            return nullptr;
        }
        cur = input.find(first.key);
        if (!cur) {
            return &kUndefinedValue;
        }
    }
    for (std::size_t i = 1; i < steps.size(); ++i) {
        if (cur->isArray()) {
            return nullptr; // arrays map the rest of the path over their items
        }
        cur = cur->find(steps[i]->key);
        if (!cur) {
            return &kUndefinedValue;
        }
    }
    if (isSequence(*cur)) {
        return nullptr;
    }
    return cur;
}

const Value &Evaluator::evalRef(const Node &node, const Value &input, Frame *env, Value &scratch)
{
    if (node.predicates.empty() && !node.group && !node.keepArray) {
        const Value *borrowed = nullptr;
        switch (node.kind) {
        case NodeKind::Literal:
            if (m_state.depth < m_state.maxDepth) {
                borrowed = &node.literal;
            }
            break;
        case NodeKind::Variable:
            if (m_state.depth < m_state.maxDepth) {
                borrowed = borrowVariable(node, input, env);
            }
            break;
        case NodeKind::Path:
            if (node.simplePath && m_state.depth + 1 < m_state.maxDepth) {
                borrowed = borrowPath(node, input, env);
            }
            break;
        default:
            break;
        }
        if (borrowed) {
            if (m_state.hasDeadline && ++m_state.ticks % kClockEvery == 0) {
                checkClock();
            }
            return *borrowed;
        }
    }
    scratch = eval(node, input, env);
    return scratch;
}

Value Evaluator::evalNode(const Node &node, const Value &input, Frame *env)
{
    switch (node.kind) {
    case NodeKind::Path:
        return evalPath(node, input, env);
    case NodeKind::Binary:
        return evalBinary(node, input, env);
    case NodeKind::And: {
        Value scratch;
        if (!boolize(evalRef(*node.lhs, input, env, scratch))) {
            return Value::boolean(false);
        }
        return Value::boolean(boolize(evalRef(*node.rhs, input, env, scratch)));
    }
    case NodeKind::Or: {
        Value scratch;
        if (boolize(evalRef(*node.lhs, input, env, scratch))) {
            return Value::boolean(true);
        }
        return Value::boolean(boolize(evalRef(*node.rhs, input, env, scratch)));
    }
    case NodeKind::Negate: {
        Value v = eval(*node.expr, input, env);
        if (v.isUndefined()) {
            return v;
        }
        if (isNumeric(v)) {
            return Value::number(-v.toNumber());
        }
        ExprException e("D1002", node.position);
        e.withToken("-").withValue(v);
        throw e;
    }
    case NodeKind::ArrayCons:
        return evalArray(node, input, env);
    case NodeKind::ObjectCons:
        return evalGroup({node.pairs, node.position, node.literalKeys}, input, nullptr, env);
    case NodeKind::Name:
        return evalName(node, input);
    case NodeKind::Literal:
        return node.literal;
    case NodeKind::Wildcard:
        return evalWildcard(input);
    case NodeKind::Descendant:
        return evalDescendants(input);
    case NodeKind::Parent: {
        const Value *v = env ? env->lookup(node.symbol) : nullptr;
        return v ? *v : Value::undefined();
    }
    case NodeKind::Condition: {
        Value scratch;
        if (boolize(evalRef(*node.condition, input, env, scratch))) {
            return eval(*node.then, input, env);
        }
        if (node.otherwise) {
            return eval(*node.otherwise, input, env);
        }
        return Value::undefined();
    }
    case NodeKind::Block:
        return evalBlock(node, input, env);
    case NodeKind::Bind: {
        Value v = eval(*node.rhs, input, env);
        env->bind(node.lhs->symbol, v);
        return v;
    }
    case NodeKind::Regex:
        return node.literal;
    case NodeKind::Call:
        return evalCall(node, input, env, nullptr);
    case NodeKind::Variable:
        return evalVariable(node, input, env);
    case NodeKind::Lambda:
        return evalLambda(node, input, env);
    case NodeKind::Partial:
        return evalPartial(node, input, env);
    case NodeKind::Apply:
        return evalApply(node, input, env);
    case NodeKind::Transform:
        return evalTransform(node, env);
    case NodeKind::Sort: {
        std::vector<Value> items;
        if (input.isArray()) {
            items.assign(input.items().begin(), input.items().end());
        } else {
            items.push_back(input);
        }
        return evalSort(node, makeSequence(std::move(items)), env);
    }
    default:
        break;
    }
    throw ExprException("S0206", node.position).withToken(node.text);
}

Value Evaluator::evalBlock(const Node &node, const Value &input, Frame *env)
{
    // A block scopes the variables bound in it; blocks that bind nothing share the outer frame.
    FrameRef frame = node.needsFrame ? FrameRef::adopt(new Frame(env)) : FrameRef::share(env);
    Value result = Value::undefined();
    for (const NodePtr &item : node.items) {
        result = eval(*item, input, frame.get());
    }
    return result;
}

Value Evaluator::evalVariable(const Node &node, const Value &input, Frame *env)
{
    if (node.text.empty()) {
        if ((input.flags() & kOuterWrapper) && input.size() > 0) {
            return input.items()[0];
        }
        return input;
    }
    if (node.builtin && !node.mayBeRebound) {
        if (m_state.bindingsFrame) {
            for (const auto &b : m_state.bindingsFrame->bindings()) {
                if (b.first == node.symbol) {
                    return b.second;
                }
            }
        }
        return Value::function(node.builtin);
    }
    if (env) {
        if (const Value *v = env->lookup(node.symbol)) {
            return *v;
        }
    }
    if (node.builtin) {
        return Value::function(node.builtin);
    }
    return Value::undefined();
}

// --- paths ---------------------------------------------------------------------------------------

namespace {

// A step's input: a view over values, owning what it points at when needed.
struct StepInput
{
    Value owner;
    std::span<const Value> items;

    void set(Value v)
    {
        owner = std::move(v);
        if (owner.isArray()) {
            items = owner.items();
        } else if (owner.isUndefined()) {
            items = {};
        } else {
            items = std::span<const Value>(&owner, 1);
        }
    }
};

Value sequenceFrom(std::span<const Value> items)
{
    return makeSequence(std::vector<Value>(items.begin(), items.end()));
}

} // namespace

Value Evaluator::evalPath(const Node &expr, const Value &input, Frame *env)
{
    const auto &steps = expr.items;
    if (expr.simplePath && m_state.depth < m_state.maxDepth) {
        if (const Value *borrowed = borrowPath(expr, input, env)) {
            return *borrowed;
        }
    }
    StepInput in;
    if (input.isArray() && steps[0]->kind != NodeKind::Variable) {
        in.items = input.items();
    } else {
        in.items = std::span<const Value>(&input, 1);
    }

    Value resultSequence = Value::undefined();
    bool isTupleStream = false;
    bool haveTuples = false;
    TupleStream tupleBindings;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Node &step = *steps[i];
        if (step.tuple) {
            isTupleStream = true;
        }
        if (i == 0 && step.consArray) {
            const Value seqInput = input.isArray() ? input : sequenceFrom(in.items);
            resultSequence = eval(step, seqInput, env);
        } else if (isTupleStream) {
            tupleBindings = evalTupleStep(step, in.items, haveTuples ? &tupleBindings : nullptr,
                                          env);
            haveTuples = true;
        } else {
            resultSequence = evalStep(step, in.items, env, i == steps.size() - 1);
        }
        if (!isTupleStream
            && (resultSequence.isUndefined()
                || (resultSequence.isArray() && resultSequence.size() == 0))) {
            break;
        }
        if (!step.hasFocus() && i + 1 < steps.size()) {
            if (i == 0 && step.consArray && !resultSequence.isArray()) {
                in.owner = resultSequence;
                in.items = {}; // jsonata-js iterates .length of a non-array: nothing
            } else {
                // the next step reads it; after the loop only the last step's result matters
                in.set(std::move(resultSequence));
            }
        }
    }

    if (isTupleStream) {
        if (expr.tuple) {
            auto *holder = new TupleStreamHolder();
            holder->tuples = std::move(tupleBindings);
            Value v = adoptFunction(holder);
            v.setFlags(kTupleStream);
            return v;
        }
        std::vector<Value> contexts;
        contexts.reserve(tupleBindings.size());
        for (const Tuple &t : tupleBindings) {
            contexts.push_back(t.context);
        }
        resultSequence = makeSequence(std::move(contexts));
    }

    if (expr.keepSingletonArray) {
        if (resultSequence.isArray() && (resultSequence.flags() & kCons)
            && !(resultSequence.flags() & kSequence)) {
            resultSequence = makeSequence({resultSequence});
        } else if (!resultSequence.isArray() && !resultSequence.isUndefined()) {
            resultSequence = makeSequence({resultSequence});
        }
        if (resultSequence.isArray()) {
            resultSequence.setFlags(resultSequence.flags() | kKeepSingleton);
        }
    }

    if (expr.group) {
        if (isTupleStream) {
            return evalGroup(*expr.group, Value::undefined(),
                             &tupleBindings, env);
        }
        return evalGroup(*expr.group, resultSequence, nullptr, env);
    }
    return resultSequence;
}

Value Evaluator::evalStep(const Node &step, std::span<const Value> input, Frame *env,
                          bool lastStep)
{
    if (step.kind == NodeKind::Sort) {
        Value result = evalSort(step, sequenceFrom(input), env);
        for (const Stage &stage : step.stages) {
            if (!stage.isIndex) {
                result = evalFilter(*stage.expr, result, env);
            }
        }
        return result;
    }

    SmallVec<Value, 4> results;
    for (const Value &item : input) {
        Value res = eval(step, item, env);
        for (const Stage &stage : step.stages) {
            if (!stage.isIndex) {
                res = evalFilter(*stage.expr, res, env);
            }
        }
        if (!res.isUndefined()) {
            results.push_back(std::move(res));
        }
    }
    if (results.empty()) {
        return Value::undefined();
    }
    if (results.size() == 1) {
        Value &only = results[0];
        if (!only.isArray()) {
            return std::move(only); // a one-item sequence, unwrapped early
        }
        if (lastStep && !isSequence(only)) {
            return std::move(only);
        }
    }
    std::vector<Value> seq;
    std::size_t total = 0;
    for (const Value &res : results) {
        total += res.isArray() && !(res.flags() & kCons) ? res.size() : 1;
    }
    seq.reserve(total);
    for (Value &res : results) {
        if (!res.isArray() || (res.flags() & kCons)) {
            seq.push_back(std::move(res));
        } else {
            const auto items = res.items();
            seq.insert(seq.end(), items.begin(), items.end());
        }
    }
    if (seq.size() == 1 && !seq[0].isArray()) {
        return std::move(seq[0]);
    }
    return makeSequence(std::move(seq));
}

TupleStream Evaluator::evalTupleStep(const Node &step, std::span<const Value> input,
                                     TupleStream *bindings, Frame *env)
{
    if (step.kind == NodeKind::Sort) {
        TupleStream result;
        if (bindings) {
            result = evalTupleSort(step, std::move(*bindings), env);
        } else {
            const Value sorted = evalSort(step, sequenceFrom(input), env);
            const auto items = sorted.isArray() ? sorted.items() : std::span<const Value>(&sorted, 1);
            for (std::size_t i = 0; i < items.size(); ++i) {
                Tuple t(items[i]);
                if (step.hasIndex()) {
                    t.set(step.indexSymbol, Value::number(static_cast<double>(i)));
                }
                result.push_back(std::move(t));
            }
        }
        evalStages(step.stages, result, env);
        return result;
    }

    TupleStream initial;
    if (!bindings) {
        initial.reserve(input.size());
        for (const Value &item : input) {
            initial.emplace_back(item);
        }
        bindings = &initial;
    }
    TupleStream result;
    for (const Tuple &tuple : *bindings) {
        FrameRef stepEnv = frameFromTuple(env, tuple);
        Value res = eval(step, tuple.context, stepEnv.get());
        if (res.isUndefined()) {
            continue;
        }
        if (isTupleStreamValue(res)) {
            const auto *holder = static_cast<const TupleStreamHolder *>(res.callable());
            for (const Tuple &inner : holder->tuples) {
                Tuple t = tuple.clone();
                t.context = inner.context;
                for (const auto &[symbol, value] : inner.vars) {
                    t.set(symbol, value);
                }
                result.push_back(std::move(t));
            }
            continue;
        }
        const auto items = res.isArray() ? res.items() : std::span<const Value>(&res, 1);
        for (std::size_t bb = 0; bb < items.size(); ++bb) {
            Tuple t = tuple.clone();
            if (step.hasFocus()) {
                t.set(step.focusSymbol, items[bb]);
                t.context = tuple.context;
            } else {
                t.context = items[bb];
            }
            if (step.hasIndex()) {
                t.set(step.indexSymbol, Value::number(static_cast<double>(bb)));
            }
            if (step.ancestor) {
                t.set(step.ancestor->symbol, tuple.context);
            }
            result.push_back(std::move(t));
        }
    }
    evalStages(step.stages, result, env);
    return result;
}

void Evaluator::evalStages(const std::vector<Stage> &stages, TupleStream &tuples, Frame *env)
{
    for (const Stage &stage : stages) {
        if (stage.isIndex) {
            for (std::size_t i = 0; i < tuples.size(); ++i) {
                tuples[i].set(stage.indexSymbol, Value::number(static_cast<double>(i)));
            }
        } else {
            tuples = evalTupleFilter(*stage.expr, tuples, env);
        }
    }
}

namespace {

// Index predicates: does `res` (a number or array of numbers) select position `index`?
bool selectsIndex(const Value &res, std::size_t index, std::size_t length)
{
    auto hits = [&](double n) {
        double i = std::floor(n);
        if (i < 0) {
            i += static_cast<double>(length);
        }
        return i == static_cast<double>(index);
    };
    if (res.isNumber()) {
        return hits(res.toNumber());
    }
    for (const Value &n : res.items()) {
        if (hits(n.toNumber())) {
            return true;
        }
    }
    return false;
}

} // namespace

Value Evaluator::evalFilter(const Node &predicate, const Value &input, Frame *env)
{
    const std::span<const Value> items = input.isArray() ? input.items()
                                                         : std::span<const Value>(&input, 1);
    if (predicate.kind == NodeKind::Literal && predicate.literalType == 'n') {
        double index = std::floor(predicate.literal.toNumber());
        if (index < 0) {
            index += static_cast<double>(items.size());
        }
        if (index < 0 || index >= static_cast<double>(items.size())) {
            return makeSequence({});
        }
        const Value &item = items[static_cast<std::size_t>(index)];
        if (item.isUndefined()) {
            return makeSequence({});
        }
        if (item.isArray()) {
            return item;
        }
        return makeSequence({item});
    }
    std::vector<Value> results;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Value &item = items[i];
        Value scratch;
        const Value &res = evalRef(predicate, item, env, scratch);
        if (isNumeric(res) || (res.isArray() && isArrayOfNumbers(res))) {
            if (res.isArray()) {
                for (const Value &n : res.items()) {
                    isNumeric(n); // infinite indexes are D1001, as in jsonata-js
                }
            }
            if (selectsIndex(res, i, items.size())) {
                results.push_back(item);
            }
        } else if (boolize(res)) {
            results.push_back(item);
        }
    }
    return makeSequence(std::move(results));
}

TupleStream Evaluator::evalTupleFilter(const Node &predicate, TupleStream &input, Frame *env)
{
    TupleStream results;
    if (predicate.kind == NodeKind::Literal && predicate.literalType == 'n') {
        double index = std::floor(predicate.literal.toNumber());
        if (index < 0) {
            index += static_cast<double>(input.size());
        }
        if (index >= 0 && index < static_cast<double>(input.size())) {
            results.push_back(input[static_cast<std::size_t>(index)].clone());
        }
        return results;
    }
    for (std::size_t i = 0; i < input.size(); ++i) {
        Tuple &tuple = input[i];
        FrameRef frame = frameFromTuple(env, tuple);
        const Value res = eval(predicate, tuple.context, frame.get());
        if (isNumeric(res) || (res.isArray() && isArrayOfNumbers(res))) {
            if (selectsIndex(res, i, input.size())) {
                results.push_back(tuple.clone());
            }
        } else if (boolize(res)) {
            results.push_back(tuple.clone());
        }
    }
    return results;
}

// --- names, wildcards, descendants --------------------------------------------------------------

namespace {

void lookupInto(const Value &input, const json::Key &key, std::vector<Value> &out)
{
    if (input.isArray()) {
        for (const Value &item : input.items()) {
            if (item.isArray()) {
                std::vector<Value> nested;
                lookupInto(item, key, nested);
                out.insert(out.end(), nested.begin(), nested.end());
            } else if (const Value *v = item.find(key)) {
                if (v->isArray()) {
                    out.insert(out.end(), v->items().begin(), v->items().end());
                } else if (!v->isUndefined()) {
                    out.push_back(*v);
                }
            }
        }
    }
}

} // namespace

Value Evaluator::evalName(const Node &node, const Value &input)
{
    if (input.isObject()) {
        const Value *v = input.find(node.key);
        return v ? *v : Value::undefined();
    }
    if (!input.isArray()) {
        return Value::undefined();
    }
    std::vector<Value> out;
    lookupInto(input, node.key, out);
    return makeSequence(std::move(out));
}

Value Evaluator::evalWildcard(const Value &input)
{
    const Value *target = &input;
    if (input.isArray() && (input.flags() & kOuterWrapper) && input.size() > 0) {
        target = &input.items()[0];
    }
    std::vector<Value> results;
    bool plain = false; // fn.append turns the sequence into a plain array
    auto add = [&](const Value &value) {
        if (value.isArray()) {
            flattenInto(value, results);
            plain = true;
        } else if (!value.isUndefined()) {
            results.push_back(value);
        }
    };
    if (target->isObject()) {
        forEachMemberJs(*target, [&](const json::Member &m) { add(m.value); });
    } else if (target->isArray()) {
        // jsonata-js walks Object.keys(), which for an array are its indexes
        for (const Value &item : target->items()) {
            add(item);
        }
    }
    if (plain) {
        return Value::array(std::move(results));
    }
    return makeSequence(std::move(results));
}

namespace {

void recurseDescendants(const Value &input, std::vector<Value> &out)
{
    if (!input.isArray()) {
        out.push_back(input);
    }
    if (input.isArray()) {
        for (const Value &item : input.items()) {
            recurseDescendants(item, out);
        }
    } else if (input.isObject()) {
        forEachMemberJs(input, [&](const json::Member &m) { recurseDescendants(m.value, out); });
    }
}

} // namespace

Value Evaluator::evalDescendants(const Value &input)
{
    if (input.isUndefined()) {
        return input;
    }
    std::vector<Value> results;
    recurseDescendants(input, results);
    if (results.size() == 1) {
        return results[0];
    }
    return makeSequence(std::move(results));
}

} // namespace syncline::engine::expr
