#pragma once

#include "engine/store/lineagestore.h"
#include "engine/store/sqlitemessagestore.h"

namespace syncline::engine::store {

/// Lineage from the message store's SQLite file, each query on a read-only connection of its
/// own. Written by the message store itself (lineage edges with each step, external ids with
/// each effect outcome); this class only reads. `store` must outlive it.
class SqliteLineageStore final : public LineageStore
{
public:
    explicit SqliteLineageStore(const SqliteMessageStore &store);

    Result<std::optional<LineageGraph>> lineage(const LineageQuery &query) override;

private:
    const SqliteMessageStore &m_store;
};

} // namespace syncline::engine::store
