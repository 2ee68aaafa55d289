// Array, object and boolean built-ins: $append $reverse $shuffle $distinct $zip $keys $lookup
// $spread $merge $exists $boolean $not $type $error $assert $clone.

#include "engine/expr/fnhelpers.h"
#include "engine/expr/functions.h"

#include <random>
#include <unordered_set>

namespace syncline::engine::expr {

namespace {

using fn::arg;
using fn::has;

Value fnAppend(CallContext &, std::span<const Value> args)
{
    return appendValues(arg(args, 0), arg(args, 1));
}

Value fnReverse(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    if (args[0].size() <= 1) {
        return args[0];
    }
    std::vector<Value> items(args[0].items().rbegin(), args[0].items().rend());
    return Value::array(std::move(items));
}

Value fnShuffle(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    if (args[0].size() <= 1) {
        return args[0];
    }
    std::vector<Value> items(args[0].items().begin(), args[0].items().end());
    thread_local std::mt19937_64 engine{std::random_device{}()};
    std::shuffle(items.begin(), items.end(), engine);
    return Value::array(std::move(items));
}

// Hashable identity of scalar values for $distinct; containers compare by deep equality.
struct ScalarKey
{
    json::Type type;
    double number;
    std::string_view text;
    bool operator==(const ScalarKey &o) const
    {
        return type == o.type && number == o.number && text == o.text;
    }
};

struct ScalarHash
{
    std::size_t operator()(const ScalarKey &k) const
    {
        return std::hash<std::string_view>()(k.text) ^ std::hash<double>()(k.number)
               ^ static_cast<std::size_t>(k.type);
    }
};

Value fnDistinct(CallContext &, std::span<const Value> args)
{
    const Value &arr = arg(args, 0);
    if (!arr.isArray() || arr.size() <= 1) {
        return arr;
    }
    std::vector<Value> results;
    std::unordered_set<ScalarKey, ScalarHash> seen;
    std::vector<const Value *> containers;
    for (const Value &v : arr.items()) {
        if (v.isArray() || v.isObject()) {
            bool found = false;
            for (const Value *c : containers) {
                if (deepEqual(*c, v)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                containers.push_back(&v);
                results.push_back(v);
            }
            continue;
        }
        const ScalarKey key{v.type(), v.isNumber() ? v.toNumber() : (v.toBool() ? 1.0 : 0.0),
                            v.toStringView()};
        if (v.isNumber() && std::isnan(key.number)) {
            results.push_back(v); // NaN never equals itself
            continue;
        }
        if (seen.insert(key).second) {
            results.push_back(v);
        }
    }
    return isSequence(arr) ? makeSequence(std::move(results)) : Value::array(std::move(results));
}

Value fnZip(CallContext &, std::span<const Value> args)
{
    std::size_t length = args.empty() ? 0 : SIZE_MAX;
    for (const Value &a : args) {
        length = std::min(length, a.isArray() ? a.size() : std::size_t(0));
    }
    std::vector<Value> result;
    result.reserve(length);
    for (std::size_t i = 0; i < length; ++i) {
        std::vector<Value> tuple;
        tuple.reserve(args.size());
        for (const Value &a : args) {
            tuple.push_back(a.items()[i]);
        }
        result.push_back(Value::array(std::move(tuple)));
    }
    return Value::array(std::move(result));
}

void collectKeys(const Value &v, std::vector<Value> &out, std::unordered_set<std::string> &seen)
{
    if (v.isArray()) {
        for (const Value &item : v.items()) {
            collectKeys(item, out, seen);
        }
        return;
    }
    forEachMemberJs(v, [&](const json::Member &m) {
        if (seen.emplace(m.key.view()).second) {
            out.push_back(Value::string(m.key.view()));
        }
    });
}

Value fnKeys(CallContext &, std::span<const Value> args)
{
    std::vector<Value> out;
    std::unordered_set<std::string> seen;
    collectKeys(arg(args, 0), out, seen);
    return makeSequence(std::move(out));
}

void lookupKey(const Value &input, std::string_view key, std::vector<Value> &out)
{
    if (input.isArray()) {
        for (const Value &item : input.items()) {
            lookupKey(item, key, out);
        }
        return;
    }
    if (const Value *v = input.find(key)) {
        if (v->isArray()) {
            out.insert(out.end(), v->items().begin(), v->items().end());
        } else if (!v->isUndefined()) {
            out.push_back(*v);
        }
    }
}

Value fnLookup(CallContext &, std::span<const Value> args)
{
    const Value &input = arg(args, 0);
    const std::string_view key = arg(args, 1).toStringView();
    if (input.isObject()) {
        const Value *v = input.find(key);
        return v ? *v : Value::undefined();
    }
    if (!input.isArray()) {
        return Value::undefined();
    }
    std::vector<Value> out;
    lookupKey(input, key, out);
    return makeSequence(std::move(out));
}

void spreadInto(const Value &v, std::vector<Value> &out)
{
    if (v.isArray()) {
        for (const Value &item : v.items()) {
            spreadInto(item, out);
        }
        return;
    }
    if (!v.isObject()) {
        out.push_back(v);
        return;
    }
    forEachMemberJs(v, [&](const json::Member &m) {
        json::ObjectBuilder b(1);
        b.insert(m.key, m.value);
        out.push_back(b.build());
    });
}

Value fnSpread(CallContext &, std::span<const Value> args)
{
    const Value &v = arg(args, 0);
    if (!v.isArray() && !v.isObject()) {
        return v;
    }
    std::vector<Value> out;
    spreadInto(v, out);
    return makeSequence(std::move(out));
}

Value fnMerge(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    json::ObjectBuilder b;
    for (const Value &obj : args[0].items()) {
        for (const json::Member &m : obj.members()) {
            b.set(m.key, m.value);
        }
    }
    return b.build();
}

Value fnExists(CallContext &, std::span<const Value> args)
{
    return Value::boolean(has(args, 0));
}

Value fnBoolean(CallContext &, std::span<const Value> args)
{
    const auto b = toBoolean(arg(args, 0));
    return b ? Value::boolean(*b) : Value::undefined();
}

Value fnNot(CallContext &, std::span<const Value> args)
{
    const auto b = toBoolean(arg(args, 0));
    return b ? Value::boolean(!*b) : Value::undefined();
}

Value fnType(CallContext &, std::span<const Value> args)
{
    switch (arg(args, 0).type()) {
    case json::Type::Undefined: return Value::undefined();
    case json::Type::Null: return Value::string("null");
    case json::Type::Boolean: return Value::string("boolean");
    case json::Type::Number: return Value::string("number");
    case json::Type::String: return Value::string("string");
    case json::Type::Array: return Value::string("array");
    case json::Type::Object: return Value::string("object");
    case json::Type::Function: return Value::string("function");
    }
    return Value::undefined();
}

Value fnError(CallContext &, std::span<const Value> args)
{
    ExprException e("D3137");
    e.explicitMessage = has(args, 0) ? std::string(args[0].toStringView())
                                     : std::string("$error() function evaluated");
    throw e;
}

Value fnAssert(CallContext &, std::span<const Value> args)
{
    if (!arg(args, 0).toBool()) {
        ExprException e("D3141");
        e.explicitMessage = has(args, 1) ? std::string(args[1].toStringView())
                                         : std::string("$assert() statement failed");
        throw e;
    }
    return Value::undefined();
}

Value fnClone(CallContext &, std::span<const Value> args)
{
    return arg(args, 0); // values are immutable: sharing is a perfect copy
}

const Builtin kCollectionBuiltins[] = {
    {"append", "<xx:a>", 2, fnAppend},
    {"reverse", "<a:a>", 1, fnReverse},
    {"shuffle", "<a:a>", 1, fnShuffle},
    {"distinct", "<x:x>", 1, fnDistinct},
    {"zip", "<a+>", 0, fnZip},
    {"keys", "<x-:a<s>>", 1, fnKeys},
    {"lookup", "<x-s:x>", 2, fnLookup},
    {"spread", "<x-:a<o>>", 1, fnSpread},
    {"merge", "<a<o>:o>", 1, fnMerge},
    {"exists", "<x:b>", 1, fnExists},
    {"boolean", "<x-:b>", 1, fnBoolean},
    {"not", "<x-:b>", 1, fnNot},
    {"type", "<x:s>", 1, fnType},
    {"error", "<s?:x>", 1, fnError},
    {"assert", "<bs?:x>", 2, fnAssert},
    {"clone", "<(oa)-:o>", 1, fnClone},
};

} // namespace

std::span<const Builtin> collectionBuiltins()
{
    return kCollectionBuiltins;
}

} // namespace syncline::engine::expr
