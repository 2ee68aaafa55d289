#pragma once

#include "engine/store/lineagestore.h"
#include "engine/store/sqlitemessagestore.h"

#include <mutex>
#include <vector>

namespace syncline::engine::store {

/// Lineage from the message store's SQLite file on read-only connections of its own (they never
/// wait for the writer). Connections are kept between queries — one per query running at once —
/// so that their prepared statements and page caches serve the next one. Written by the message
/// store itself (lineage edges with each step, external ids with each effect outcome); this
/// class only reads. `store` must outlive it.
class SqliteLineageStore final : public LineageStore
{
public:
    explicit SqliteLineageStore(const SqliteMessageStore &store);

    Result<std::optional<LineageGraph>> lineage(const LineageQuery &query) override;

private:
    const SqliteMessageStore &m_store;
    std::mutex m_mutex;
    std::vector<Connection> m_idle;
};

} // namespace syncline::engine::store
