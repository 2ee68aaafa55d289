#pragma once

#include "engine/store/connection.h"

#include <limits>

namespace syncline::engine::store {

/// Ordered processing per business key (docs/engine.md, "Ordering"): inside whichever
/// transaction the caller is in. A message that enters a flow with an ordering key opens a
/// *turn* (a row of order_turns, numbered in arrival order); every work item of the message and
/// of what it becomes inside the flow carries the turn (work_items.order_seq). A turn whose
/// key has an earlier open turn waits: its work items are queued ready but at kHeldUntil, so the
/// claim query — unchanged — never hands them out. When the last work item of a turn is done
/// (deleted) or parked (failed), the turn ends and the next open turn of the key is let go.

/// available_at of a work item waiting for its turn.
inline constexpr qint64 kHeldUntil = std::numeric_limits<qint64>::max();

struct OrderTurn
{
    qint64 seq = 0;    // 0: no ordering key, the message is not in any sequence
    bool held = false; // an earlier message with the same key has not finished the flow
};

/// Opens a turn for `messageId` entering `flowId` with `key` (not empty).
Result<OrderTurn> openTurn(Connection &c, const QString &flowId, const QString &key,
                           const QString &messageId);

/// After a step of turn `seq` was committed in this transaction: ends the turn when nothing of
/// it is waiting or running any more, and lets the next open turn of its key go at `atMs`.
Result<void> settleTurn(Connection &c, qint64 seq, qint64 atMs);

/// A replay of the parked work item `workItemId`: when it was part of a sequence, the replayed
/// input joins the back of its key's line as a new turn (it does not overtake the messages with
/// its key that arrived since). Returns {0, false} for a message without an ordering key.
Result<OrderTurn> rejoinTurn(Connection &c, qint64 workItemId, const QString &messageId);

/// Before the parked work item `workItemId` is deleted (its exception is resolved): forgets its
/// ended turn once nothing else of it is parked.
Result<void> forgetParkedTurn(Connection &c, qint64 workItemId);

} // namespace syncline::engine::store
