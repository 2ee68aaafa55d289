#include "engine/store/sqlitelineagestore.h"

#include "engine/store/lineagejobs.h"

namespace syncline::engine::store {

namespace {

constexpr std::size_t kMostIdle = 4; // connections kept between queries

} // namespace

SqliteLineageStore::SqliteLineageStore(const SqliteMessageStore &store)
    : m_store(store)
{
}

Result<std::optional<LineageGraph>> SqliteLineageStore::lineage(const LineageQuery &query)
{
    std::optional<Connection> connection;
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            connection.emplace(std::move(m_idle.back()));
            m_idle.pop_back();
        }
    }
    if (!connection) {
        Result<Connection> opened = m_store.reader();
        if (!opened) {
            return opened.error();
        }
        connection.emplace(std::move(*opened));
    }
    Result<std::optional<LineageGraph>> graph = readLineage(*connection, query);
    if (!graph) {
        return graph; // the connection goes: whatever failed may have been the connection
    }
    std::lock_guard lock(m_mutex);
    if (m_idle.size() < kMostIdle) {
        m_idle.push_back(std::move(*connection));
    }
    return graph;
}

} // namespace syncline::engine::store
