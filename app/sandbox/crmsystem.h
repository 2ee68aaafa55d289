#pragma once

#include "app/sandbox/system.h"

namespace syncline::sandbox {

/// A Salesforce-like CRM under /crm/services/data/v59.0 (docs/sandbox.md, "CRM"): sObjects with
/// 18-character ids, upsert by external id, a small SOQL subset with query locators, and
/// outbound messages on closed-won opportunities and account changes.
class CrmSystem : public System
{
public:
    using System::System;

    QString name() const override { return QStringLiteral("crm"); }
    QByteArray prefix() const override { return "/crm"; }
    std::optional<engine::net::ServerResponse> authenticate(const Call &call) override;
    engine::net::ServerResponse handle(Call &call) override;
    engine::net::ServerResponse refuse(Refusal refusal, int status,
                                       const QString &detail) const override;
    void seed() override;

private:
    struct TypeInfo;
    static const TypeInfo *typeInfo(const QString &type);

    engine::net::ServerResponse sobjects(Call &call);
    engine::net::ServerResponse create(Call &call, const TypeInfo &type, const Json &fields);
    engine::net::ServerResponse update(Call &call, const TypeInfo &type, Document record,
                                       const Json &fields);
    engine::net::ServerResponse upsert(Call &call, const TypeInfo &type, const QString &field,
                                       const QString &value, const Json &fields);
    engine::net::ServerResponse query(const Call &call, const QString &soql, qint64 afterSeq,
                                      int remaining);
    engine::net::ServerResponse queryMore(const Call &call, const QByteArray &locator);

    std::optional<engine::net::ServerResponse> validate(const TypeInfo &type, const Json &record);
    /// Line items: TotalPrice, product fields; then the opportunity's Amount.
    void rollUp(Call &call, Json &lineItem);
    void notify(Call &call, const QString &type, const Document &record,
                const QStringList &changed);
    engine::net::ServerResponse error(int status, const QString &code, const QString &message,
                                      const QStringList &fields = {}) const;
};

} // namespace syncline::sandbox
