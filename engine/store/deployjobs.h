#pragma once

#include "engine/store/connection.h"
#include "engine/store/records.h"

namespace syncline::engine::store {

/// Records `document` as the next version of flow `flowId` inside the caller's transaction and
/// returns the version number.
Result<int>
insertFlowVersion(Connection &c, const QString &flowId, const QByteArray &document, qint64 atMs);

/// Records every document of a deployment and its audit record in one transaction; returns the
/// versions given, in the order of `flows`.
Result<QList<int>> insertDeployment(Connection &c,
                                    const QList<FlowDocument> &flows,
                                    const AuditRecord &audit,
                                    qint64 atMs);

} // namespace syncline::engine::store
