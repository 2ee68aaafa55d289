#include "valueadapter.h"

#include "engine/schema/instanceview.h"

namespace syncline::engine::schema {

namespace {

const json::Value &emptyObject()
{
    static const json::Value empty = json::ObjectBuilder().build();
    return empty;
}

} // namespace

ValueArrayIterator ValueArray::begin() const
{
    return ValueArrayIterator(m_items.data());
}

ValueArrayIterator ValueArray::end() const
{
    return ValueArrayIterator(m_items.data() + m_items.size());
}

const std::shared_ptr<const ValueObject::Order> &ValueObject::order() const
{
    if (!m_order) {
        m_order = std::make_shared<const Order>(m_object != nullptr
                                                    ? instance::orderedMembers(*m_object)
                                                    : Order());
    }
    return m_order;
}

ValueMemberIterator ValueObject::begin() const
{
    return ValueMemberIterator(order(), 0);
}

// Stands for no member, like a failed find(): valijson compares find() results with end() for
// every property a schema names, and sorting the members for that would be wasted.
ValueMemberIterator ValueObject::end() const
{
    return ValueMemberIterator(std::string_view(), nullptr);
}

ValueMemberIterator ValueObject::find(std::string_view name) const
{
    const json::Value *value = m_object != nullptr ? instance::member(*m_object, name) : nullptr;
    return ValueMemberIterator(name, value);
}

std::size_t ValueObject::size() const
{
    return m_object != nullptr ? instance::memberCount(*m_object) : 0;
}

ValueObjectMember ValueMemberIterator::operator*() const
{
    if (m_order) {
        const json::Member *member = (*m_order)[m_index];
        return ValueObjectMember(std::string(member->key.view()), ValueAdapter(member->value));
    }
    return ValueObjectMember(m_name, ValueAdapter(*m_found));
}

const json::Value *ValueMemberIterator::value() const
{
    if (m_order) {
        return m_index < m_order->size() ? &(*m_order)[m_index]->value : nullptr;
    }
    return m_found;
}

bool ValueFrozen::equalTo(const valijson::adapters::Adapter &other, bool strict) const
{
    return ValueAdapter(m_value).equalTo(other, strict);
}

ValueNode::ValueNode()
    : m_value(&emptyObject())
{}

std::optional<ValueArray> ValueNode::getArrayOptional() const
{
    if (!m_value->isArray()) {
        return std::nullopt;
    }
    return ValueArray(m_value->items());
}

std::optional<ValueObject> ValueNode::getObjectOptional() const
{
    if (!m_value->isObject()) {
        return std::nullopt;
    }
    return ValueObject(*m_value);
}

bool ValueNode::getArraySize(std::size_t &result) const
{
    if (!m_value->isArray()) {
        return false;
    }
    result = m_value->size();
    return true;
}

bool ValueNode::getObjectSize(std::size_t &result) const
{
    if (!m_value->isObject()) {
        return false;
    }
    result = instance::memberCount(*m_value);
    return true;
}

bool ValueNode::getBool(bool &result) const
{
    if (!m_value->isBool()) {
        return false;
    }
    result = m_value->toBool();
    return true;
}

bool ValueNode::getDouble(double &result) const
{
    if (!m_value->isNumber()) {
        return false;
    }
    const instance::Number number = instance::number(*m_value);
    if (number.integer) {
        return false;
    }
    result = number.doubleValue;
    return true;
}

bool ValueNode::getInteger(std::int64_t &result) const
{
    if (!m_value->isNumber()) {
        return false;
    }
    const instance::Number number = instance::number(*m_value);
    if (!number.integer) {
        return false;
    }
    result = number.integerValue;
    return true;
}

bool ValueNode::getString(std::string &result) const
{
    if (!instance::isText(*m_value)) {
        return false;
    }
    result = instance::text(*m_value);
    return true;
}

bool ValueNode::isDouble() const
{
    return m_value->isNumber() && !instance::number(*m_value).integer;
}

bool ValueNode::isInteger() const
{
    return m_value->isNumber() && instance::number(*m_value).integer;
}

bool ValueNode::isNull() const
{
    return instance::isNull(*m_value);
}

bool ValueNode::isString() const
{
    return instance::isText(*m_value);
}

} // namespace syncline::engine::schema
