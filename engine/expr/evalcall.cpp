// Function calls: invocation, lambdas and closures, tail calls, partial application, function
// chaining, regex matchers and the transform operator.

#include "engine/expr/evaluator.h"

#include "engine/expr/functions.h"
#include "engine/expr/regexholder.h"
#include "engine/expr/symbols.h"
#include "engine/expr/valueops.h"

#include <unordered_map>

namespace syncline::engine::expr {

int Evaluator::arity(const Value &fn)
{
    const FunctionValue *f = asFunction(fn);
    if (!f) {
        return 0;
    }
    switch (f->kind) {
    case CallableKind::Builtin:
        return static_cast<const Builtin *>(f)->arity;
    case CallableKind::Lambda:
        return static_cast<int>(static_cast<const Lambda *>(f)->params->size());
    case CallableKind::NativePartial:
        return static_cast<int>(static_cast<const NativePartial *>(f)->free.size());
    case CallableKind::Chain:
        return 1;
    case CallableKind::Regex:
        return 2;
    case CallableKind::Transform:
        return 1;
    default:
        return 0;
    }
}

bool Evaluator::lookupIsFunctionName(const Node &procedure, Frame *env)
{
    if (procedure.kind != NodeKind::Path || procedure.items.empty()) {
        return false;
    }
    const Node &step = *procedure.items[0];
    if (step.kind != NodeKind::Name) {
        return false;
    }
    const Symbol symbol = internSymbol(step.text);
    if (env && env->lookup(symbol)) {
        return true;
    }
    return findBuiltin(step.text) != nullptr;
}

Value Evaluator::evalCall(const Node &node, const Value &input, Frame *env, const Value *applyTo)
{
    const Value proc = eval(*node.procedure, input, env);
    if (proc.isUndefined() && lookupIsFunctionName(*node.procedure, env)) {
        throw ExprException("T1005", node.position).withToken(node.procedure->items[0]->text);
    }
    SmallVec<Value, 4> args;
    if (applyTo) {
        args.push_back(*applyTo);
    }
    for (const NodePtr &arg : node.items) {
        args.push_back(eval(*arg, input, env));
    }
    const std::string &name = node.procedure->kind == NodeKind::Path
                                  ? node.procedure->items[0]->text
                                  : node.procedure->text;
    return apply(proc, args.span(), input, env, name, node.position);
}

Value Evaluator::apply(const Value &fn, std::span<const Value> args, const Value &input,
                       Frame *env, std::string_view name, int position)
{
    try {
        TailCall tail;
        Value result = applyInner(fn, args, input, env, tail);
        for (;;) {
            // Tail call: evaluate the call a thunk stands for here, in a loop, instead of growing
            // the stack (jsonata-js's trampoline). A lambda applied here leaves its tail call in
            // `tail`; a thunk closure only comes back from bodies evaluated the general way.
            Value thunkValue;
            const Node *callNode = nullptr;
            Value callInput;
            FrameRef callEnv;
            if (tail.call) {
                callNode = std::exchange(tail.call, nullptr);
                callInput = std::move(tail.input);
                callEnv = std::move(tail.env);
            } else if (result.isFunction()
                       && asFunction(result)->kind == CallableKind::Lambda
                       && static_cast<const Lambda *>(asFunction(result))->thunk) {
                thunkValue = std::move(result);
                const auto *thunk = static_cast<const Lambda *>(asFunction(thunkValue));
                callNode = thunk->node->body.get();
                callInput = thunk->input;
                callEnv = thunk->env;
            } else {
                break;
            }
            const Node &call = *callNode;
            const Value next = eval(*call.procedure, callInput, callEnv.get());
            SmallVec<Value, 4> nextArgs;
            for (const NodePtr &arg : call.items) {
                nextArgs.push_back(eval(*arg, callInput, callEnv.get()));
            }
            try {
                result = applyInner(next, nextArgs.span(), input, env, tail);
            } catch (ExprException &e) {
                if (!e.hasToken) {
                    e.withToken(call.procedure->kind == NodeKind::Path
                                    ? call.procedure->items[0]->text
                                    : call.procedure->text);
                }
                throw;
            }
        }
        return result;
    } catch (ExprException &e) {
        if (!e.hasToken && !name.empty()) {
            e.withToken(std::string(name));
        }
        if (position >= 0) {
            e.position = position;
        }
        throw;
    }
}

namespace {

// The match object jsonata-js's regex closure returns: {match, start, end, groups, next}.
Value matchObject(const std::shared_ptr<const RegexHolder> &regex, std::string_view subject,
                  const regex::Match &m, int position)
{
    json::ObjectBuilder obj(5);
    obj.insert("match", Value::string(m.text));
    obj.insert("start", Value::number(static_cast<double>(regex::utf16Offset(subject, m.start))));
    obj.insert("end", Value::number(static_cast<double>(regex::utf16Offset(subject, m.end))));
    std::vector<Value> groups;
    for (const auto &g : m.groups) {
        groups.push_back(g ? Value::string(*g) : Value::undefined());
    }
    obj.insert("groups", Value::array(std::move(groups)));
    auto *next = new MatchNext();
    next->regex = regex;
    next->subject = std::string(subject);
    next->fromByte = m.end;
    next->position = position;
    obj.insert("next", adoptFunction(next));
    return obj.build();
}

Value runMatcher(const std::shared_ptr<const RegexHolder> &regex, std::string_view subject,
                 std::size_t from, int position, bool isNext)
{
    if (isNext && from >= subject.size()) {
        return Value::undefined();
    }
    auto found = regex->regex().exec(subject, from);
    if (!found.ok()) {
        ExprException e(found.error().code.toStdString(), position);
        e.detail = found.error().message.toStdString();
        throw e;
    }
    if (!found.value()) {
        return Value::undefined();
    }
    const regex::Match &m = *found.value();
    if (isNext && m.text.empty()) {
        ExprException e("D1004", position);
        e.value = Value::string(regex->source());
        throw e;
    }
    return matchObject(regex, subject, m, position);
}

} // namespace

Value Evaluator::applyInner(const Value &fn, std::span<const Value> args, const Value &input,
                            Frame *env, TailCall &tail)
{
    const FunctionValue *f = fn.isFunction() ? asFunction(fn) : nullptr;
    if (!f) {
        throw ExprException("T1006");
    }
    switch (f->kind) {
    case CallableKind::Builtin: {
        const auto *b = static_cast<const Builtin *>(f);
        if (b->signature.acceptsAsIs(args)) {
            CallContext cx{*this, input, env, -1};
            return b->impl(cx, args);
        }
        Signature::Arguments validated;
        b->signature.validate(args, input, validated);
        CallContext cx{*this, input, env, -1};
        return b->impl(cx, validated.span());
    }
    case CallableKind::Lambda: {
        const auto *lambda = static_cast<const Lambda *>(f);
        if (lambda->node->signature) {
            Signature::Arguments validated;
            lambda->node->signature->validate(args, input, validated);
            return applyLambda(*lambda, validated.span(), tail);
        }
        return applyLambda(*lambda, args, tail);
    }
    case CallableKind::NativePartial: {
        const auto *p = static_cast<const NativePartial *>(f);
        std::vector<Value> full = p->bound;
        for (std::size_t i = 0; i < p->free.size(); ++i) {
            full[p->free[i]] = i < args.size() ? args[i] : Value::undefined();
        }
        // jsonata-js calls the wrapped native directly, without its signature: trim missing
        // trailing arguments so optional parameters stay optional.
        while (!full.empty() && full.back().isUndefined()) {
            full.pop_back();
        }
        CallContext cx{*this, input, env, -1};
        return p->builtin->impl(cx, full);
    }
    case CallableKind::Chain: {
        const auto *c = static_cast<const Chain *>(f);
        const Value x = args.empty() ? Value::undefined() : args[0];
        const Value mid = apply(c->first, std::span<const Value>(&x, 1), input, env);
        return apply(c->second, std::span<const Value>(&mid, 1), input, env);
    }
    case CallableKind::Regex: {
        const auto *r = static_cast<const RegexFunction *>(f);
        if (args.empty() || !args[0].isString()) {
            return Value::undefined();
        }
        const std::string_view subject = args[0].toStringView();
        std::size_t from = 0;
        if (args.size() > 1 && args[1].isNumber() && args[1].toNumber() > 0) {
            from = utf16ToByteOffset(subject, static_cast<std::size_t>(args[1].toNumber()));
        }
        return runMatcher(r->regex, subject, from, r->position, false);
    }
    case CallableKind::MatchNext: {
        const auto *n = static_cast<const MatchNext *>(f);
        return runMatcher(n->regex, n->subject, n->fromByte, n->position, true);
    }
    case CallableKind::Transform: {
        static const Signature kSignature = Signature::parse("<(oa):o>");
        Signature::Arguments validated;
        kSignature.validate(args, input, validated);
        return applyTransform(*static_cast<const TransformFunction *>(f), validated[0]);
    }
    case CallableKind::TupleStream:
        break;
    }
    throw ExprException("T1006");
}

Value Evaluator::applyLambda(const Lambda &lambda, std::span<const Value> args, TailCall &tail)
{
    FrameRef frame = FrameRef::adopt(new Frame(lambda.env.get()));
    const std::vector<Symbol> &params = *lambda.params;
    for (std::size_t i = 0; i < params.size(); ++i) {
        frame->bind(params[i], i < args.size() ? args[i] : Value::undefined());
    }
    return evalLambdaBody(*lambda.node->body, lambda.input, frame, tail);
}

namespace {

// eval() adds nothing to the value of a node without predicates, grouping or '[]'.
bool resultAsIs(const Node &node)
{
    return node.predicates.empty() && !node.group && !node.keepArray;
}

} // namespace

// eval() of a lambda body, except that a thunk it reaches through conditions is not allocated:
// its call is left in `tail` (and undefined returned). Depth and limit checks are those eval()
// makes on the way.
Value Evaluator::evalLambdaBody(const Node &body, const Value &input, const FrameRef &frame,
                                TailCall &tail)
{
    if (!resultAsIs(body)) {
        return eval(body, input, frame.get());
    }
    if (body.kind == NodeKind::Lambda && body.thunk) {
        DepthGuard guard(m_state);
        checkLimits();
        tail.call = body.body.get();
        tail.input = input;
        tail.env = frame;
        return Value::undefined();
    }
    if (body.kind == NodeKind::Condition) {
        DepthGuard guard(m_state);
        checkLimits();
        Value scratch;
        if (boolize(evalRef(*body.condition, input, frame.get(), scratch))) {
            return evalLambdaBody(*body.then, input, frame, tail);
        }
        if (body.otherwise) {
            return evalLambdaBody(*body.otherwise, input, frame, tail);
        }
        return Value::undefined();
    }
    return eval(body, input, frame.get());
}

Value Evaluator::evalLambda(const Node &node, const Value &input, Frame *env)
{
    auto *lambda = new Lambda();
    lambda->node = &node;
    lambda->params = &node.paramSymbols;
    lambda->input = input;
    lambda->env = FrameRef::share(env);
    lambda->program = m_state.program;
    lambda->thunk = node.thunk;
    if (!node.thunk) {
        m_state.captured(env);
    }
    return adoptFunction(lambda);
}

Value Evaluator::evalPartial(const Node &node, const Value &input, Frame *env)
{
    std::vector<Value> args;
    std::vector<bool> placeholder;
    for (const NodePtr &arg : node.items) {
        const bool isPlaceholder = arg->kind == NodeKind::Placeholder;
        placeholder.push_back(isPlaceholder);
        args.push_back(isPlaceholder ? Value::undefined() : eval(*arg, input, env));
    }
    const Value proc = eval(*node.procedure, input, env);
    if (proc.isUndefined() && lookupIsFunctionName(*node.procedure, env)) {
        throw ExprException("T1007", node.position).withToken(node.procedure->items[0]->text);
    }
    const FunctionValue *f = proc.isFunction() ? asFunction(proc) : nullptr;
    if (f && f->kind == CallableKind::Lambda) {
        const auto *source = static_cast<const Lambda *>(f);
        auto *lambda = new Lambda();
        lambda->node = source->node;
        lambda->input = source->input;
        lambda->program = source->program;
        auto *frame = new Frame(source->env.get());
        lambda->env = FrameRef::adopt(frame);
        m_state.captured(frame);
        const std::vector<Symbol> &params = *source->params;
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (i < args.size() && placeholder[i]) {
                lambda->ownParams.push_back(params[i]);
            } else {
                frame->bind(params[i], i < args.size() ? args[i] : Value::undefined());
            }
        }
        lambda->params = &lambda->ownParams;
        return adoptFunction(lambda);
    }
    if (f && f->kind == CallableKind::Builtin) {
        const auto *b = static_cast<const Builtin *>(f);
        auto *partial = new NativePartial();
        partial->builtin = b;
        partial->bound.assign(static_cast<std::size_t>(b->arity), Value::undefined());
        for (std::size_t i = 0; i < partial->bound.size(); ++i) {
            if (i < args.size() && placeholder[i]) {
                partial->free.push_back(i);
            } else if (i < args.size()) {
                partial->bound[i] = args[i];
            }
        }
        return adoptFunction(partial);
    }
    if (f && f->kind == CallableKind::NativePartial) {
        const auto *source = static_cast<const NativePartial *>(f);
        auto *partial = new NativePartial();
        partial->builtin = source->builtin;
        partial->bound = source->bound;
        for (std::size_t i = 0; i < source->free.size(); ++i) {
            if (i < args.size() && placeholder[i]) {
                partial->free.push_back(source->free[i]);
            } else if (i < args.size()) {
                partial->bound[source->free[i]] = args[i];
            }
        }
        return adoptFunction(partial);
    }
    ExprException e("T1008", node.position);
    e.withToken(node.procedure->kind == NodeKind::Path ? node.procedure->items[0]->text
                                                        : node.procedure->text);
    throw e;
}

Value Evaluator::evalApply(const Node &node, const Value &input, Frame *env)
{
    const Value lhs = eval(*node.lhs, input, env);
    if (node.rhs->kind == NodeKind::Call) {
        return evalCall(*node.rhs, input, env, &lhs);
    }
    const Value func = eval(*node.rhs, input, env);
    if (!func.isFunction()) {
        throw ExprException("T2006", node.position).withValue(func);
    }
    if (lhs.isFunction()) {
        auto *chain = new Chain();
        chain->first = lhs;
        chain->second = func;
        return adoptFunction(chain);
    }
    return apply(func, std::span<const Value>(&lhs, 1), Value::null(), env);
}

Value Evaluator::evalTransform(const Node &node, Frame *env)
{
    auto *fn = new TransformFunction();
    fn->node = &node;
    fn->env = FrameRef::share(env);
    fn->program = m_state.program;
    m_state.captured(env);
    return adoptFunction(fn);
}

namespace {

// Changes a transform makes to one matched object, replayed when the result is rebuilt.
struct Patch
{
    std::vector<std::pair<json::Key, Value>> sets;
    std::vector<std::pair<std::size_t, std::string>> deletes; // after sets[0..first)
};

Value applyPatch(const Value &object, const Patch &patch)
{
    json::ObjectBuilder builder = json::ObjectBuilder::from(object);
    std::size_t nextDelete = 0;
    for (std::size_t i = 0; i <= patch.sets.size(); ++i) {
        while (nextDelete < patch.deletes.size() && patch.deletes[nextDelete].first == i) {
            builder.remove(json::Key(patch.deletes[nextDelete].second));
            ++nextDelete;
        }
        if (i < patch.sets.size()) {
            builder.set(patch.sets[i].first, patch.sets[i].second);
        }
    }
    return builder.build();
}

Value rebuild(const Value &v, const std::unordered_map<const void *, Patch> &patches)
{
    if (v.isArray()) {
        std::vector<Value> items;
        bool changed = false;
        items.reserve(v.size());
        for (const Value &item : v.items()) {
            items.push_back(rebuild(item, patches));
            changed = changed || !items.back().sameAs(item);
        }
        if (!changed) {
            return v;
        }
        Value out = Value::array(std::move(items));
        out.setFlags(v.flags());
        return out;
    }
    if (!v.isObject()) {
        return v;
    }
    json::ObjectBuilder builder(v.size());
    bool changed = false;
    for (const json::Member &m : v.members()) {
        Value value = rebuild(m.value, patches);
        changed = changed || !value.sameAs(m.value);
        builder.insert(m.key, std::move(value));
    }
    Value current = changed ? builder.build() : v;
    const auto it = patches.find(v.identity());
    return it == patches.end() ? current : applyPatch(current, it->second);
}

} // namespace

Value Evaluator::applyTransform(const TransformFunction &fn, const Value &target)
{
    if (target.isUndefined()) {
        return target;
    }
    const Node &node = *fn.node;
    const Value *clone = fn.env.get() ? fn.env->lookup(internSymbol("clone")) : nullptr;
    if (clone && !clone->isFunction()) {
        throw ExprException("T2013", node.position);
    }
    Value matches = eval(*node.pattern, target, fn.env.get());
    if (matches.isUndefined()) {
        return target;
    }
    const auto items = matches.isArray() ? matches.items() : std::span<const Value>(&matches, 1);
    std::unordered_map<const void *, Patch> patches;
    for (const Value &match : items) {
        Patch *patch = match.isObject() ? &patches[match.identity()] : nullptr;
        const Value current = patch ? applyPatch(match, *patch) : match;
        const Value update = eval(*node.update, current, fn.env.get());
        if (!update.isUndefined()) {
            if (!update.isObject()) {
                throw ExprException("T2011", node.update->position).withValue(update);
            }
            if (patch) {
                for (const json::Member &m : update.members()) {
                    patch->sets.emplace_back(m.key, m.value);
                }
            }
        }
        if (!node.remove) {
            continue;
        }
        const Value deletions = eval(*node.remove, current, fn.env.get());
        if (deletions.isUndefined()) {
            continue;
        }
        const auto names = deletions.isArray() ? deletions.items()
                                               : std::span<const Value>(&deletions, 1);
        for (const Value &name : names) {
            if (!name.isString()) {
                throw ExprException("T2012", node.remove->position).withValue(deletions);
            }
        }
        if (patch) {
            for (const Value &name : names) {
                patch->deletes.emplace_back(patch->sets.size(), std::string(name.toStringView()));
            }
        }
    }
    return rebuild(target, patches);
}

} // namespace syncline::engine::expr
