#pragma once

#include "app/sandbox/statestore.h"
#include "engine/net/httpserver.h"

namespace syncline::sandbox {

/// Idempotency-Key as draft-ietf-httpapi-idempotency-key-header describes it, kept per system in
/// the state file. Callers hold the store's lock.
class Idempotency
{
public:
    enum class State {
        Proceed, // first use: the key is now held until finish() or abandon()
        Replay,  // same request seen before: `stored` is its response
        Reused,  // the key came with a different request: 422
        InUse,   // the first request with this key is still being processed: 409
    };
    struct Check
    {
        State state = State::Proceed;
        engine::net::ServerResponse stored;
    };

    static QByteArray fingerprint(const engine::net::ServerRequest &request);
    static Check begin(StateStore &store, const QString &system, const QString &key,
                       const QByteArray &fingerprint, qint64 nowMs);
    static void finish(StateStore &store, const QString &system, const QString &key,
                       const engine::net::ServerResponse &response);
    /// Frees the key (a 5xx or a dropped request): the client may send it again.
    static void abandon(StateStore &store, const QString &system, const QString &key);
};

} // namespace syncline::sandbox
