// Operators, array and object constructors, grouping and order-by.

#include "engine/expr/evaluator.h"

#include "engine/expr/valueops.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace syncline::engine::expr {

namespace {

[[noreturn]] void throwAt(std::string code, const Node &node, Value value = Value::undefined(),
                          Value value2 = Value::undefined())
{
    ExprException e(std::move(code), node.position);
    e.withToken(node.text);
    e.value = std::move(value);
    e.value2 = std::move(value2);
    throw e;
}

Value arithmetic(const Node &node, const Value &lhs, const Value &rhs)
{
    if (!lhs.isUndefined() && !isNumeric(lhs)) {
        throwAt("T2001", node, lhs);
    }
    if (!rhs.isUndefined() && !isNumeric(rhs)) {
        throwAt("T2002", node, rhs);
    }
    if (lhs.isUndefined() || rhs.isUndefined()) {
        return Value::undefined();
    }
    const double a = lhs.toNumber();
    const double b = rhs.toNumber();
    switch (node.op) {
    case BinaryOp::Add: return Value::number(a + b);
    case BinaryOp::Sub: return Value::number(a - b);
    case BinaryOp::Mul: return Value::number(a * b);
    case BinaryOp::Div: return Value::number(a / b);
    case BinaryOp::Mod: return Value::number(std::fmod(a, b));
    default: break;
    }
    return Value::undefined();
}

Value comparison(const Node &node, const Value &lhs, const Value &rhs)
{
    const bool lComparable = lhs.isUndefined() || lhs.isString() || lhs.isNumber();
    const bool rComparable = rhs.isUndefined() || rhs.isString() || rhs.isNumber();
    if (!lComparable || !rComparable) {
        const bool leftBad = !(lhs.isString() || lhs.isNumber());
        throwAt("T2010", node, leftBad ? lhs : rhs);
    }
    if (lhs.isUndefined() || rhs.isUndefined()) {
        return Value::undefined();
    }
    if (lhs.type() != rhs.type()) {
        throwAt("T2009", node, lhs, rhs);
    }
    int c = 0;
    bool unordered = false;
    if (lhs.isNumber()) {
        const double a = lhs.toNumber();
        const double b = rhs.toNumber();
        unordered = std::isnan(a) || std::isnan(b);
        c = a < b ? -1 : (a > b ? 1 : 0);
    } else {
        c = compareJsStrings(lhs.toStringView(), rhs.toStringView());
    }
    if (unordered) {
        return Value::boolean(false);
    }
    switch (node.op) {
    case BinaryOp::Lt: return Value::boolean(c < 0);
    case BinaryOp::Le: return Value::boolean(c <= 0);
    case BinaryOp::Gt: return Value::boolean(c > 0);
    case BinaryOp::Ge: return Value::boolean(c >= 0);
    default: break;
    }
    return Value::undefined();
}

Value range(const Node &node, const Value &lhs, const Value &rhs)
{
    auto isInteger = [](const Value &v) {
        return v.isNumber() && std::isfinite(v.toNumber()) && std::trunc(v.toNumber()) == v.toNumber();
    };
    if (!lhs.isUndefined() && !isInteger(lhs)) {
        throwAt("T2003", node, lhs);
    }
    if (!rhs.isUndefined() && !isInteger(rhs)) {
        throwAt("T2004", node, rhs);
    }
    if (lhs.isUndefined() || rhs.isUndefined()) {
        return Value::undefined();
    }
    const double from = lhs.toNumber();
    const double to = rhs.toNumber();
    if (from > to) {
        return Value::undefined();
    }
    const double size = to - from + 1;
    if (size > 1e7) {
        throwAt("D2014", node, Value::number(size));
    }
    std::vector<Value> items;
    items.reserve(static_cast<std::size_t>(size));
    for (double n = from; n <= to; ++n) {
        items.push_back(Value::number(n));
    }
    return makeSequence(std::move(items));
}

} // namespace

Value Evaluator::evalBinary(const Node &node, const Value &input, Frame *env)
{
    // The left operand may be held by reference only if evaluating the right one cannot rebind
    // the variables it points into.
    Value lhsScratch;
    Value rhsScratch;
    const Value &lhs = node.rhs->pure ? evalRef(*node.lhs, input, env, lhsScratch)
                                      : (lhsScratch = eval(*node.lhs, input, env));
    const Value &rhs = evalRef(*node.rhs, input, env, rhsScratch);
    switch (node.op) {
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mul:
    case BinaryOp::Div:
    case BinaryOp::Mod:
        return arithmetic(node, lhs, rhs);
    case BinaryOp::Eq:
        return Value::boolean(!lhs.isUndefined() && !rhs.isUndefined() && deepEqual(lhs, rhs));
    case BinaryOp::Ne:
        if (lhs.isUndefined() || rhs.isUndefined()) {
            return Value::boolean(false);
        }
        return Value::boolean(!deepEqual(lhs, rhs));
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
        return comparison(node, lhs, rhs);
    case BinaryOp::Concat: {
        std::string out = toJsString(lhs).value_or(std::string());
        out += toJsString(rhs).value_or(std::string());
        return Value::string(out);
    }
    case BinaryOp::Range:
        return range(node, lhs, rhs);
    case BinaryOp::In: {
        if (lhs.isUndefined() || rhs.isUndefined()) {
            return Value::boolean(false);
        }
        if (!rhs.isArray()) {
            return Value::boolean(strictEqual(lhs, rhs));
        }
        for (const Value &item : rhs.items()) {
            if (strictEqual(lhs, item)) {
                return Value::boolean(true);
            }
        }
        return Value::boolean(false);
    }
    }
    return Value::undefined();
}

Value Evaluator::evalArray(const Node &node, const Value &input, Frame *env)
{
    std::vector<Value> result;
    result.reserve(node.items.size());
    for (const NodePtr &item : node.items) {
        Value value = eval(*item, input, env);
        if (value.isUndefined()) {
            continue;
        }
        if (item->kind == NodeKind::ArrayCons || !value.isArray()) {
            result.push_back(std::move(value));
        } else {
            const auto items = value.items();
            result.insert(result.end(), items.begin(), items.end());
        }
    }
    Value out = Value::array(std::move(result));
    if (node.consArray) {
        out.setFlags(kCons);
    }
    return out;
}

namespace {

// Items of a group: what fn.append would build, kept as a list until the end.
struct GroupEntry
{
    std::string key;
    std::size_t exprIndex = 0;
    std::vector<Value> items; // flattened appended values
    Value first;              // the first value as it was (kept when nothing else is appended)
    std::size_t count = 0;
    std::vector<std::size_t> tupleIndexes;
};

Value reduceGroup(const GroupEntry &entry)
{
    if (entry.count == 1) {
        return entry.first;
    }
    return Value::array(entry.items);
}

void addToGroup(GroupEntry &entry, const Value &item)
{
    if (entry.count == 0) {
        entry.first = item;
    }
    ++entry.count;
    if (item.isArray()) {
        entry.items.insert(entry.items.end(), item.items().begin(), item.items().end());
    } else {
        entry.items.push_back(item);
    }
}

} // namespace

// One input and keys known when the expression was read (the usual object constructor): each
// key's group is that input, so the pairs are evaluated in order, with no grouping at all.
Value Evaluator::evalLiteralObject(const GroupPairs &group, const Value &item, Frame *env)
{
    json::ObjectBuilder result(group.pairs.size());
    for (const auto &[key, expr] : group.pairs) {
        Value value = eval(*expr, item, env);
        if (!value.isUndefined()) {
            result.set(key->key, std::move(value));
        }
    }
    return result.build();
}

Value Evaluator::evalGroup(const GroupPairs &group, const Value &input, const TupleStream *tuples,
                           Frame *env)
{
    const auto &pairs = group.pairs;
    const int position = group.position;
    if (group.literalKeys && !tuples && (!input.isArray() || input.items().size() == 1)) {
        return evalLiteralObject(group, input.isArray() ? input.items()[0] : input, env);
    }
    std::vector<GroupEntry> groups;
    std::unordered_map<std::string_view, std::size_t> index;
    const Value undefinedItem = Value::undefined();
    std::span<const Value> items;
    if (!tuples) {
        items = input.isArray() ? input.items() : std::span<const Value>(&input, 1);
        if (items.empty()) {
            items = std::span<const Value>(&undefinedItem, 1);
        }
    }
    const std::size_t count = tuples ? tuples->size() : items.size();
    groups.reserve(pairs.size() == 1 ? 8 : pairs.size());
    for (std::size_t itemIndex = 0; itemIndex < count; ++itemIndex) {
        FrameRef tupleEnv;
        const Value &item = tuples ? (*tuples)[itemIndex].context : items[itemIndex];
        Frame *itemEnv = env;
        if (tuples) {
            tupleEnv = frameFromTuple(env, (*tuples)[itemIndex]);
            itemEnv = tupleEnv.get();
        }
        for (std::size_t pairIndex = 0; pairIndex < pairs.size(); ++pairIndex) {
            Value keyScratch;
            const Value &key = evalRef(*pairs[pairIndex].first, item, itemEnv, keyScratch);
            if (key.isUndefined()) {
                continue;
            }
            if (!key.isString()) {
                throw ExprException("T1003", position).withValue(key);
            }
            const std::string_view keyText = key.toStringView();
            auto it = index.find(keyText);
            if (it == index.end()) {
                // Reallocating `groups` would move the strings the index points at; reserve ahead.
                if (groups.size() == groups.capacity()) {
                    std::vector<GroupEntry> bigger;
                    bigger.reserve(groups.size() * 2);
                    for (auto &g : groups) {
                        bigger.push_back(std::move(g));
                    }
                    groups = std::move(bigger);
                    index.clear();
                    for (std::size_t g = 0; g < groups.size(); ++g) {
                        index.emplace(groups[g].key, g);
                    }
                }
                GroupEntry entry;
                entry.key = std::string(keyText);
                entry.exprIndex = pairIndex;
                groups.push_back(std::move(entry));
                it = index.emplace(groups.back().key, groups.size() - 1).first;
            } else if (groups[it->second].exprIndex != pairIndex) {
                throw ExprException("D1009", position).withValue(key);
            }
            GroupEntry &entry = groups[it->second];
            if (tuples) {
                entry.tupleIndexes.push_back(itemIndex);
                ++entry.count;
            } else {
                addToGroup(entry, item);
            }
        }
    }

    json::ObjectBuilder result(groups.size());
    for (const GroupEntry &entry : groups) {
        Value value;
        if (tuples) {
            // reduceTupleStream: contexts and variables of the group's tuples appended together
            Tuple reduced = (*tuples)[entry.tupleIndexes[0]].clone();
            for (std::size_t k = 1; k < entry.tupleIndexes.size(); ++k) {
                const Tuple &next = (*tuples)[entry.tupleIndexes[k]];
                reduced.context = appendValues(reduced.context, next.context);
                for (const auto &[symbol, v] : next.vars) {
                    const Value *existing = reduced.get(symbol);
                    reduced.set(symbol, appendValues(existing ? *existing : Value::undefined(), v));
                }
            }
            FrameRef frame = frameFromTuple(env, reduced);
            value = eval(*pairs[entry.exprIndex].second, reduced.context, frame.get());
        } else {
            value = eval(*pairs[entry.exprIndex].second, reduceGroup(entry), env);
        }
        if (!value.isUndefined()) {
            result.set(json::Key(entry.key), std::move(value));
        }
    }
    return result.build();
}

// --- order-by ----------------------------------------------------------------------------------

namespace {

struct SortKeyed
{
    std::size_t index;
    std::vector<Value> keys;
};

// jsonata-js's comparator: true when a must come after b.
bool sortAfter(const Node &node, const SortKeyed &a, const SortKeyed &b)
{
    for (std::size_t t = 0; t < node.terms.size(); ++t) {
        const Value &aa = a.keys[t];
        const Value &bb = b.keys[t];
        if (aa.isUndefined()) {
            if (bb.isUndefined()) {
                continue;
            }
            return true;
        }
        if (bb.isUndefined()) {
            return false;
        }
        const bool aOk = aa.isString() || aa.isNumber();
        const bool bOk = bb.isString() || bb.isNumber();
        if (!aOk || !bOk) {
            ExprException e("T2008", node.position);
            e.value = aOk ? bb : aa;
            throw e;
        }
        if (aa.type() != bb.type()) {
            ExprException e("T2007", node.position);
            e.value = aa;
            e.value2 = bb;
            throw e;
        }
        int c = 0;
        if (aa.isNumber()) {
            c = aa.toNumber() < bb.toNumber() ? -1 : (aa.toNumber() > bb.toNumber() ? 1 : 0);
        } else {
            c = compareJsStrings(aa.toStringView(), bb.toStringView());
        }
        if (c == 0) {
            continue;
        }
        if (node.terms[t].descending) {
            c = -c;
        }
        return c > 0;
    }
    return false;
}

void sortKeyed(const Node &node, std::vector<SortKeyed> &keyed)
{
    mergeSort(keyed, [&](const SortKeyed &a, const SortKeyed &b) { return sortAfter(node, a, b); });
}

} // namespace

Value Evaluator::evalSort(const Node &node, const Value &input, Frame *env)
{
    const auto items = input.isArray() ? input.items() : std::span<const Value>(&input, 1);
    if (items.size() <= 1) {
        return input;
    }
    std::vector<SortKeyed> keyed(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        keyed[i].index = i;
        keyed[i].keys.reserve(node.terms.size());
        for (const SortTerm &term : node.terms) {
            keyed[i].keys.push_back(eval(*term.expr, items[i], env));
        }
    }
    sortKeyed(node, keyed);
    std::vector<Value> sorted;
    sorted.reserve(items.size());
    for (const SortKeyed &k : keyed) {
        sorted.push_back(items[k.index]);
    }
    return Value::array(std::move(sorted));
}

TupleStream Evaluator::evalTupleSort(const Node &node, TupleStream tuples, Frame *env)
{
    if (tuples.size() <= 1) {
        return tuples;
    }
    std::vector<SortKeyed> keyed(tuples.size());
    for (std::size_t i = 0; i < tuples.size(); ++i) {
        keyed[i].index = i;
        FrameRef frame = frameFromTuple(env, tuples[i]);
        for (const SortTerm &term : node.terms) {
            keyed[i].keys.push_back(eval(*term.expr, tuples[i].context, frame.get()));
        }
    }
    sortKeyed(node, keyed);
    TupleStream sorted;
    sorted.reserve(tuples.size());
    for (const SortKeyed &k : keyed) {
        sorted.push_back(std::move(tuples[k.index]));
    }
    return sorted;
}

} // namespace syncline::engine::expr
