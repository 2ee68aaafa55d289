#pragma once

#include "engine/model/workspace.h"
#include "engine/runtime/adminapi.h"
#include "engine/security/masker.h"
#include "engine/store/auditstore.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <mutex>
#include <variant>

namespace syncline::engine::runtime {

/// How one admin call sees the personal data in the payloads it returns: masked, or in clear
/// for a caller who asked to unmask and may (card numbers always cut to their last four digits).
/// A cheap value; holds the masker of the deployment it was made under.
class PayloadView
{
public:
    PayloadView(std::shared_ptr<const security::Masker> masker, security::Masker::View view);

    /// A payload (JSON text) as this call may see it.
    QByteArray apply(QByteArrayView json) const;
    void apply(nlohmann::json &document) const;
    bool unmasked() const { return m_view == security::Masker::View::Clear; }

private:
    std::shared_ptr<const security::Masker> m_masker;
    security::Masker::View m_view;
};

/// Masking for the admin API's routes. The engine holds one, rebuilt from the canonical schemas
/// at every deployment, and hands it to the route files that return payloads (exceptions,
/// lineage, exports):
///
///     const auto view = personal.viewFor(call, QStringLiteral("exception"), id);
///     if (const auto *refusal = std::get_if<net::ServerResponse>(&view)) {
///         respond(*refusal);
///         return;
///     }
///     const PayloadView &shown = std::get<PayloadView>(view);
///     body["input"] = shown.apply(inputJson) ...
///
/// A call unmasks with the query `unmask=true&reason=<why>`: it needs Permission::Unmask (403
/// otherwise) and a reason (400 otherwise); an "unmask" audit record naming the object and the
/// reason is committed before the clear view is handed out. Thread-safe.
class PersonalData
{
public:
    explicit PersonalData(store::AuditStore &audit);

    /// Masks by the canonical schemas of `workspace` from now on.
    void setWorkspace(const model::Workspace &workspace);
    std::shared_ptr<const security::Masker> masker() const;

    /// The view for `call`, or the refusal to answer instead. `objectType`/`objectId` name what
    /// the call shows, for the audit record ("exception", "42"; "lineage", a correlation id).
    std::variant<PayloadView, net::ServerResponse>
    viewFor(const AdminCall &call, const QString &objectType, const QString &objectId) const;

private:
    store::AuditStore &m_audit;
    mutable std::mutex m_mutex;
    std::shared_ptr<const security::Masker> m_masker;
};

} // namespace syncline::engine::runtime
