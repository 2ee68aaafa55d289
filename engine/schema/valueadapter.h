#pragma once

// A valijson adapter over json::Value, so instances are validated where they are instead of
// being copied into nlohmann::json for every message. Values look to valijson exactly as their
// json::toNlohmann() conversion did (instanceview.h has the rules), so every verdict and error
// stays the same. Internal to engine/schema: it drags valijson's headers along.
//
// valijson's BasicAdapter wants five cooperating types (array, object, their iterators and the
// wrapped value); they live together here as valijson's own adapters do.

#include "engine/json/value.h"

#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syncline::engine::schema {

class ValueAdapter;
class ValueArrayIterator;
class ValueMemberIterator;

/// A member as valijson iterates it: its name (valijson keeps names as std::string) and value.
using ValueObjectMember = std::pair<std::string, ValueAdapter>;

/// The elements of an array instance. Borrows them: the instance outlives validation.
class ValueArray
{
public:
    using const_iterator = ValueArrayIterator;
    using iterator = ValueArrayIterator;

    ValueArray() = default;
    explicit ValueArray(std::span<const json::Value> items)
        : m_items(items)
    {}

    ValueArrayIterator begin() const;
    ValueArrayIterator end() const;
    std::size_t size() const { return m_items.size(); }

private:
    std::span<const json::Value> m_items;
};

/// The members of an object instance, iterated in nlohmann's order (names sorted bytewise,
/// undefined members left out) because valijson's error order and wording follow iteration.
/// The order is sorted once per ValueObject, by begin(); find() and end() need none, and end()
/// cannot be stepped back (valijson never does that to objects).
class ValueObject
{
public:
    using const_iterator = ValueMemberIterator;
    using iterator = ValueMemberIterator;

    ValueObject() = default;
    explicit ValueObject(const json::Value &object)
        : m_object(&object)
    {}

    ValueMemberIterator begin() const;
    ValueMemberIterator end() const;
    /// The member `name`, or end(). The result can be dereferenced, not stepped.
    ValueMemberIterator find(std::string_view name) const;
    std::size_t size() const;

private:
    using Order = std::vector<const json::Member *>;
    const std::shared_ptr<const Order> &order() const;

    const json::Value *m_object = nullptr; // nullptr: the empty object
    mutable std::shared_ptr<const Order> m_order;
};

/// A value copied out of an instance (valijson freezes values it keeps). Holds a reference to
/// the shared json::Value data, so it stays valid after the instance is gone.
class ValueFrozen : public valijson::adapters::FrozenValue
{
public:
    explicit ValueFrozen(json::Value value)
        : m_value(std::move(value))
    {}

    FrozenValue *clone() const override { return new ValueFrozen(m_value); }
    bool equalTo(const valijson::adapters::Adapter &other, bool strict) const override;

private:
    json::Value m_value;
};

/// The value type BasicAdapter wraps. Borrows the json::Value.
class ValueNode
{
public:
    ValueNode(); // the empty object, as valijson's default-constructed adapters hold
    explicit ValueNode(const json::Value &value)
        : m_value(&value)
    {}

    valijson::adapters::FrozenValue *freeze() const { return new ValueFrozen(*m_value); }

    std::optional<ValueArray> getArrayOptional() const;
    std::optional<ValueObject> getObjectOptional() const;
    bool getArraySize(std::size_t &result) const;
    bool getObjectSize(std::size_t &result) const;
    bool getBool(bool &result) const;
    bool getDouble(double &result) const;
    bool getInteger(std::int64_t &result) const;
    bool getString(std::string &result) const;

    /// Types are never coerced (no "12" for 12); valijson then runs in strict mode.
    static bool hasStrictTypes() { return true; }

    bool isArray() const { return m_value->isArray(); }
    bool isBool() const { return m_value->isBool(); }
    bool isDouble() const;
    bool isInteger() const;
    bool isNull() const;
    bool isNumber() const { return m_value->isNumber(); }
    bool isObject() const { return m_value->isObject(); }
    bool isString() const;

private:
    const json::Value *m_value;
};

/// The adapter to hand to valijson::Validator::validate().
class ValueAdapter
    : public valijson::adapters::
          BasicAdapter<ValueAdapter, ValueArray, ValueObjectMember, ValueObject, ValueNode>
{
public:
    ValueAdapter() = default;
    explicit ValueAdapter(const json::Value &value)
        : BasicAdapter(ValueNode(value))
    {}
};

/// Steps through an array's elements.
class ValueArrayIterator
{
public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = ValueAdapter;
    using difference_type = std::ptrdiff_t;
    using pointer = ValueAdapter *;
    using reference = ValueAdapter &;

    explicit ValueArrayIterator(const json::Value *at)
        : m_at(at)
    {}

    ValueAdapter operator*() const { return ValueAdapter(*m_at); }
    valijson::adapters::DerefProxy<ValueAdapter> operator->() const
    {
        return valijson::adapters::DerefProxy<ValueAdapter>(**this);
    }
    bool operator==(const ValueArrayIterator &other) const { return m_at == other.m_at; }
    bool operator!=(const ValueArrayIterator &other) const { return m_at != other.m_at; }
    ValueArrayIterator &operator++()
    {
        ++m_at;
        return *this;
    }
    ValueArrayIterator operator++(int)
    {
        const ValueArrayIterator before = *this;
        ++m_at;
        return before;
    }
    ValueArrayIterator &operator--()
    {
        --m_at;
        return *this;
    }
    void advance(std::ptrdiff_t n) { m_at += n; }

private:
    const json::Value *m_at;
};

/// Steps through an object's members in ValueObject's order, or stands for one member found
/// by name. Two iterators are equal when they stand for the same member (end: none).
class ValueMemberIterator
{
public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = ValueObjectMember;
    using difference_type = std::ptrdiff_t;
    using pointer = ValueObjectMember *;
    using reference = ValueObjectMember &;

    ValueMemberIterator(std::shared_ptr<const std::vector<const json::Member *>> order,
                        std::size_t index)
        : m_order(std::move(order))
        , m_index(index)
    {}
    /// A member found by name (`value` nullptr: not found, equal to end()).
    ValueMemberIterator(std::string_view name, const json::Value *value)
        : m_name(name)
        , m_found(value)
    {}

    ValueObjectMember operator*() const;
    valijson::adapters::DerefProxy<ValueObjectMember> operator->() const
    {
        return valijson::adapters::DerefProxy<ValueObjectMember>(**this);
    }
    bool operator==(const ValueMemberIterator &other) const { return value() == other.value(); }
    bool operator!=(const ValueMemberIterator &other) const { return !(*this == other); }
    ValueMemberIterator &operator++()
    {
        ++m_index;
        return *this;
    }
    ValueMemberIterator operator++(int)
    {
        const ValueMemberIterator before = *this;
        ++m_index;
        return before;
    }
    ValueMemberIterator &operator--()
    {
        --m_index;
        return *this;
    }

private:
    const json::Value *value() const;

    std::shared_ptr<const std::vector<const json::Member *>> m_order; // null for a found member
    std::size_t m_index = 0;
    std::string m_name; // a found member's name: owned, the caller's string may be a temporary
    const json::Value *m_found = nullptr;
};

} // namespace syncline::engine::schema
