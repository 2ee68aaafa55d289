#pragma once

// Internal heap representations behind json::Value. Only engine/json includes this.

#include "engine/json/value.h"

#include <string_view>
#include <vector>

namespace syncline::engine::json::detail {

/// A UTF-8 string stored inline after the header (one allocation). `hash` is set for keys.
struct StringRep : Counted
{
    std::uint32_t size = 0;
    std::uint64_t hash = 0;

    StringRep()
        : Counted(RepKind::String)
    {}
    static StringRep *create(std::string_view text, std::uint64_t hash);
    char *data() { return reinterpret_cast<char *>(this + 1); }
    const char *data() const { return reinterpret_cast<const char *>(this + 1); }
    std::string_view view() const { return {data(), size}; }
};

struct ArrayRep : Counted
{
    std::vector<Value> items;

    explicit ArrayRep(std::vector<Value> v)
        : Counted(RepKind::Array)
        , items(std::move(v))
    {}
};

struct ObjectRep : Counted
{
    std::vector<Member> members;
    std::vector<std::uint32_t> index; // see ObjectBuilder

    ObjectRep(std::vector<Member> m, std::vector<std::uint32_t> i)
        : Counted(RepKind::Object)
        , members(std::move(m))
        , index(std::move(i))
    {}
};

const Member *findMember(const Member *members, std::size_t count,
                         const std::vector<std::uint32_t> &index, const Key &key) noexcept;
const Member *findMember(const Member *members, std::size_t count,
                         const std::vector<std::uint32_t> &index, std::string_view key,
                         std::uint64_t hash) noexcept;

} // namespace syncline::engine::json::detail
