#pragma once

#include "engine/core/result.h"

#include <QString>

#include <memory>

namespace syncline::sandbox {

struct SandboxOptions
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8790; // 0: any free port
    QString statePath;
    QString secretsPath; // optional JSON file of credentials
    quint64 seed = 1;
    int threads = 2;
};

/// The simulated SaaS systems on one loopback port (docs/sandbox.md): the state store, the
/// systems, faults, webhooks, traffic and the control endpoints, served by net::HttpServer.
class Sandbox
{
public:
    /// Opens (or creates) the state file, seeds reference data when it is new, and listens.
    static engine::Result<std::unique_ptr<Sandbox>> start(const SandboxOptions &options);
    ~Sandbox();

    quint16 port() const;
    QString statePath() const;
    /// Stops traffic and the server; idempotent.
    void stop();

private:
    Sandbox();
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace syncline::sandbox
