#pragma once

#include "engine/expr/signature.h"
#include "engine/json/value.h"

#include <memory>
#include <string>
#include <vector>

namespace syncline::engine::expr {

struct Builtin;
class RegexHolder;

/// Node kinds of the processed syntax tree (after the post-parse pass that turns '.' chains into
/// paths and resolves the parent operator). The parser also uses a few raw kinds that the pass
/// removes (Dot, Filter, GroupBy, OrderBy, Focus, IndexBind, Operator).
enum class NodeKind : std::uint8_t {
    Path,
    Binary,     // arithmetic, comparison, '&', '..', 'in'
    And,
    Or,
    Negate,     // unary minus
    ArrayCons,  // [ ... ]
    ObjectCons, // { ... } (unary form)
    Name,       // field name step
    Literal,    // string, number, true/false/null
    Wildcard,
    Descendant,
    Parent,
    Condition,
    Block,
    Bind,
    Regex,
    Call,
    Variable,
    Lambda,
    Partial,
    Apply,
    Transform,
    Sort,
    Placeholder, // '?' in a partial application
    // raw parser kinds, gone after processing
    Dot,
    Filter,
    GroupBy,
    OrderBy,
    Focus,
    IndexBind,
    Operator, // an operator token used where an operand was expected
};

enum class BinaryOp : std::uint8_t {
    Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, Concat, Range, In
};

using Symbol = std::uint32_t; // interned variable name, see symbols.h
constexpr Symbol kNoSymbol = 0;

struct Node;
using NodePtr = std::unique_ptr<Node>;

/// A parent-operator slot: the label under which an ancestor is bound and how many steps up it
/// still has to be found. Shared between the '%' node and the steps that bind it.
struct AncestorSlot
{
    std::string label;
    Symbol symbol = kNoSymbol;
    int level = 1;
    int index = 0;
};
using SlotPtr = std::shared_ptr<AncestorSlot>;

/// A predicate or index stage attached to a step.
struct Stage
{
    bool isIndex = false; // '#$i' inside stages
    NodePtr expr;         // filter expression
    std::string indexName;
    Symbol indexSymbol = kNoSymbol;
    int position = 0;
};

struct SortTerm
{
    bool descending = false;
    NodePtr expr;
};

struct GroupSpec
{
    std::vector<std::pair<NodePtr, NodePtr>> pairs;
    int position = 0;
    bool literalKeys = false; // see Node::literalKeys
};

// What evalGroup needs of an object constructor or a group-by stage.
struct GroupPairs
{
    GroupPairs(const std::vector<std::pair<NodePtr, NodePtr>> &pairs, int position,
               bool literalKeys)
        : pairs(pairs)
        , position(position)
        , literalKeys(literalKeys)
    {}
    GroupPairs(const GroupSpec &group)
        : GroupPairs(group.pairs, group.position, group.literalKeys)
    {}

    const std::vector<std::pair<NodePtr, NodePtr>> &pairs;
    int position;
    bool literalKeys;
};

struct Node
{
    NodeKind kind;
    int position = 0; // character offset just past the token, as jsonata-js reports
    std::string text; // name, variable name, operator token, regex pattern
    BinaryOp op = BinaryOp::Add;
    char literalType = 0; // Literal: 's' string, 'n' number, 'v' true/false/null
    json::Value literal;
    json::Key key;    // interned field name of a Name step
    Symbol symbol = kNoSymbol;
    const Builtin *builtin = nullptr; // a variable that is a built-in function when not rebound

    NodePtr lhs, rhs;             // binary; Dot/Filter/GroupBy raw forms; Bind; Apply
    NodePtr expr;                 // Negate operand
    NodePtr condition, then, otherwise;
    NodePtr procedure, body;      // Call/Partial/Lambda
    NodePtr pattern, update, remove; // Transform
    std::vector<NodePtr> items;   // ArrayCons items, Block expressions, Call arguments, Path steps
    std::vector<std::pair<NodePtr, NodePtr>> pairs; // ObjectCons (and raw GroupBy)
    // ObjectCons: every key is a distinct string literal, interned in its node's `key`, so an
    // object built from one input needs no grouping.
    bool literalKeys = false;
    std::vector<SortTerm> terms;  // Sort / raw OrderBy
    std::vector<std::string> params; // Lambda parameter names
    std::vector<Symbol> paramSymbols;
    std::shared_ptr<const Signature> signature;
    std::shared_ptr<const RegexHolder> regex;

    std::vector<Stage> predicates; // filters on a non-step node
    std::vector<Stage> stages;     // filters/index stages on a path step
    std::unique_ptr<GroupSpec> group;

    // path step annotations
    std::string focus;   // '@$v'
    Symbol focusSymbol = kNoSymbol;
    std::string index;   // '#$i'
    Symbol indexSymbol = kNoSymbol;
    SlotPtr ancestor;    // binds the input of this step for a later '%'
    SlotPtr slot;        // Parent node: which ancestor it reads
    std::vector<SlotPtr> seekingParent;

    bool keepArray = false;
    bool consArray = false;
    bool tuple = false;
    bool keepSingletonArray = false;
    bool thunk = false;
    bool needsFrame = true;   // Block: binds variables of its own
    bool simplePath = false;  // Path of plain names (after an optional variable): walked in place
    bool pure = false;        // evaluating it cannot bind variables in the current frames
    bool mayBeRebound = true; // Variable naming a built-in: false when nothing can shadow it
    bool hasFocus() const { return !focus.empty(); }
    bool hasIndex() const { return !index.empty(); }

    explicit Node(NodeKind k, int pos = 0)
        : kind(k)
        , position(pos)
    {}
};

} // namespace syncline::engine::expr
