#pragma once

#include "app/sandbox/faults.h"
#include "app/sandbox/statestore.h"
#include "app/sandbox/traffic.h"
#include "app/sandbox/webhooks.h"

#include <functional>

namespace syncline::sandbox {

/// The /_sandbox/ control endpoints: health, ledger, faults, webhooks, traffic, reset and the
/// ERP's posting periods (docs/sandbox.md). Answers RFC 9457 problems for bad requests.
class ControlApi
{
public:
    struct Context
    {
        StateStore &store;
        Faults &faults;
        Webhooks &webhooks;
        Traffic &traffic;
        std::function<engine::Result<void>()> reset;
        std::function<quint16()> port;
        quint64 seed = 1;
    };

    explicit ControlApi(Context context);

    engine::net::ServerResponse handle(const engine::net::ServerRequest &request);

private:
    engine::net::ServerResponse ledger(const engine::net::ServerRequest &request);
    engine::net::ServerResponse putFaults(const engine::net::ServerRequest &request);
    engine::net::ServerResponse putWebhooks(const engine::net::ServerRequest &request);
    engine::net::ServerResponse startTraffic(const engine::net::ServerRequest &request);
    engine::net::ServerResponse putPeriods(const engine::net::ServerRequest &request);

    Context m_context;
};

} // namespace syncline::sandbox
