#pragma once

#include "engine/core/result.h"
#include "engine/runtime/noderunner.h"
#include "engine/store/messagestore.h"

#include <QString>

#include <optional>

namespace syncline::engine::runtime {

/// The idempotency key an effect uses for a message, given the key derived from its correlation
/// id, flow, node and business key.
///
/// A message that is not a repaired input uses that key as it is: retries, restarts and replays
/// send the same request under the same key, and the ledger answers for calls that succeeded.
///
/// A repaired input (the n-th repair along its chain, marked in its headers) carries a different body.
/// Reusing the key with another body is refused by targets that implement the IETF idempotency
/// draft (422), and it would hide the new request from the ledger. So the newest earlier
/// request — the original's key, or an earlier repair's — decides:
/// - nothing was ever begun at this node: the original key (nothing can be duplicated);
/// - the target answered it with a definite business refusal (a 4xx that is not retried): the
///   target took nothing, so repair n is a new request under a new key, `<key>-r<n>`;
/// - it succeeded: its key, so the ledger skips the call as for any replay;
/// - it failed technically or is uncertain (the target may have acted on it): its key, so a
///   target with idempotency support recognises it, and one without it stays protected by the
///   ledger's Uncertain rule. Never a fresh key that could create the document twice.
Result<QString> effectKeyFor(store::MessageStore &store, const QString &key,
                             const store::StoredMessage &message);

/// How many repairs led to a message, from its headers (0: not a repaired input).
int repairsOf(const QByteArray &headers);

/// When the ledger's `effect` under the key `message` derived is another message's and that is
/// not the ledger doing its job: the EFFECT_KEY_COLLISION business failure naming the key, the
/// node and the other message. A collision is
/// - a sibling's key: both messages come from one step (split children, same causation id) yet
///   derive one key, e.g. a split `businessKey` giving two items the same key — whatever state
///   the sibling's effect is in, this message's own call would never be made;
/// - a key another message is calling under right now (pending): this message did not call.
/// Not a collision: the same message (a retry, a replay), a repaired input (its chain shares the
/// key on purpose), and a redelivery of the same event under its correlation id whose earlier
/// call ended (the ledger skips a succeeded one and repeats a failed one with the same key).
std::optional<NodeOutcome> effectKeyCollision(store::MessageStore &store,
                                              const store::EffectRecord &effect,
                                              const store::StoredMessage &message,
                                              const QString &nodeId);

} // namespace syncline::engine::runtime
