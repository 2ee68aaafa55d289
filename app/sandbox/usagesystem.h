#pragma once

#include "app/sandbox/system.h"

namespace syncline::sandbox {

/// Product telemetry under /usage/v1 (docs/sandbox.md, "Usage"): metered usage events, with
/// duplicates recognised by event id and late events kept in arrival order.
class UsageSystem : public System
{
public:
    using System::System;

    QString name() const override { return QStringLiteral("usage"); }
    QByteArray prefix() const override { return "/usage"; }
    bool honoursIdempotencyKey() const override { return true; }
    std::optional<engine::net::ServerResponse> authenticate(const Call &call) override;
    engine::net::ServerResponse handle(Call &call) override;
    engine::net::ServerResponse refuse(Refusal refusal, int status,
                                       const QString &detail) const override;

private:
    engine::net::ServerResponse ingest(Call &call);
    engine::net::ServerResponse list(const Call &call);
};

/// Append-only tables under /data/v1 (docs/sandbox.md, "Data platform").
class DataPlatform : public System
{
public:
    using System::System;

    QString name() const override { return QStringLiteral("data"); }
    QByteArray prefix() const override { return "/data"; }
    bool honoursIdempotencyKey() const override { return true; }
    std::optional<engine::net::ServerResponse> authenticate(const Call &call) override;
    engine::net::ServerResponse handle(Call &call) override;
    engine::net::ServerResponse refuse(Refusal refusal, int status,
                                       const QString &detail) const override;

private:
    engine::net::ServerResponse append(Call &call, const QString &table);
    engine::net::ServerResponse rows(const Call &call, const QString &table);
    engine::net::ServerResponse tables();
};

/// An RFC 9457 problem with the sandbox's type URN (usage and data platform errors).
engine::net::ServerResponse problem(int status, const QString &title, const QString &detail);

} // namespace syncline::sandbox
