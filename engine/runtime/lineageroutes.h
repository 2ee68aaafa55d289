#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/runtime/personaldata.h"
#include "engine/store/lineagestore.h"

#include <QList>

#include <memory>

namespace syncline::engine::runtime {

/// The admin API's lineage route (permission ViewLineage; docs/lineage.md):
///   GET /api/v1/lineage?correlationId=X | businessKey=X | externalId=X [&limit=N]
///       [&format=export]
///       [&unmask=true&reason=WHY]
/// Exactly one key: none or several answer 400 naming the parameters, a key that finds nothing
/// 404. The answer is the LineageGraph's JSON form; format=export is the same document indented,
/// as an attachment. Personal data in payloads and texts is masked by `personal` unless the
/// caller unmasks (Permission::Unmask, a reason, an audit record). Queries run on a small pool
/// of their own, never on the server's threads. `personal` must outlive the routes.
QList<AdminRoute> lineageRoutes(std::shared_ptr<store::LineageStore> lineage,
                                const PersonalData &personal);

} // namespace syncline::engine::runtime
