#pragma once

#include "app/sandbox/system.h"

namespace syncline::sandbox {

/// A Zendesk-like support desk under /support/api/v2 (docs/sandbox.md, "Support"):
/// organizations, tickets and entitlements with SLA policies, cursor pagination, and a signed
/// webhook when a ticket is created.
class SupportSystem : public System
{
public:
    using System::System;

    QString name() const override { return QStringLiteral("support"); }
    QByteArray prefix() const override { return "/support"; }
    std::optional<engine::net::ServerResponse> authenticate(const Call &call) override;
    engine::net::ServerResponse handle(Call &call) override;
    engine::net::ServerResponse refuse(Refusal refusal, int status,
                                       const QString &detail) const override;

    /// The SLA policy of an entitlement level, or null for an unknown level.
    static Json slaPolicy(const QString &level);

    struct Kind; // a resource: organizations, tickets, entitlements

private:
    engine::net::ServerResponse create(Call &call, const Kind &kind, const Json &input);
    engine::net::ServerResponse update(Call &call, const Kind &kind, Document document,
                                       const Json &input, int status);
    engine::net::ServerResponse createOrUpdate(Call &call, const Kind &kind, const Json &input);
    engine::net::ServerResponse list(const Call &call, const Kind &kind);
    std::optional<engine::net::ServerResponse> validate(const Kind &kind, const Json &record);
    void applyEntitlement(Json &ticket);
    engine::net::ServerResponse invalid(const QString &field, const QString &error,
                                        const QString &description) const;
};

} // namespace syncline::sandbox
