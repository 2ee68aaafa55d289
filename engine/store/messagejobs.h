#pragma once

#include "engine/store/connection.h"
#include "engine/store/payloadcodec.h"
#include "engine/store/records.h"

namespace syncline::engine::store {

/// Messages and work items inside whichever transaction the caller is in (a step, an ingest,
/// a repair or a replay of an exception).

/// Inserts a message row with `payload`, m.payload as encodePayload made it; the caller sets the
/// message's id and correlation id.
Result<void> insertMessage(Connection &c, const StoredMessage &m, const EncodedPayload &payload);
/// Queues a message of `payloadBytes` at a node of a flow version, ready from `availableAtMs`;
/// `orderSeq` is its ordering turn (orderingjobs.h), 0 for none.
Result<void> enqueue(Connection &c,
                     const QString &messageId,
                     qint64 payloadBytes,
                     const QString &flowId,
                     int flowVersion,
                     const QString &nodeId,
                     qint64 availableAtMs,
                     qint64 orderSeq = 0);
/// The size of a stored message's payload as JSON text; 0 for a message not stored.
Result<qint64> payloadBytes(Connection &c, const QString &messageId);

} // namespace syncline::engine::store
