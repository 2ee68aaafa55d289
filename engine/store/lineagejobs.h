#pragma once

#include "engine/store/connection.h"
#include "engine/store/lineagegraph.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <span>

namespace syncline::engine::store {

/// Records the ids in `externalIds` (the JSON object of an effect outcome, name → id) in the
/// index that finds an effect by an id its target returned, inside whichever transaction the
/// caller is in — the one recording the outcome, so the index never disagrees with the ledger.
Result<void>
indexExternalIds(Connection &c, const QString &idempotencyKey, const QByteArray &externalIds);

/// The lineage of the messages `query` finds, read in one read transaction (a consistent
/// snapshot); nothing when no message matches. Every lookup is by an index, so the time grows
/// with the size of the graph, not of the store.
Result<std::optional<LineageGraph>> readLineage(Connection &c, const LineageQuery &query);

/// The SQL readLineage runs, for checking their query plans (tests, the benchmark).
std::span<const char *const> lineageStatements();

} // namespace syncline::engine::store
