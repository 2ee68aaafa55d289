#include "engine/runtime/personaldata.h"

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

PayloadView::PayloadView(std::shared_ptr<const security::Masker> masker,
                         security::Masker::View view)
    : m_masker(std::move(masker))
    , m_view(view)
{
}

QByteArray PayloadView::apply(QByteArrayView json) const
{
    return m_masker->apply(json, m_view);
}

void PayloadView::apply(nlohmann::json &document) const
{
    m_masker->apply(document, m_view);
}

PersonalData::PersonalData(store::AuditStore &audit)
    : m_audit(audit)
    , m_masker(std::make_shared<const security::Masker>())
{
}

void PersonalData::setWorkspace(const model::Workspace &workspace)
{
    auto masker =
        std::make_shared<const security::Masker>(security::Masker::forWorkspace(workspace));
    std::lock_guard lock(m_mutex);
    m_masker = std::move(masker);
}

std::shared_ptr<const security::Masker> PersonalData::masker() const
{
    std::lock_guard lock(m_mutex);
    return m_masker;
}

std::variant<PayloadView, net::ServerResponse> PersonalData::viewFor(const AdminCall &call,
                                                                     const QString &objectType,
                                                                     const QString &objectId) const
{
    const QByteArray unmask = call.request.queryValue("unmask");
    if (unmask.isEmpty() || unmask == "false" || unmask == "0") {
        return PayloadView(masker(), security::Masker::View::Masked);
    }
    if (unmask != "true" && unmask != "1") {
        return AdminApi::problem(
            400,
            "BAD_REQUEST",
            QStringLiteral("unmask is true or false, not \"%1\"").arg(QString::fromUtf8(unmask)));
    }
    if (!security::allows(call.caller.role, security::Permission::Unmask)) {
        return AdminApi::problem(
            403,
            "FORBIDDEN",
            QStringLiteral("%1 (role %2) may not unmask personal data")
                .arg(call.caller.userId, security::roleName(call.caller.role)));
    }
    const QString reason = QString::fromUtf8(call.request.queryValue("reason")).trimmed();
    if (reason.isEmpty()) {
        return AdminApi::problem(400,
                                 "REASON_REQUIRED",
                                 QStringLiteral("unmasking needs a reason (reason=...); it is "
                                                "kept in the audit trail"));
    }
    store::AuditRecord record;
    record.actor = call.caller.userId;
    record.role = security::roleName(call.caller.role);
    record.action = QStringLiteral("unmask");
    record.objectType = objectType;
    record.objectId = objectId;
    record.reason = reason;
    record.detail = QByteArray::fromStdString(
        nlohmann::json({{"path", call.request.path.toStdString()}}).dump());
    if (Result<store::AuditEntry> recorded = m_audit.append(record); !recorded) {
        return AdminApi::problem(503,
                                 "AUDIT_UNAVAILABLE",
                                 QStringLiteral("the unmask could not be recorded, so nothing is "
                                                "shown in clear: %1")
                                     .arg(recorded.error().message));
    }
    return PayloadView(masker(), security::Masker::View::Clear);
}

} // namespace syncline::engine::runtime
