#include "app/sandbox/sandbox.h"

#include "app/sandbox/billingsystem.h"
#include "app/sandbox/control.h"
#include "app/sandbox/crmsystem.h"
#include "app/sandbox/erpsystem.h"
#include "app/sandbox/router.h"
#include "app/sandbox/supportsystem.h"
#include "app/sandbox/traffic.h"
#include "app/sandbox/usagesystem.h"

namespace syncline::sandbox {

using engine::Error;
using engine::Result;

struct Sandbox::Impl
{
    SandboxOptions options;
    Credentials credentials;
    std::unique_ptr<StateStore> store;
    std::unique_ptr<Faults> faults;
    std::unique_ptr<Webhooks> webhooks;
    std::unique_ptr<Router> router;
    std::unique_ptr<Traffic> traffic;
    std::unique_ptr<ControlApi> control;
    engine::net::HttpServer server;
    bool stopped = false;

    Result<void> seed();
    Result<void> reset();
};

Result<void> Sandbox::Impl::seed()
{
    auto lock = store->lock();
    if (!store->isNew()) {
        return {};
    }
    if (const auto begun = store->begin(); !begun) {
        return begun;
    }
    for (const auto &system : router->systems()) {
        system->seed();
    }
    store->setSetting(QStringLiteral("seeded"), true);
    store->setSetting(QStringLiteral("faults"), faults->configuration());
    return store->commit();
}

Result<void> Sandbox::Impl::reset()
{
    traffic->stop();
    webhooks->clearStatistics();
    faults->restoreDefaults(options.seed);
    {
        auto lock = store->lock();
        if (const auto wiped = store->wipe({QStringLiteral("webhooks")}); !wiped) {
            return wiped;
        }
    }
    return seed();
}

Sandbox::Sandbox()
    : d(std::make_unique<Impl>())
{}

Sandbox::~Sandbox()
{
    stop();
}

Result<std::unique_ptr<Sandbox>> Sandbox::start(const SandboxOptions &options)
{
    std::unique_ptr<Sandbox> sandbox(new Sandbox);
    Impl &d = *sandbox->d;
    d.options = options;
    if (!options.secretsPath.isEmpty()) {
        if (const auto loaded = d.credentials.load(options.secretsPath); !loaded) {
            return loaded.error();
        }
    }
    Result<std::unique_ptr<StateStore>> store = StateStore::open(options.statePath);
    if (!store) {
        return store.error();
    }
    d.store = std::move(*store);
    d.faults = std::make_unique<Faults>();
    d.faults->restoreDefaults(options.seed);
    d.webhooks = std::make_unique<Webhooks>(d.credentials);
    {
        auto lock = d.store->lock();
        if (const auto saved = d.store->setting(QStringLiteral("faults"))) {
            (void) d.faults->configure(*saved);
        }
        if (const auto endpoints = d.store->setting(QStringLiteral("webhooks"))) {
            d.webhooks->setEndpoints(*endpoints);
        }
    }
    d.router = std::make_unique<Router>(*d.store, *d.faults, *d.webhooks);
    const SystemContext context{*d.store, d.credentials};
    d.router->addSystem(std::make_unique<CrmSystem>(context));
    d.router->addSystem(std::make_unique<BillingSystem>(context));
    d.router->addSystem(std::make_unique<SupportSystem>(context));
    d.router->addSystem(std::make_unique<ErpSystem>(context));
    d.router->addSystem(std::make_unique<UsageSystem>(context));
    d.router->addSystem(std::make_unique<DataPlatform>(context));
    if (const auto seeded = d.seed(); !seeded) {
        return seeded.error();
    }
    d.traffic = std::make_unique<Traffic>(*d.router, *d.webhooks);
    Impl *impl = sandbox->d.get();
    d.control = std::make_unique<ControlApi>(ControlApi::Context{
        *d.store, *d.faults, *d.webhooks, *d.traffic, [impl] { return impl->reset(); },
        [impl] { return impl->server.port(); }, options.seed});
    d.router->setControl([impl](const engine::net::ServerRequest &request) {
        return impl->control->handle(request);
    });
    engine::net::HttpServerOptions serverOptions;
    serverOptions.host = options.host;
    serverOptions.port = options.port;
    serverOptions.threads = std::max(1, options.threads);
    const Result<void> listening = d.server.listen(
        serverOptions, [impl](engine::net::ServerRequest request, engine::net::Responder respond) {
            impl->router->handle(std::move(request), std::move(respond));
        });
    if (!listening) {
        return listening.error();
    }
    return sandbox;
}

quint16 Sandbox::port() const
{
    return d->server.port();
}

QString Sandbox::statePath() const
{
    return d->store ? d->store->path() : QString();
}

void Sandbox::stop()
{
    if (d->stopped) {
        return;
    }
    d->stopped = true;
    if (d->traffic) {
        d->traffic->stop();
    }
    d->server.stop();
}

} // namespace syncline::sandbox
