#pragma once

#include "engine/core/result.h"
#include "engine/store/lineagegraph.h"

#include <optional>

namespace syncline::engine::store {

/// Where lineage is read from: an interface so that a PostgreSQL backend can answer the same
/// queries; SqliteLineageStore reads the embedded store's file.
class LineageStore
{
public:
    virtual ~LineageStore() = default;

    /// The connected lineage of the messages `query` finds (docs/lineage.md says what is
    /// connected); nothing when no message matches. Thread-safe; never waits for the writer.
    virtual Result<std::optional<LineageGraph>> lineage(const LineageQuery &query) = 0;
};

} // namespace syncline::engine::store
