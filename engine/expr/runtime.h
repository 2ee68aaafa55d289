#pragma once

// Run-time structures of the evaluator: sequence flags, variable frames, the callable kinds a
// JSONata value can hold, and the per-evaluation state. Internal to engine/expr.

#include "engine/expr/ast.h"
#include "engine/expr/exprerror.h"
#include "engine/expr/smallvec.h"
#include "engine/json/value.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <vector>

namespace syncline::engine::expr {

using json::Value;

// Flags on a Value handle (json::Value::flags) that carry jsonata-js's array annotations.
enum SeqFlag : std::uint8_t {
    kSequence = 1,      // a result sequence (flattened, singleton-unwrapped)
    kKeepSingleton = 2, // a sequence that stays an array even with one item
    kOuterWrapper = 4,  // the wrapper around an input that is itself an array
    kCons = 8,          // an array built by an array constructor
    kTupleStream = 16,  // a Function value holding a TupleStream (see below)
};

inline bool isSequence(const Value &v)
{
    return v.isArray() && (v.flags() & kSequence);
}

inline Value makeSequence(std::vector<Value> items, std::uint8_t extraFlags = 0)
{
    Value v = Value::array(std::move(items));
    v.setFlags(kSequence | extraFlags);
    return v;
}

/// A frame of variable bindings (jsonata-js createFrame). Frames are shared by closures, so they
/// are reference counted; bindings are few, so lookup is a scan over interned symbols.
class Frame
{
public:
    explicit Frame(Frame *parent)
        : m_parent(parent)
    {
        if (m_parent) {
            m_parent->retain();
        }
    }
    ~Frame();
    Frame(const Frame &) = delete;
    Frame &operator=(const Frame &) = delete;

    void retain() { m_refs.fetch_add(1, std::memory_order_relaxed); }
    void release()
    {
        if (m_refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            delete this;
        }
    }

    void bind(Symbol symbol, Value value);
    /// Drops every binding (used at the end of an evaluation to break closure cycles).
    void clearBindings();
    /// The bound value, searching enclosing frames; nullptr when unbound.
    const Value *lookup(Symbol symbol) const;
    Frame *parent() const { return m_parent; }
    std::span<const std::pair<Symbol, Value>> bindings() const { return m_bindings.span(); }

private:
    std::atomic<std::uint32_t> m_refs{1};
    Frame *m_parent;
    SmallVec<std::pair<Symbol, Value>, 3> m_bindings;
};

/// Owning reference to a Frame.
class FrameRef
{
public:
    FrameRef() = default;
    static FrameRef adopt(Frame *f)
    {
        FrameRef r;
        r.m_frame = f;
        return r;
    }
    static FrameRef share(Frame *f)
    {
        if (f) {
            f->retain();
        }
        return adopt(f);
    }
    FrameRef(const FrameRef &o)
        : m_frame(o.m_frame)
    {
        if (m_frame) {
            m_frame->retain();
        }
    }
    FrameRef(FrameRef &&o) noexcept
        : m_frame(std::exchange(o.m_frame, nullptr))
    {}
    FrameRef &operator=(FrameRef o) noexcept
    {
        std::swap(m_frame, o.m_frame);
        return *this;
    }
    ~FrameRef()
    {
        if (m_frame) {
            m_frame->release();
        }
    }
    Frame *get() const { return m_frame; }
    Frame *operator->() const { return m_frame; }

private:
    Frame *m_frame = nullptr;
};

/// What keeps a compiled tree alive while functions created from it are still reachable.
struct Program
{
    NodePtr root;
    std::string source;
};
using ProgramRef = std::shared_ptr<const Program>;

enum class CallableKind : std::uint8_t {
    Builtin, Lambda, NativePartial, Chain, Regex, Transform, TupleStream, MatchNext
};

/// Base for every callable the evaluator creates; Value::callable() gives one of these.
class FunctionValue : public json::Callable
{
public:
    explicit FunctionValue(CallableKind k)
        : kind(k)
    {}
    const CallableKind kind;
};

class Evaluator;

/// Arguments and surroundings of a built-in call.
struct CallContext
{
    Evaluator &ev;
    const Value &input; // the context value at the call ("focus" in jsonata-js)
    Frame *env;
    int position;
};

using BuiltinImpl = Value (*)(CallContext &cx, std::span<const Value> args);

/// A built-in function ($sum, $map ...). Static and immortal.
class Builtin : public FunctionValue
{
public:
    Builtin(const char *n, const char *sig, int jsArity, BuiltinImpl fn);
    const char *name;
    Signature signature;
    int arity; // declared parameters of the jsonata-js implementation (decides HOF arguments)
    BuiltinImpl impl;
};

/// A lambda closure (or a tail-call thunk).
class Lambda : public FunctionValue
{
public:
    Lambda()
        : FunctionValue(CallableKind::Lambda)
    {}
    const Node *node = nullptr;      // the Lambda node (body, signature)
    const std::vector<Symbol> *params = nullptr;
    std::vector<Symbol> ownParams;   // for partial applications
    Value input;
    FrameRef env;
    ProgramRef program;
    bool thunk = false;
};

/// A built-in with some arguments fixed by partial application ($substring(?, 0, 2)).
class NativePartial : public FunctionValue
{
public:
    NativePartial()
        : FunctionValue(CallableKind::NativePartial)
    {}
    const Builtin *builtin = nullptr;
    std::vector<Value> bound;     // one per declared parameter
    std::vector<std::size_t> free; // indexes in `bound` filled by call arguments
};

/// $f ~> $g : calls f then g.
class Chain : public FunctionValue
{
public:
    Chain()
        : FunctionValue(CallableKind::Chain)
    {}
    Value first, second;
};

class RegexHolder;

/// A regex literal used as a value: a matcher function (str, offset) -> match object.
class RegexFunction : public FunctionValue
{
public:
    RegexFunction()
        : FunctionValue(CallableKind::Regex)
    {}
    std::shared_ptr<const RegexHolder> regex;
    int position = 0;
};

/// The "next" function of a match object produced by a RegexFunction.
class MatchNext : public FunctionValue
{
public:
    MatchNext()
        : FunctionValue(CallableKind::MatchNext)
    {}
    std::shared_ptr<const RegexHolder> regex;
    std::string subject;
    std::size_t fromByte = 0;
    int position = 0;
};

/// The function a transform expression |pattern|update,delete| evaluates to.
class TransformFunction : public FunctionValue
{
public:
    TransformFunction()
        : FunctionValue(CallableKind::Transform)
    {}
    const Node *node = nullptr;
    FrameRef env;
    ProgramRef program;
};

/// One element of a tuple stream: the context value plus the variables bound along the path
/// (focus '@$v', index '#$i' and ancestor labels of '%').
struct Tuple
{
    Value context;
    SmallVec<std::pair<Symbol, Value>, 2> vars;

    Tuple() = default;
    explicit Tuple(Value c)
        : context(std::move(c))
    {}
    Tuple(Tuple &&) noexcept = default;
    Tuple &operator=(Tuple &&) noexcept = default;
    Tuple clone() const
    {
        Tuple t(context);
        for (const auto &b : vars) {
            t.vars.push_back(b);
        }
        return t;
    }
    void set(Symbol s, Value v)
    {
        for (auto &b : vars) {
            if (b.first == s) {
                b.second = std::move(v);
                return;
            }
        }
        vars.emplace_back(s, std::move(v));
    }
    const Value *get(Symbol s) const
    {
        for (const auto &b : vars) {
            if (b.first == s) {
                return &b.second;
            }
        }
        return nullptr;
    }
};
using TupleStream = std::vector<Tuple>;

/// A tuple stream travelling as a Value (flag kTupleStream) out of a nested path.
class TupleStreamHolder : public FunctionValue
{
public:
    TupleStreamHolder()
        : FunctionValue(CallableKind::TupleStream)
    {}
    TupleStream tuples;
};

inline const FunctionValue *asFunction(const Value &v)
{
    return static_cast<const FunctionValue *>(v.callable());
}

inline bool isTupleStreamValue(const Value &v)
{
    return v.isFunction() && (v.flags() & kTupleStream);
}

/// Limits and shared data of one evaluation.
struct EvalState
{
    int depth = 0;
    int maxDepth = 0;
    bool hasDeadline = false;
    std::chrono::steady_clock::time_point deadline;
    std::uint32_t ticks = 0;
    const char *stackLimit = nullptr;
    std::int64_t nowMillis = 0;
    ProgramRef program;
    Frame *bindingsFrame = nullptr; // caller bindings (may shadow built-ins)
    /// Frames captured by closures created in this evaluation. A closure stored in a variable of
    /// the frame it captures is a reference cycle; the evaluation breaks these at its end.
    std::vector<FrameRef> capturedFrames;

    void captured(Frame *frame)
    {
        if (frame && (capturedFrames.empty() || capturedFrames.back().get() != frame)) {
            capturedFrames.push_back(FrameRef::share(frame));
        }
    }
};

/// Counts one level of evaluation depth for as long as it lives.
struct DepthGuard
{
    EvalState &state;
    explicit DepthGuard(EvalState &s)
        : state(s)
    {
        ++state.depth;
    }
    ~DepthGuard() { --state.depth; }
    DepthGuard(const DepthGuard &) = delete;
    DepthGuard &operator=(const DepthGuard &) = delete;
};

} // namespace syncline::engine::expr
