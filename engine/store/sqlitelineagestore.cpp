#include "engine/store/sqlitelineagestore.h"

#include "engine/store/lineagejobs.h"

namespace syncline::engine::store {

SqliteLineageStore::SqliteLineageStore(const SqliteMessageStore &store)
    : m_store(store)
{
}

Result<std::optional<LineageGraph>> SqliteLineageStore::lineage(const LineageQuery &query)
{
    Result<Connection> c = m_store.reader();
    if (!c) {
        return c.error();
    }
    return readLineage(*c, query);
}

} // namespace syncline::engine::store
