#include "keyintern.h"

#include <array>
#include <atomic>
#include <mutex>
#include <unordered_map>

namespace syncline::engine::json::detail {

namespace {

// Interned names live for the life of the process. The table is bounded so that a stream of
// ever-new names (ids used as keys) cannot grow memory without limit: past the bound, or for
// long names, keys are ordinary counted strings that compare by hash and bytes.
constexpr std::size_t kInternMaxEntries = 200000;
constexpr std::size_t kInternShards = 16;

// Slots of the per-thread cache (a pointer each). A webhook body names a few dozen members and
// a workspace's flows a few hundred distinct ones; 256 direct-mapped slots keep most of them.
constexpr std::size_t kThreadCacheSlots = 256;

struct InternShard
{
    std::mutex mutex;
    std::unordered_map<std::string_view, const StringRep *> names;
};

struct InternTable
{
    std::array<InternShard, kInternShards> shards;
    std::atomic<std::size_t> entries{0};
};

InternTable &internTable()
{
    static auto *table = new InternTable(); // never destroyed: keys may outlive static teardown
    return *table;
}

} // namespace

const StringRep *makeEmptyKeyRep()
{
    StringRep *rep = StringRep::create({}, Key::hashOf({}));
    rep->immortal = true;
    return rep;
}

const StringRep *internKeyRep(std::string_view text, std::uint64_t hash)
{
    InternTable &table = internTable();
    InternShard &shard = table.shards[(hash >> 56) % kInternShards];
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.names.find(text); it != shard.names.end()) {
        return it->second;
    }
    StringRep *rep = StringRep::create(text, hash);
    if (table.entries.load(std::memory_order_relaxed) >= kInternMaxEntries) {
        return rep;
    }
    rep->immortal = true;
    shard.names.emplace(rep->view(), rep);
    table.entries.fetch_add(1, std::memory_order_relaxed);
    return rep;
}

const StringRep *makeKeyRep(std::string_view text)
{
    const std::uint64_t hash = Key::hashOf(text);
    if (text.empty()) {
        return emptyKeyRep();
    }
    if (text.size() > kInternMaxLength) {
        return StringRep::create(text, hash);
    }
    // Interned representations are immortal and never change, so a thread may keep pointers to
    // them without a lock; only a miss goes to the shared table. Trivially constructible, so the
    // cache costs no per-thread initialisation.
    thread_local std::array<const StringRep *, kThreadCacheSlots> cache{};
    const StringRep *&slot = cache[hash % kThreadCacheSlots];
    if (slot != nullptr && slot->hash == hash && slot->view() == text) {
        return slot;
    }
    const StringRep *rep = internKeyRep(text, hash);
    if (rep->immortal) {
        slot = rep;
    }
    return rep;
}

} // namespace syncline::engine::json::detail
