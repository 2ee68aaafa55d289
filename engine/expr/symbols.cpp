#include "engine/expr/symbols.h"

#include <deque>
#include <mutex>
#include <unordered_map>

namespace syncline::engine::expr {

namespace {

struct SymbolTable
{
    std::mutex mutex;
    std::unordered_map<std::string, Symbol> ids;
    std::deque<std::string> names{std::string()}; // index 0 = kNoSymbol
};

SymbolTable &table()
{
    static auto *t = new SymbolTable(); // lives as long as the process, like the symbols
    return *t;
}

} // namespace

Symbol internSymbol(std::string_view name)
{
    SymbolTable &t = table();
    std::lock_guard lock(t.mutex);
    const std::string key(name);
    if (auto it = t.ids.find(key); it != t.ids.end()) {
        return it->second;
    }
    const auto id = static_cast<Symbol>(t.names.size());
    t.names.push_back(key);
    t.ids.emplace(key, id);
    return id;
}

std::string symbolName(Symbol symbol)
{
    SymbolTable &t = table();
    std::lock_guard lock(t.mutex);
    return symbol < t.names.size() ? t.names[symbol] : std::string();
}

} // namespace syncline::engine::expr
