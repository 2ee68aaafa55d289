#pragma once

#include <QString>

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syncline::engine::json {

/// The kinds of value. Null..Object are JSON. Undefined is "no value" (a missing member, like
/// QJsonValue::Undefined); it never appears inside an array or object. Function is a callable
/// created by the expression engine (a JSONata lambda or built-in stored in a variable, array or
/// object); parsed data never holds one and the serializers write it as "" (jsonata-js does the
/// same when it stringifies a function).
enum class Type : std::uint8_t { Undefined, Null, Boolean, Number, String, Array, Object, Function };

namespace detail {

enum class RepKind : std::uint8_t { String, Array, Object, Callable };

/// Header shared by every heap representation. The count is atomic so values can be shared
/// across threads; interned keys are immortal and skip counting altogether.
struct Counted
{
    mutable std::atomic<std::uint32_t> refs{1};
    RepKind kind;
    bool immortal = false;

    explicit Counted(RepKind k)
        : kind(k)
    {}
};

struct StringRep;
struct ArrayRep;
struct ObjectRep;

inline void retain(const Counted *rep) noexcept
{
    if (rep && !rep->immortal) {
        rep->refs.fetch_add(1, std::memory_order_relaxed);
    }
}
void destroy(const Counted *rep) noexcept;
inline void release(const Counted *rep) noexcept
{
    if (rep && !rep->immortal && rep->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        destroy(rep);
    }
}

} // namespace detail

/// Base of anything callable the expression engine stores inside a Value. Subclasses are
/// immutable after construction (they may be called from several threads at once).
class Callable : public detail::Counted
{
public:
    Callable()
        : Counted(detail::RepKind::Callable)
    {}
    virtual ~Callable();
    Callable(const Callable &) = delete;
    Callable &operator=(const Callable &) = delete;
};

/// An object member name. Short names are interned in a process-wide table (bounded in size),
/// so the same name read from a thousand messages is stored once and compares by pointer; the
/// hash is computed once. Longer or excess names are ordinary reference-counted strings and
/// compare by hash and bytes. Cheap to copy; safe to share across threads.
class Key
{
public:
    Key() noexcept;
    explicit Key(std::string_view text);
    Key(const Key &other) noexcept;
    Key(Key &&other) noexcept;
    Key &operator=(const Key &other) noexcept;
    Key &operator=(Key &&other) noexcept;
    ~Key();

    std::string_view view() const noexcept;
    std::uint64_t hash() const noexcept;
    bool operator==(const Key &other) const noexcept;
    bool operator==(std::string_view text) const noexcept;

    /// Hash function used for keys; exposed so callers can pre-hash lookups.
    static std::uint64_t hashOf(std::string_view text) noexcept;

private:
    friend class Value;
    friend class ObjectBuilder;
    const detail::StringRep *m_rep;
};

struct Member;

/// The one JSON value type of the engine (intake parser, expressions, schema, store).
///
/// A small handle (24 bytes) to shared, immutable data: copying it bumps a reference count and
/// never copies the contents. Objects keep insertion order and have fast member lookup (a hash
/// index beyond a few members); arrays are shared vectors; strings are UTF-8.
///
/// Numbers are a double plus, when the source text is not exactly how JavaScript would print
/// that double ("1.10", "9007199254740993", "18446744073709551616", "1e3"), the original text.
/// Arithmetic everywhere uses the double; serializers print the original text when present, so
/// amounts and big ids survive a read-write round trip; the money functions of the expression
/// engine read the text, so "0.10" never passes through binary floating point.
///
/// Thread-safety: a Value is immutable once built, and reference counts are atomic, so values
/// may be shared and read from any number of threads without locking. A single Value handle
/// object must not be assigned to from one thread while another reads it (like shared_ptr).
class Value
{
public:
    /// Null.
    Value() noexcept
        : m_type(Type::Null)
    {}
    Value(const Value &other) noexcept
        : m_type(other.m_type)
        , m_flags(other.m_flags)
        , m_scalar(other.m_scalar)
        , m_rep(other.m_rep)
    {
        detail::retain(m_rep);
    }
    Value(Value &&other) noexcept
        : m_type(other.m_type)
        , m_flags(other.m_flags)
        , m_scalar(other.m_scalar)
        , m_rep(std::exchange(other.m_rep, nullptr))
    {
        other.m_type = Type::Undefined;
    }
    Value &operator=(const Value &other) noexcept
    {
        detail::retain(other.m_rep);
        detail::release(m_rep);
        m_type = other.m_type;
        m_flags = other.m_flags;
        m_scalar = other.m_scalar;
        m_rep = other.m_rep;
        return *this;
    }
    Value &operator=(Value &&other) noexcept
    {
        if (this != &other) {
            detail::release(m_rep);
            m_type = other.m_type;
            m_flags = other.m_flags;
            m_scalar = other.m_scalar;
            m_rep = std::exchange(other.m_rep, nullptr);
            other.m_type = Type::Undefined;
        }
        return *this;
    }
    ~Value() { detail::release(m_rep); }

    // --- builders ---------------------------------------------------------------------------
    static Value undefined() noexcept;
    static Value null() noexcept { return Value(); }
    static Value boolean(bool b) noexcept;
    /// A number without source text (computed values).
    static Value number(double d) noexcept;
    /// A number read from `text`; the text is kept only when it differs from how JavaScript
    /// prints `d`. `text` must be the JSON number text `d` was parsed from.
    static Value number(double d, std::string_view text);
    /// Parses a JSON number literal (RFC 8259 grammar). Nothing when `text` is not one, or when
    /// its magnitude overflows a double.
    static std::optional<Value> parseNumber(std::string_view text);
    static Value string(std::string_view utf8);
    static Value string(const char *utf8) { return string(std::string_view(utf8)); }
    static Value string(const std::string &utf8) { return string(std::string_view(utf8)); }
    static Value string(const QString &text);
    static Value array(std::vector<Value> items);
    static Value function(const Callable *callable) noexcept; // takes a new reference

    // --- inspection -------------------------------------------------------------------------
    Type type() const noexcept { return m_type; }
    bool isUndefined() const noexcept { return m_type == Type::Undefined; }
    bool isNull() const noexcept { return m_type == Type::Null; }
    bool isBool() const noexcept { return m_type == Type::Boolean; }
    bool isNumber() const noexcept { return m_type == Type::Number; }
    bool isString() const noexcept { return m_type == Type::String; }
    bool isArray() const noexcept { return m_type == Type::Array; }
    bool isObject() const noexcept { return m_type == Type::Object; }
    bool isFunction() const noexcept { return m_type == Type::Function; }

    /// The scalar payloads; calling one on another type returns false / 0 / "".
    bool toBool() const noexcept { return m_type == Type::Boolean && m_scalar.boolean; }
    double toNumber() const noexcept { return m_type == Type::Number ? m_scalar.number : 0.0; }
    std::string_view toStringView() const noexcept;
    QString toQString() const;
    /// The number's source text when it was kept (see the class comment), else empty.
    std::string_view numberText() const noexcept;
    /// The number as JSON text: the kept source text, or the JavaScript rendering.
    std::string numberToText() const;

    /// Arrays: the elements (empty for other types).
    std::span<const Value> items() const noexcept;
    std::size_t size() const noexcept; // elements of an array, members of an object, else 0
    const Value &operator[](std::size_t index) const noexcept { return items()[index]; }

    /// Objects: the members in insertion order (empty for other types).
    std::span<const Member> members() const noexcept;
    /// The member's value, or nullptr when absent or when this is not an object.
    const Value *find(const Key &key) const noexcept;
    const Value *find(std::string_view key) const noexcept;
    /// The member's value, or undefined.
    Value get(std::string_view key) const;

    const Callable *callable() const noexcept
    {
        return m_type == Type::Function ? static_cast<const Callable *>(m_rep) : nullptr;
    }

    /// Spare bits a module may use for its own bookkeeping on a handle (the expression engine
    /// marks result sequences with them). They travel with copies of this handle only and are
    /// ignored by equality and serialization.
    std::uint8_t flags() const noexcept { return m_flags; }
    void setFlags(std::uint8_t flags) noexcept { m_flags = flags; }

    /// Deep equality: numbers by value, objects regardless of member order, functions by
    /// identity. Undefined equals only undefined.
    bool operator==(const Value &other) const noexcept;

    /// True when both handles point at the same shared data (or are equal scalars).
    bool sameAs(const Value &other) const noexcept;
    /// The address of the shared data (nullptr for scalars without text): identifies an array,
    /// object or string instance, e.g. to find the places a value occurs in a document.
    const void *identity() const noexcept { return m_rep; }

private:
    friend class ObjectBuilder;

    Type m_type;
    std::uint8_t m_flags = 0;
    union Scalar {
        double number;
        bool boolean;
    } m_scalar{0.0};
    const detail::Counted *m_rep = nullptr; // string, array, object, callable, or number text
};

/// One object member, in insertion order.
struct Member
{
    Key key;
    Value value;
};

/// Builds an object member by member. Insertion order is kept. Intake parsers use insert() to
/// detect duplicate names; the expression engine uses set() (a later value replaces an earlier
/// one in its original position, as JavaScript objects behave). Not thread-safe; the built
/// Value is.
class ObjectBuilder
{
public:
    ObjectBuilder() = default;
    explicit ObjectBuilder(std::size_t expectedMembers) { reserve(expectedMembers); }
    /// Starts from the members of `object` (any other type starts empty).
    static ObjectBuilder from(const Value &object);

    void reserve(std::size_t expectedMembers);
    /// Adds the member unless the name is already present; returns false (and keeps the first
    /// value) for a duplicate.
    bool insert(Key key, Value value);
    bool insert(std::string_view key, Value value) { return insert(Key(key), std::move(value)); }
    /// Adds the member or replaces the value of an existing one.
    void set(Key key, Value value);
    void set(std::string_view key, Value value) { set(Key(key), std::move(value)); }
    /// Removes a member if present (later members keep their order).
    void remove(const Key &key);
    const Value *find(const Key &key) const noexcept;
    std::size_t size() const noexcept { return m_members.size(); }
    bool empty() const noexcept { return m_members.empty(); }

    /// The object. The builder is left empty.
    Value build();

private:
    std::ptrdiff_t indexOf(const Key &key) const noexcept;
    void append(Key key, Value value); // a name known not to be there yet
    void rebuildIndex();

    std::vector<Member> m_members;
    std::vector<std::uint32_t> m_index; // open addressing, slot = member index + 1; empty if small
};

/// Serializer options. The defaults give compact JSON like JSON.stringify(v).
struct TextOptions
{
    int indent = 0;          // spaces per level; 0 = compact on one line
    bool sortKeys = false;   // members by name (byte order) instead of insertion order
    bool numberText = true;  // print a number's kept source text instead of the double
};

/// JSON text of `value`. Undefined gives ""; members whose value is undefined are left out
/// (as JSON.stringify does); non-finite numbers print as null; functions as "".
std::string toJsonText(const Value &value, const TextOptions &options = {});
void appendJsonText(std::string &out, const Value &value, const TextOptions &options = {});
/// Indented (2 spaces), sorted keys: the workspace file format.
std::string toPrettyJsonText(const Value &value);
/// `text` as a JSON string literal, quotes included.
void appendQuotedString(std::string &out, std::string_view text);

/// A double as JavaScript's Number.prototype.toString prints it: shortest round-trip digits,
/// plain notation from 1e-7 up to 1e21, exponent form outside ("1e+21", "1.5e-7"), -0 as "0",
/// NaN as "NaN", infinities as "Infinity" / "-Infinity".
std::string numberToText(double d);
void appendNumberText(std::string &out, double d);

/// nlohmann::json conversions, for modules and tests that use that library. Integers that a
/// double cannot hold exactly keep their text; a number's kept text that does not fit nlohmann's
/// integer types converts through the double. Functions convert to "", undefined to null.
Value fromNlohmann(const nlohmann::json &json);
nlohmann::json toNlohmann(const Value &value);

} // namespace syncline::engine::json
