#include "value.h"

#include "engine/json/keyintern.h"
#include "engine/json/valuerep.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>

namespace syncline::engine::json {

namespace detail {

StringRep *StringRep::create(std::string_view text, std::uint64_t hash)
{
    void *memory = ::operator new(sizeof(StringRep) + text.size() + 1);
    auto *rep = new (memory) StringRep();
    rep->size = static_cast<std::uint32_t>(text.size());
    rep->hash = hash;
    if (!text.empty()) {
        std::memcpy(rep->data(), text.data(), text.size());
    }
    rep->data()[text.size()] = '\0';
    return rep;
}

void destroy(const Counted *rep) noexcept
{
    switch (rep->kind) {
    case RepKind::String: {
        auto *s = static_cast<const StringRep *>(rep);
        s->~StringRep();
        ::operator delete(const_cast<StringRep *>(s));
        return;
    }
    case RepKind::Array:
        delete static_cast<const ArrayRep *>(rep);
        return;
    case RepKind::Object:
        delete static_cast<const ObjectRep *>(rep);
        return;
    case RepKind::Callable:
        delete static_cast<const Callable *>(rep);
        return;
    }
}

const Member *findMember(const Member *members, std::size_t count,
                         const std::vector<std::uint32_t> &index, const Key &key) noexcept
{
    if (index.empty()) {
        for (std::size_t i = 0; i < count; ++i) {
            if (members[i].key == key) {
                return members + i;
            }
        }
        return nullptr;
    }
    const std::size_t mask = index.size() - 1;
    for (std::size_t slot = key.hash() & mask;; slot = (slot + 1) & mask) {
        const std::uint32_t entry = index[slot];
        if (entry == 0) {
            return nullptr;
        }
        if (members[entry - 1].key == key) {
            return members + entry - 1;
        }
    }
}

const Member *findMember(const Member *members, std::size_t count,
                         const std::vector<std::uint32_t> &index, std::string_view key,
                         std::uint64_t hash) noexcept
{
    auto matches = [&](const Member &m) {
        return m.key.hash() == hash && m.key.view() == key;
    };
    if (index.empty()) {
        for (std::size_t i = 0; i < count; ++i) {
            if (matches(members[i])) {
                return members + i;
            }
        }
        return nullptr;
    }
    const std::size_t mask = index.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        const std::uint32_t entry = index[slot];
        if (entry == 0) {
            return nullptr;
        }
        if (matches(members[entry - 1])) {
            return members + entry - 1;
        }
    }
}

} // namespace detail

Callable::~Callable() = default;

// --- Key ---------------------------------------------------------------------------------------

Key::Key() noexcept
    : m_rep(detail::emptyKeyRep())
{}

Key::Key(std::string_view text)
    : m_rep(detail::makeKeyRep(text))
{}

Key::Key(const Key &other) noexcept
    : m_rep(other.m_rep)
{
    detail::retain(m_rep);
}

Key::Key(Key &&other) noexcept
    : m_rep(other.m_rep)
{
    other.m_rep = detail::emptyKeyRep();
}

Key &Key::operator=(const Key &other) noexcept
{
    detail::retain(other.m_rep);
    detail::release(m_rep);
    m_rep = other.m_rep;
    return *this;
}

Key &Key::operator=(Key &&other) noexcept
{
    if (this != &other) {
        detail::release(m_rep);
        m_rep = std::exchange(other.m_rep, detail::emptyKeyRep());
    }
    return *this;
}

Key::~Key()
{
    detail::release(m_rep);
}

std::string_view Key::view() const noexcept
{
    return m_rep->view();
}

std::uint64_t Key::hash() const noexcept
{
    return m_rep->hash;
}

bool Key::operator==(const Key &other) const noexcept
{
    return m_rep == other.m_rep
           || (m_rep->hash == other.m_rep->hash && m_rep->view() == other.m_rep->view());
}

bool Key::operator==(std::string_view text) const noexcept
{
    return m_rep->view() == text;
}

std::uint64_t Key::hashOf(std::string_view text) noexcept
{
    // 64-bit FNV-1a over 8-byte words with a final avalanche: names are short, this is fast.
    std::uint64_t h = 0xcbf29ce484222325ULL ^ text.size();
    const char *p = text.data();
    std::size_t n = text.size();
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        h = (h ^ word) * 0x100000001b3ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    // The last 0..7 bytes, little-endian, zero-extended. Built from at most two overlapping
    // loads: a memcpy of a variable length compiles to single-byte stores, and reading them back
    // as one word stalled on store forwarding (a tenth of intake's time).
    std::uint64_t tail = 0;
    if (n >= 4) {
        std::uint32_t low;
        std::uint32_t high;
        std::memcpy(&low, p, 4);
        std::memcpy(&high, p + n - 4, 4);
        tail = low | (std::uint64_t(high) << (8 * (n - 4)));
    } else if (n > 0) {
        const auto byte = [p](std::size_t i) { return std::uint64_t(std::uint8_t(p[i])); };
        tail = byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1)));
    }
    h = (h ^ tail) * 0x100000001b3ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

// --- Value builders ----------------------------------------------------------------------------

Value Value::undefined() noexcept
{
    Value v;
    v.m_type = Type::Undefined;
    return v;
}

Value Value::boolean(bool b) noexcept
{
    Value v;
    v.m_type = Type::Boolean;
    v.m_scalar.boolean = b;
    return v;
}

Value Value::number(double d) noexcept
{
    Value v;
    v.m_type = Type::Number;
    v.m_scalar.number = d;
    return v;
}

namespace {

// True when `text` is a short canonical integer, which JavaScript prints the same way.
bool isPlainInteger(std::string_view text)
{
    std::size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
    const std::size_t digits = text.size() - i;
    if (digits == 0 || digits > 15 || (text[i] == '0' && (digits > 1 || i == 1))) {
        return false;
    }
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    return true;
}

bool isJsonNumber(std::string_view t)
{
    std::size_t i = 0;
    const std::size_t n = t.size();
    auto digit = [&](std::size_t k) { return k < n && t[k] >= '0' && t[k] <= '9'; };
    if (i < n && t[i] == '-') {
        ++i;
    }
    if (!digit(i)) {
        return false;
    }
    if (t[i] == '0') {
        ++i;
    } else {
        while (digit(i)) {
            ++i;
        }
    }
    if (i < n && t[i] == '.') {
        ++i;
        if (!digit(i)) {
            return false;
        }
        while (digit(i)) {
            ++i;
        }
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < n && (t[i] == '+' || t[i] == '-')) {
            ++i;
        }
        if (!digit(i)) {
            return false;
        }
        while (digit(i)) {
            ++i;
        }
    }
    return i == n;
}

} // namespace

Value Value::number(double d, std::string_view text)
{
    Value v = number(d);
    if (text.empty() || isPlainInteger(text)) {
        return v;
    }
    std::string printed;
    appendNumberText(printed, d);
    if (printed != text) {
        v.m_rep = detail::StringRep::create(text, 0);
    }
    return v;
}

std::optional<Value> Value::parseNumber(std::string_view text)
{
    if (!isJsonNumber(text)) {
        return std::nullopt;
    }
    double d = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range) {
        // Overflow has no double; underflow is a (signed) zero, and the text keeps the digits.
        const auto exp = text.find_first_of("eE");
        const bool negativeExponent = exp != std::string_view::npos && text[exp + 1] == '-';
        if (!negativeExponent) {
            return std::nullopt;
        }
        d = text[0] == '-' ? -0.0 : 0.0;
    } else if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return number(d, text);
}

Value Value::string(std::string_view utf8)
{
    Value v;
    v.m_type = Type::String;
    v.m_rep = detail::StringRep::create(utf8, 0);
    return v;
}

Value Value::string(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    return string(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
}

Value Value::array(std::vector<Value> items)
{
    Value v;
    v.m_type = Type::Array;
    v.m_rep = new detail::ArrayRep(std::move(items));
    return v;
}

Value Value::function(const Callable *callable) noexcept
{
    Value v;
    v.m_type = Type::Function;
    detail::retain(callable);
    v.m_rep = callable;
    return v;
}

// --- Value inspection --------------------------------------------------------------------------

std::string_view Value::toStringView() const noexcept
{
    if (m_type != Type::String) {
        return {};
    }
    return static_cast<const detail::StringRep *>(m_rep)->view();
}

QString Value::toQString() const
{
    const std::string_view s = toStringView();
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

std::string_view Value::numberText() const noexcept
{
    if (m_type != Type::Number || !m_rep) {
        return {};
    }
    return static_cast<const detail::StringRep *>(m_rep)->view();
}

std::string Value::numberToText() const
{
    if (const std::string_view text = numberText(); !text.empty()) {
        return std::string(text);
    }
    return json::numberToText(toNumber());
}

std::span<const Value> Value::items() const noexcept
{
    if (m_type != Type::Array) {
        return {};
    }
    return static_cast<const detail::ArrayRep *>(m_rep)->items;
}

std::size_t Value::size() const noexcept
{
    if (m_type == Type::Array) {
        return static_cast<const detail::ArrayRep *>(m_rep)->items.size();
    }
    if (m_type == Type::Object) {
        return static_cast<const detail::ObjectRep *>(m_rep)->members.size();
    }
    return 0;
}

std::span<const Member> Value::members() const noexcept
{
    if (m_type != Type::Object) {
        return {};
    }
    return static_cast<const detail::ObjectRep *>(m_rep)->members;
}

const Value *Value::find(const Key &key) const noexcept
{
    if (m_type != Type::Object) {
        return nullptr;
    }
    const auto *rep = static_cast<const detail::ObjectRep *>(m_rep);
    const Member *m = detail::findMember(rep->members.data(), rep->members.size(), rep->index, key);
    return m ? &m->value : nullptr;
}

const Value *Value::find(std::string_view key) const noexcept
{
    if (m_type != Type::Object) {
        return nullptr;
    }
    const auto *rep = static_cast<const detail::ObjectRep *>(m_rep);
    const Member *m = detail::findMember(rep->members.data(), rep->members.size(), rep->index, key,
                                         Key::hashOf(key));
    return m ? &m->value : nullptr;
}

Value Value::get(std::string_view key) const
{
    const Value *v = find(key);
    return v ? *v : undefined();
}

bool Value::sameAs(const Value &other) const noexcept
{
    if (m_type != other.m_type) {
        return false;
    }
    switch (m_type) {
    case Type::Undefined:
    case Type::Null:
        return true;
    case Type::Boolean:
        return m_scalar.boolean == other.m_scalar.boolean;
    case Type::Number:
        return m_scalar.number == other.m_scalar.number && m_rep == other.m_rep;
    default:
        return m_rep == other.m_rep;
    }
}

bool Value::operator==(const Value &other) const noexcept
{
    if (m_type != other.m_type) {
        return false;
    }
    switch (m_type) {
    case Type::Undefined:
    case Type::Null:
        return true;
    case Type::Boolean:
        return m_scalar.boolean == other.m_scalar.boolean;
    case Type::Number:
        return m_scalar.number == other.m_scalar.number;
    case Type::String:
        return m_rep == other.m_rep || toStringView() == other.toStringView();
    case Type::Function:
        return m_rep == other.m_rep;
    case Type::Array: {
        const auto a = items();
        const auto b = other.items();
        return m_rep == other.m_rep || std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    case Type::Object: {
        if (m_rep == other.m_rep) {
            return true;
        }
        if (size() != other.size()) {
            return false;
        }
        for (const Member &m : members()) {
            const Value *o = other.find(m.key);
            if (!o || !(*o == m.value)) {
                return false;
            }
        }
        return true;
    }
    }
    return false;
}

// --- ObjectBuilder -----------------------------------------------------------------------------

namespace {
constexpr std::size_t kIndexThreshold = 8; // members; below this a linear scan is faster
}

ObjectBuilder ObjectBuilder::from(const Value &object)
{
    ObjectBuilder builder;
    if (object.isObject()) {
        const auto *rep = static_cast<const detail::ObjectRep *>(object.m_rep);
        builder.m_members = rep->members;
        builder.m_index = rep->index;
    }
    return builder;
}

void ObjectBuilder::reserve(std::size_t expectedMembers)
{
    m_members.reserve(expectedMembers);
}

std::ptrdiff_t ObjectBuilder::indexOf(const Key &key) const noexcept
{
    const Member *m = detail::findMember(m_members.data(), m_members.size(), m_index, key);
    return m ? m - m_members.data() : -1;
}

const Value *ObjectBuilder::find(const Key &key) const noexcept
{
    const std::ptrdiff_t i = indexOf(key);
    return i < 0 ? nullptr : &m_members[static_cast<std::size_t>(i)].value;
}

void ObjectBuilder::rebuildIndex()
{
    m_index.clear();
    if (m_members.size() <= kIndexThreshold) {
        return;
    }
    std::size_t slotCount = 16;
    while (slotCount < m_members.size() * 2) {
        slotCount *= 2;
    }
    m_index.assign(slotCount, 0);
    const std::size_t mask = slotCount - 1;
    for (std::size_t i = 0; i < m_members.size(); ++i) {
        std::size_t slot = m_members[i].key.hash() & mask;
        while (m_index[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        m_index[slot] = static_cast<std::uint32_t>(i + 1);
    }
}

bool ObjectBuilder::insert(Key key, Value value)
{
    if (indexOf(key) >= 0) {
        return false;
    }
    append(std::move(key), std::move(value));
    return true;
}

void ObjectBuilder::set(Key key, Value value)
{
    const std::ptrdiff_t i = indexOf(key);
    if (i >= 0) {
        m_members[static_cast<std::size_t>(i)].value = std::move(value);
        return;
    }
    append(std::move(key), std::move(value));
}

void ObjectBuilder::append(Key key, Value value)
{
    m_members.push_back(Member{std::move(key), std::move(value)});
    const std::size_t n = m_members.size();
    if (n <= kIndexThreshold) {
        return;
    }
    if (m_index.empty() || n * 2 > m_index.size()) {
        rebuildIndex();
        return;
    }
    const std::size_t mask = m_index.size() - 1;
    std::size_t slot = m_members.back().key.hash() & mask;
    while (m_index[slot] != 0) {
        slot = (slot + 1) & mask;
    }
    m_index[slot] = static_cast<std::uint32_t>(n);
}

void ObjectBuilder::remove(const Key &key)
{
    const std::ptrdiff_t i = indexOf(key);
    if (i < 0) {
        return;
    }
    m_members.erase(m_members.begin() + i);
    rebuildIndex();
}

Value ObjectBuilder::build()
{
    Value v;
    v.m_type = Type::Object;
    v.m_rep = new detail::ObjectRep(std::move(m_members), std::move(m_index));
    m_members.clear();
    m_index.clear();
    return v;
}

// --- nlohmann::json ----------------------------------------------------------------------------

namespace {

template<typename Int>
Value integerValue(Int i)
{
    const auto d = static_cast<double>(i);
    // Keep the digits of integers beyond 2^53 that the double cannot hold.
    if (std::abs(d) < 9007199254740992.0 || static_cast<Int>(d) == i) {
        return Value::number(d);
    }
    return Value::number(d, std::to_string(i));
}

std::optional<nlohmann::json> integerFromText(std::string_view text)
{
    if (text.find_first_of(".eE") != std::string_view::npos) {
        return std::nullopt;
    }
    if (text[0] == '-') {
        std::int64_t i = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
        if (ec == std::errc() && end == text.data() + text.size()) {
            return nlohmann::json(i);
        }
        return std::nullopt;
    }
    std::uint64_t u = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), u);
    if (ec == std::errc() && end == text.data() + text.size()) {
        return nlohmann::json(u);
    }
    return std::nullopt;
}

} // namespace

Value fromNlohmann(const nlohmann::json &json)
{
    switch (json.type()) {
    case nlohmann::json::value_t::null:
        return Value::null();
    case nlohmann::json::value_t::boolean:
        return Value::boolean(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
        return integerValue(json.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
        return integerValue(json.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
        return Value::number(json.get<double>());
    case nlohmann::json::value_t::string:
        return Value::string(json.get_ref<const std::string &>());
    case nlohmann::json::value_t::array: {
        std::vector<Value> items;
        items.reserve(json.size());
        for (const auto &item : json) {
            items.push_back(fromNlohmann(item));
        }
        return Value::array(std::move(items));
    }
    case nlohmann::json::value_t::object: {
        ObjectBuilder builder(json.size());
        for (const auto &[key, item] : json.items()) {
            builder.set(key, fromNlohmann(item));
        }
        return builder.build();
    }
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
        break;
    }
    return Value::null();
}

nlohmann::json toNlohmann(const Value &value)
{
    switch (value.type()) {
    case Type::Undefined:
    case Type::Null:
        return nullptr;
    case Type::Boolean:
        return value.toBool();
    case Type::Number: {
        if (const std::string_view text = value.numberText(); !text.empty()) {
            if (auto integer = integerFromText(text)) {
                return *integer;
            }
        }
        const double d = value.toNumber();
        if (std::isfinite(d) && d == std::trunc(d) && std::abs(d) < 9007199254740992.0) {
            return static_cast<std::int64_t>(d);
        }
        return d;
    }
    case Type::String:
        return std::string(value.toStringView());
    case Type::Function:
        return std::string();
    case Type::Array: {
        nlohmann::json array = nlohmann::json::array();
        for (const Value &item : value.items()) {
            array.push_back(toNlohmann(item));
        }
        return array;
    }
    case Type::Object: {
        nlohmann::json object = nlohmann::json::object();
        for (const Member &m : value.members()) {
            if (!m.value.isUndefined()) {
                object[std::string(m.key.view())] = toNlohmann(m.value);
            }
        }
        return object;
    }
    }
    return nullptr;
}

} // namespace syncline::engine::json
