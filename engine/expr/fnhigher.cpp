// Higher-order built-ins: $map $filter $single $reduce $sift $each $sort.

#include "engine/expr/fnhelpers.h"
#include "engine/expr/functions.h"

namespace syncline::engine::expr {

namespace {

using fn::arg;
using fn::has;

Value fnMap(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &arr = args[0];
    std::vector<Value> result;
    result.reserve(arr.size());
    const auto items = arr.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
        Value r = fn::callHof(cx, arg(args, 1), items[i], Value::number(static_cast<double>(i)), arr);
        if (!r.isUndefined()) {
            result.push_back(std::move(r));
        }
    }
    return makeSequence(std::move(result));
}

Value fnFilter(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &arr = args[0];
    std::vector<Value> result;
    const auto items = arr.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Value r = fn::callHof(cx, arg(args, 1), items[i], Value::number(static_cast<double>(i)),
                                    arr);
        if (boolize(r)) {
            result.push_back(items[i]);
        }
    }
    return makeSequence(std::move(result));
}

Value fnSingle(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &arr = args[0];
    const auto items = arr.items();
    Value result = Value::undefined();
    bool found = false;
    for (std::size_t i = 0; i < items.size(); ++i) {
        bool positive = true;
        if (has(args, 1)) {
            positive = boolize(fn::callHof(cx, args[1], items[i],
                                           Value::number(static_cast<double>(i)), arr));
        }
        if (!positive) {
            continue;
        }
        if (found) {
            ExprException e("D3138");
            e.index = static_cast<int>(i);
            throw e;
        }
        result = items[i];
        found = true;
    }
    if (!found) {
        throw ExprException("D3139");
    }
    return result;
}

Value fnReduce(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &fn = arg(args, 1);
    const int arity = Evaluator::arity(fn);
    if (arity < 2) {
        ExprException e("D3050");
        e.index = 1;
        throw e;
    }
    const auto items = args[0].items();
    std::size_t index = 0;
    Value result;
    if (!has(args, 2) && !items.empty()) {
        result = items[0];
        index = 1;
    } else {
        result = arg(args, 2);
    }
    for (; index < items.size(); ++index) {
        Value callArgs[4] = {result, items[index], Value::number(static_cast<double>(index)),
                             args[0]};
        const std::size_t n = arity >= 4 ? 4 : (arity >= 3 ? 3 : 2);
        result = fn::call(cx, fn, std::span<const Value>(callArgs, n));
    }
    return result;
}

Value fnSift(CallContext &cx, std::span<const Value> args)
{
    const Value &obj = arg(args, 0);
    if (!obj.isObject()) {
        return Value::undefined();
    }
    json::ObjectBuilder result;
    forEachMemberJs(obj, [&](const json::Member &m) {
        const Value r = fn::callHof(cx, arg(args, 1), m.value, Value::string(m.key.view()), obj);
        if (boolize(r)) {
            result.insert(m.key, m.value);
        }
    });
    if (result.empty()) {
        return Value::undefined();
    }
    return result.build();
}

Value fnEach(CallContext &cx, std::span<const Value> args)
{
    const Value &obj = arg(args, 0);
    if (!obj.isObject()) {
        return Value::undefined();
    }
    std::vector<Value> result;
    forEachMemberJs(obj, [&](const json::Member &m) {
        Value r = fn::callHof(cx, arg(args, 1), m.value, Value::string(m.key.view()), obj);
        if (!r.isUndefined()) {
            result.push_back(std::move(r));
        }
    });
    return makeSequence(std::move(result));
}

Value fnSort(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const Value &arr = args[0];
    if (arr.size() <= 1) {
        return arr;
    }
    std::vector<Value> items(arr.items().begin(), arr.items().end());
    if (!has(args, 1)) {
        const bool numbers = isArrayOfNumbers(arr);
        if (!numbers && !isArrayOfStrings(arr)) {
            throw ExprException("D3070");
        }
        mergeSort(items, [&](const Value &a, const Value &b) {
            if (numbers) {
                return a.toNumber() > b.toNumber();
            }
            return compareJsStrings(a.toStringView(), b.toStringView()) > 0;
        });
    } else {
        const Value &comparator = args[1];
        mergeSort(items, [&](const Value &a, const Value &b) {
            Value pair[2] = {a, b};
            return jsTruthy(fn::call(cx, comparator, std::span<const Value>(pair, 2)));
        });
    }
    return Value::array(std::move(items));
}

const Builtin kHigherOrderBuiltins[] = {
    {"map", "<af>", 2, fnMap},
    {"filter", "<af>", 2, fnFilter},
    {"single", "<af?>", 2, fnSingle},
    {"reduce", "<afj?:j>", 3, fnReduce},
    {"sift", "<o-f?:o>", 2, fnSift},
    {"each", "<o-f:a>", 2, fnEach},
    {"sort", "<af?:a>", 2, fnSort},
};

} // namespace

std::span<const Builtin> higherOrderBuiltins()
{
    return kHigherOrderBuiltins;
}

} // namespace syncline::engine::expr
