// Post-parse processing (jsonata-js processAST, pushAncestry, resolveAncestry, seekParent,
// tailCallOptimize) and the resolution of names to interned symbols and built-ins.

#include "engine/expr/astprocess.h"

#include "engine/expr/exprerror.h"
#include "engine/expr/functions.h"
#include "engine/expr/regexholder.h"
#include "engine/expr/runtime.h"
#include "engine/expr/symbols.h"
#include "engine/expr/valueops.h"

#include <set>

namespace syncline::engine::expr {

const char *kindName(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Path: return "path";
    case NodeKind::Binary:
    case NodeKind::And:
    case NodeKind::Or:
    case NodeKind::Dot:
    case NodeKind::Filter:
    case NodeKind::GroupBy:
    case NodeKind::OrderBy:
    case NodeKind::Focus:
    case NodeKind::IndexBind: return "binary";
    case NodeKind::Negate:
    case NodeKind::ArrayCons:
    case NodeKind::ObjectCons: return "unary";
    case NodeKind::Name: return "name";
    case NodeKind::Literal: return "literal";
    case NodeKind::Wildcard: return "wildcard";
    case NodeKind::Descendant: return "descendant";
    case NodeKind::Parent: return "parent";
    case NodeKind::Condition: return "condition";
    case NodeKind::Block: return "block";
    case NodeKind::Bind: return "bind";
    case NodeKind::Regex: return "regex";
    case NodeKind::Call: return "function";
    case NodeKind::Variable: return "variable";
    case NodeKind::Lambda: return "lambda";
    case NodeKind::Partial: return "partial";
    case NodeKind::Apply: return "apply";
    case NodeKind::Transform: return "transform";
    case NodeKind::Sort: return "sort";
    case NodeKind::Placeholder:
    case NodeKind::Operator: return "operator";
    }
    return "unknown";
}

NodePtr cloneRaw(const Node &n)
{
    auto c = std::make_unique<Node>(n.kind, n.position);
    c->text = n.text;
    c->op = n.op;
    c->literalType = n.literalType;
    c->literal = n.literal;
    c->regex = n.regex;
    c->signature = n.signature;
    c->params = n.params;
    c->keepArray = n.keepArray;
    auto copy = [](const NodePtr &p) { return p ? cloneRaw(*p) : NodePtr(); };
    c->lhs = copy(n.lhs);
    c->rhs = copy(n.rhs);
    c->expr = copy(n.expr);
    c->condition = copy(n.condition);
    c->then = copy(n.then);
    c->otherwise = copy(n.otherwise);
    c->procedure = copy(n.procedure);
    c->body = copy(n.body);
    c->pattern = copy(n.pattern);
    c->update = copy(n.update);
    c->remove = copy(n.remove);
    for (const NodePtr &item : n.items) {
        c->items.push_back(cloneRaw(*item));
    }
    for (const auto &[k, v] : n.pairs) {
        c->pairs.emplace_back(cloneRaw(*k), cloneRaw(*v));
    }
    for (const SortTerm &t : n.terms) {
        c->terms.push_back(SortTerm{t.descending, cloneRaw(*t.expr)});
    }
    return c;
}

namespace {

// True when every key is a string literal and no two are equal; each key node then carries its
// name interned, once, instead of per evaluation.
bool internLiteralKeys(const std::vector<std::pair<NodePtr, NodePtr>> &pairs)
{
    std::set<std::string_view> seen;
    for (const auto &[key, value] : pairs) {
        if (key->kind != NodeKind::Literal || key->literalType != 's'
            || !seen.insert(key->literal.toStringView()).second) {
            return false;
        }
    }
    for (const auto &[key, value] : pairs) {
        key->key = json::Key(key->literal.toStringView());
    }
    return !pairs.empty();
}

class Processor
{
public:
    NodePtr process(NodePtr expr);

private:
    NodePtr processDot(NodePtr expr);
    NodePtr processFilter(NodePtr expr);
    NodePtr processFocus(NodePtr expr);
    NodePtr processIndex(NodePtr expr);
    NodePtr processOrderBy(NodePtr expr);
    void pushAncestry(Node &result, const Node &value);
    void resolveAncestry(Node &path);
    void seekParent(Node &node, const SlotPtr &slot);
    NodePtr tailCallOptimize(NodePtr expr);

    int m_ancestorLabel = 0;
    int m_ancestorIndex = 0;
};

NodePtr wrapInPath(NodePtr step)
{
    auto path = std::make_unique<Node>(NodeKind::Path, step->position);
    path->items.push_back(std::move(step));
    return path;
}

void Processor::pushAncestry(Node &result, const Node &value)
{
    if (value.seekingParent.empty() && value.kind != NodeKind::Parent) {
        return;
    }
    std::vector<SlotPtr> slotList = value.seekingParent;
    if (value.kind == NodeKind::Parent) {
        slotList.push_back(value.slot);
    }
    result.seekingParent.insert(result.seekingParent.end(), slotList.begin(), slotList.end());
}

void Processor::seekParent(Node &node, const SlotPtr &slot)
{
    switch (node.kind) {
    case NodeKind::Name:
    case NodeKind::Wildcard:
        if (--slot->level == 0) {
            if (node.ancestor) {
                // reuse the label already bound at this step
                slot->label = node.ancestor->label;
            }
            node.ancestor = slot;
            node.tuple = true;
        }
        return;
    case NodeKind::Parent:
        ++slot->level;
        return;
    case NodeKind::Block:
        if (!node.items.empty()) {
            node.tuple = true;
            seekParent(*node.items.back(), slot);
        }
        return;
    case NodeKind::Path: {
        node.tuple = true;
        std::ptrdiff_t index = static_cast<std::ptrdiff_t>(node.items.size()) - 1;
        seekParent(*node.items[static_cast<std::size_t>(index--)], slot);
        while (slot->level > 0 && index >= 0) {
            seekParent(*node.items[static_cast<std::size_t>(index--)], slot);
        }
        return;
    }
    default:
        throw ExprException("S0217", node.position).withToken(kindName(node.kind));
    }
}

void Processor::resolveAncestry(Node &path)
{
    Node &last = *path.items.back();
    std::vector<SlotPtr> slotList = last.seekingParent;
    if (last.kind == NodeKind::Parent) {
        slotList.push_back(last.slot);
    }
    for (const SlotPtr &slot : slotList) {
        std::ptrdiff_t index = static_cast<std::ptrdiff_t>(path.items.size()) - 2;
        while (slot->level > 0) {
            if (index < 0) {
                path.seekingParent.push_back(slot);
                break;
            }
            Node *step = path.items[static_cast<std::size_t>(index--)].get();
            // contiguous steps that bind the focus are skipped together
            while (index >= 0 && step->hasFocus()
                   && path.items[static_cast<std::size_t>(index)]->hasFocus()) {
                step = path.items[static_cast<std::size_t>(index--)].get();
            }
            seekParent(*step, slot);
        }
    }
}

NodePtr Processor::processDot(NodePtr expr)
{
    NodePtr lstep = process(std::move(expr->lhs));
    NodePtr result;
    const bool lhsIsParent = lstep->kind == NodeKind::Parent;
    SlotPtr parentSlot = lhsIsParent ? lstep->slot : nullptr;
    if (lstep->kind == NodeKind::Path) {
        result = std::move(lstep);
    } else {
        result = wrapInPath(std::move(lstep));
    }
    if (lhsIsParent) {
        result->seekingParent = {parentSlot};
    }
    NodePtr rest = process(std::move(expr->rhs));
    if (rest->kind == NodeKind::Path) {
        for (NodePtr &step : rest->items) {
            result->items.push_back(std::move(step));
        }
    } else {
        if (!rest->predicates.empty()) {
            rest->stages = std::move(rest->predicates);
            rest->predicates.clear();
        }
        result->items.push_back(std::move(rest));
    }
    for (NodePtr &step : result->items) {
        if (step->kind == NodeKind::Literal && step->literalType != 's') {
            throw ExprException("S0213", step->position).withValue(step->literal);
        }
        if (step->kind == NodeKind::Literal) {
            step->kind = NodeKind::Name;
        }
        if (step->keepArray) {
            result->keepSingletonArray = true;
        }
    }
    Node &first = *result->items.front();
    if (first.kind == NodeKind::ArrayCons) {
        first.consArray = true;
    }
    Node &last = *result->items.back();
    if (last.kind == NodeKind::ArrayCons) {
        last.consArray = true;
    }
    resolveAncestry(*result);
    return result;
}

NodePtr Processor::processFilter(NodePtr expr)
{
    const int position = expr->position;
    NodePtr result = process(std::move(expr->lhs));
    Node *step = result.get();
    bool stages = false;
    if (result->kind == NodeKind::Path) {
        step = result->items.back().get();
        stages = true;
    }
    if (step->group) {
        throw ExprException("S0209", position);
    }
    NodePtr predicate = process(std::move(expr->rhs));
    if (!predicate->seekingParent.empty()) {
        for (const SlotPtr &slot : predicate->seekingParent) {
            if (slot->level == 1) {
                seekParent(*step, slot);
            } else {
                --slot->level;
            }
        }
        pushAncestry(*step, *predicate);
    }
    Stage stage;
    stage.expr = std::move(predicate);
    stage.position = position;
    (stages ? step->stages : step->predicates).push_back(std::move(stage));
    return result;
}

NodePtr Processor::processFocus(NodePtr expr)
{
    const int position = expr->position;
    const bool keepArray = expr->keepArray;
    const std::string name = expr->rhs->text;
    NodePtr result = process(std::move(expr->lhs));
    Node *step = result->kind == NodeKind::Path ? result->items.back().get() : result.get();
    if (!step->stages.empty() || !step->predicates.empty()) {
        throw ExprException("S0215", position).withToken("@");
    }
    if (step->kind == NodeKind::Sort) {
        throw ExprException("S0216", position).withToken("@");
    }
    if (keepArray) {
        step->keepArray = true;
    }
    step->focus = name.empty() ? std::string(" ") : name; // "@$" binds nothing but still counts
    step->tuple = true;
    return result;
}

NodePtr Processor::processIndex(NodePtr expr)
{
    const int position = expr->position;
    const std::string name = expr->rhs->text;
    NodePtr result = process(std::move(expr->lhs));
    Node *step = result.get();
    if (result->kind == NodeKind::Path) {
        step = result->items.back().get();
    } else {
        if (!step->predicates.empty()) {
            step->stages = std::move(step->predicates);
            step->predicates.clear();
        }
        result = wrapInPath(std::move(result));
    }
    if (step->stages.empty()) {
        step->index = name;
    } else {
        Stage stage;
        stage.isIndex = true;
        stage.indexName = name;
        stage.position = position;
        step->stages.push_back(std::move(stage));
    }
    step->tuple = true;
    return result;
}

NodePtr Processor::processOrderBy(NodePtr expr)
{
    NodePtr result = process(std::move(expr->lhs));
    if (result->kind != NodeKind::Path) {
        result = wrapInPath(std::move(result));
    }
    auto sortStep = std::make_unique<Node>(NodeKind::Sort, expr->position);
    for (SortTerm &term : expr->terms) {
        NodePtr e = process(std::move(term.expr));
        pushAncestry(*sortStep, *e);
        sortStep->terms.push_back(SortTerm{term.descending, std::move(e)});
    }
    result->items.push_back(std::move(sortStep));
    resolveAncestry(*result);
    return result;
}

NodePtr Processor::tailCallOptimize(NodePtr expr)
{
    if (expr->kind == NodeKind::Call && expr->predicates.empty()) {
        auto thunk = std::make_unique<Node>(NodeKind::Lambda, expr->position);
        thunk->thunk = true;
        thunk->body = std::move(expr);
        return thunk;
    }
    if (expr->kind == NodeKind::Condition) {
        expr->then = tailCallOptimize(std::move(expr->then));
        if (expr->otherwise) {
            expr->otherwise = tailCallOptimize(std::move(expr->otherwise));
        }
        return expr;
    }
    if (expr->kind == NodeKind::Block && !expr->items.empty()) {
        expr->items.back() = tailCallOptimize(std::move(expr->items.back()));
    }
    return expr;
}

NodePtr Processor::process(NodePtr expr)
{
    const bool keepArray = expr->keepArray;
    NodePtr result;
    switch (expr->kind) {
    case NodeKind::Dot:
        result = processDot(std::move(expr));
        break;
    case NodeKind::Filter:
        result = processFilter(std::move(expr));
        break;
    case NodeKind::GroupBy: {
        const int position = expr->position;
        result = process(std::move(expr->lhs));
        if (result->group) {
            throw ExprException("S0210", position);
        }
        result->group = std::make_unique<GroupSpec>();
        result->group->position = position;
        for (auto &[k, v] : expr->pairs) {
            NodePtr key = process(std::move(k));
            NodePtr value = process(std::move(v));
            result->group->pairs.emplace_back(std::move(key), std::move(value));
        }
        result->group->literalKeys = internLiteralKeys(result->group->pairs);
        break;
    }
    case NodeKind::OrderBy:
        result = processOrderBy(std::move(expr));
        break;
    case NodeKind::Focus:
        result = processFocus(std::move(expr));
        break;
    case NodeKind::IndexBind:
        result = processIndex(std::move(expr));
        break;
    case NodeKind::Bind:
        expr->rhs = process(std::move(expr->rhs));
        pushAncestry(*expr, *expr->rhs);
        result = std::move(expr);
        break;
    case NodeKind::Apply:
        expr->lhs = process(std::move(expr->lhs));
        expr->rhs = process(std::move(expr->rhs));
        expr->keepArray = expr->lhs->keepArray || expr->rhs->keepArray;
        result = std::move(expr);
        break;
    case NodeKind::Binary:
    case NodeKind::And:
    case NodeKind::Or:
        expr->lhs = process(std::move(expr->lhs));
        expr->rhs = process(std::move(expr->rhs));
        pushAncestry(*expr, *expr->lhs);
        pushAncestry(*expr, *expr->rhs);
        result = std::move(expr);
        break;
    case NodeKind::Negate:
        expr->expr = process(std::move(expr->expr));
        if (expr->expr->kind == NodeKind::Literal && expr->expr->literalType == 'n') {
            result = std::move(expr->expr);
            result->literal = Value::number(-result->literal.toNumber());
        } else {
            pushAncestry(*expr, *expr->expr);
            result = std::move(expr);
        }
        break;
    case NodeKind::ArrayCons:
        for (NodePtr &item : expr->items) {
            item = process(std::move(item));
            pushAncestry(*expr, *item);
        }
        result = std::move(expr);
        break;
    case NodeKind::ObjectCons:
        for (auto &[k, v] : expr->pairs) {
            k = process(std::move(k));
            pushAncestry(*expr, *k);
            v = process(std::move(v));
            pushAncestry(*expr, *v);
        }
        expr->literalKeys = internLiteralKeys(expr->pairs);
        result = std::move(expr);
        break;
    case NodeKind::Call:
    case NodeKind::Partial:
        for (NodePtr &arg : expr->items) {
            arg = process(std::move(arg));
            pushAncestry(*expr, *arg);
        }
        expr->procedure = process(std::move(expr->procedure));
        result = std::move(expr);
        break;
    case NodeKind::Lambda:
        expr->body = tailCallOptimize(process(std::move(expr->body)));
        result = std::move(expr);
        break;
    case NodeKind::Condition:
        expr->condition = process(std::move(expr->condition));
        pushAncestry(*expr, *expr->condition);
        expr->then = process(std::move(expr->then));
        pushAncestry(*expr, *expr->then);
        if (expr->otherwise) {
            expr->otherwise = process(std::move(expr->otherwise));
            pushAncestry(*expr, *expr->otherwise);
        }
        result = std::move(expr);
        break;
    case NodeKind::Transform:
        expr->pattern = process(std::move(expr->pattern));
        expr->update = process(std::move(expr->update));
        if (expr->remove) {
            expr->remove = process(std::move(expr->remove));
        }
        result = std::move(expr);
        break;
    case NodeKind::Block:
        for (NodePtr &item : expr->items) {
            item = process(std::move(item));
            pushAncestry(*expr, *item);
            if (item->consArray
                || (item->kind == NodeKind::Path && item->items.front()->consArray)) {
                expr->consArray = true;
            }
        }
        result = std::move(expr);
        break;
    case NodeKind::Name: {
        const bool keep = expr->keepArray;
        result = wrapInPath(std::move(expr));
        result->keepSingletonArray = keep;
        break;
    }
    case NodeKind::Parent:
        expr->slot = std::make_shared<AncestorSlot>();
        expr->slot->label = "!" + std::to_string(m_ancestorLabel++);
        expr->slot->index = m_ancestorIndex++;
        result = std::move(expr);
        break;
    case NodeKind::Operator:
        if (expr->text == "and" || expr->text == "or" || expr->text == "in") {
            expr->kind = NodeKind::Name;
            return process(std::move(expr));
        }
        if (expr->text == "(end)") {
            throw ExprException("S0207", expr->position).withToken(expr->text);
        }
        throw ExprException("S0201", expr->position).withToken(expr->text);
    default:
        result = std::move(expr);
        break;
    }
    if (keepArray) {
        result->keepArray = true;
    }
    return result;
}

// --- name resolution -----------------------------------------------------------------------

template<typename F>
void forEachChild(Node &n, F &&f)
{
    for (NodePtr *p : {&n.lhs, &n.rhs, &n.expr, &n.condition, &n.then, &n.otherwise,
                       &n.procedure, &n.body, &n.pattern, &n.update, &n.remove}) {
        if (*p) {
            f(**p);
        }
    }
    for (NodePtr &item : n.items) {
        f(*item);
    }
    for (auto &[k, v] : n.pairs) {
        f(*k);
        f(*v);
    }
    for (SortTerm &t : n.terms) {
        f(*t.expr);
    }
    for (Stage &s : n.predicates) {
        if (s.expr) {
            f(*s.expr);
        }
    }
    for (Stage &s : n.stages) {
        if (s.expr) {
            f(*s.expr);
        }
    }
    if (n.group) {
        for (auto &[k, v] : n.group->pairs) {
            f(*k);
            f(*v);
        }
    }
}

void collectBoundNames(Node &n, std::set<std::string> &names)
{
    if (n.kind == NodeKind::Bind) {
        names.insert(n.lhs->text);
    }
    for (const std::string &p : n.params) {
        names.insert(p);
    }
    if (n.hasFocus()) {
        names.insert(n.focus);
    }
    if (n.hasIndex()) {
        names.insert(n.index);
    }
    for (const Stage &s : n.stages) {
        if (s.isIndex) {
            names.insert(s.indexName);
        }
    }
    forEachChild(n, [&](Node &c) { collectBoundNames(c, names); });
}

// A block needs its own frame only when something evaluated in it can bind a variable there.
bool bindsInScope(Node &n)
{
    if (n.kind == NodeKind::Bind) {
        return true;
    }
    bool found = false;
    forEachChild(n, [&](Node &c) {
        if (!found && c.kind != NodeKind::Block && c.kind != NodeKind::Lambda) {
            found = bindsInScope(c);
        }
    });
    return found;
}

bool isPlainStep(const Node &step)
{
    return step.predicates.empty() && step.stages.empty() && !step.group && !step.tuple
           && !step.keepArray && !step.hasFocus() && !step.hasIndex() && !step.ancestor;
}

// A path the evaluator may walk member by member without building sequences: a name or a
// variable, then names only, nothing that filters, binds, groups or keeps arrays.
bool isSimplePath(const Node &path)
{
    if (path.items.empty() || path.group || path.keepSingletonArray || path.tuple
        || path.keepArray || !path.predicates.empty()) {
        return false;
    }
    const Node &first = *path.items.front();
    const bool firstOk = first.kind == NodeKind::Name
                         || (first.kind == NodeKind::Variable && !findBuiltin(first.text));
    if (!firstOk || !isPlainStep(first)) {
        return false;
    }
    for (std::size_t i = 1; i < path.items.size(); ++i) {
        if (path.items[i]->kind != NodeKind::Name || !isPlainStep(*path.items[i])) {
            return false;
        }
    }
    return true;
}

void resolve(Node &n, const std::set<std::string> &bound, bool nested)
{
    switch (n.kind) {
    case NodeKind::Variable:
        n.symbol = internSymbol(n.text);
        n.builtin = findBuiltin(n.text);
        n.mayBeRebound = nested || bound.count(n.text) > 0 || n.text == "clone";
        break;
    case NodeKind::Name:
        n.key = json::Key(n.text);
        break;
    case NodeKind::Parent:
        n.symbol = internSymbol(n.slot->label);
        break;
    case NodeKind::Lambda:
        for (const std::string &p : n.params) {
            n.paramSymbols.push_back(internSymbol(p));
        }
        break;
    case NodeKind::Block:
        n.needsFrame = false;
        for (NodePtr &item : n.items) {
            n.needsFrame = n.needsFrame || bindsInScope(*item);
        }
        break;
    case NodeKind::Path:
        n.simplePath = isSimplePath(n);
        break;
    case NodeKind::Regex: {
        auto *fn = new RegexFunction();
        fn->regex = n.regex;
        fn->position = n.position;
        n.literal = adoptFunction(fn);
        break;
    }
    default:
        break;
    }
    if (n.hasFocus()) {
        n.focusSymbol = internSymbol(n.focus);
    }
    if (n.hasIndex()) {
        n.indexSymbol = internSymbol(n.index);
    }
    if (n.ancestor) {
        n.ancestor->symbol = internSymbol(n.ancestor->label);
    }
    for (Stage &s : n.stages) {
        if (s.isIndex) {
            s.indexSymbol = internSymbol(s.indexName);
        }
    }
    forEachChild(n, [&](Node &c) { resolve(c, bound, nested); });
}

// Marks the nodes whose evaluation cannot change the current frames: no ':=', and no call
// (a call may be $eval, which binds in the caller's frame). Lambda bodies do not count: they run
// in frames of their own.
bool markPure(Node &n)
{
    bool pure = n.kind != NodeKind::Bind && n.kind != NodeKind::Call
                && n.kind != NodeKind::Partial && n.kind != NodeKind::Apply;
    forEachChild(n, [&](Node &c) {
        const bool childPure = markPure(c);
        if (&c != n.body.get() || n.kind != NodeKind::Lambda) {
            pure = pure && childPure;
        }
    });
    n.pure = pure;
    return pure;
}

} // namespace

NodePtr processTree(NodePtr raw, bool nested)
{
    Processor processor;
    NodePtr tree = processor.process(std::move(raw));
    if (tree->kind == NodeKind::Parent || !tree->seekingParent.empty()) {
        throw ExprException("S0217").withToken(kindName(tree->kind)); // jsonata-js: no position
    }
    std::set<std::string> bound;
    collectBoundNames(*tree, bound);
    resolve(*tree, bound, nested);
    markPure(*tree);
    return tree;
}

} // namespace syncline::engine::expr
