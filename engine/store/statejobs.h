#pragma once

#include "engine/store/connection.h"
#include "engine/store/records.h"

#include <optional>

namespace syncline::engine::store {

/// Node state inside whichever transaction the caller is in (a step, an ingest, or its own).
Result<void> applyStateWrites(Connection &c, const QList<StateWrite> &writes, qint64 atMs);
Result<std::optional<QByteArray>> readState(Connection &c, const QString &scope,
                                            const QString &key, qint64 nowMs);
Result<QList<StateEntry>> readStateEntries(Connection &c, const QString &scope, qint64 nowMs);
Result<int> deleteExpiredState(Connection &c, qint64 nowMs);

} // namespace syncline::engine::store
