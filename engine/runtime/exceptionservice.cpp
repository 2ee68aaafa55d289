#include "engine/runtime/exceptionservice.h"

#include "engine/json/intake.h"
#include "engine/runtime/deploybundle.h"

namespace syncline::engine::runtime {

namespace {

store::Actor actorOf(const security::Principal &principal)
{
    return {principal.userId, security::roleName(principal.role)};
}

Error forbidden(const QString &why)
{
    return Error::make(QString::fromLatin1(kForbidden), why);
}

Result<void> requireReason(const QString &reason, const char *action)
{
    if (reason.trimmed().isEmpty()) {
        return Error::make(QString::fromLatin1(kReasonRequired),
                           QStringLiteral("a %1 needs a reason: say why, for the audit trail")
                               .arg(QLatin1String(action)));
    }
    return {};
}

} // namespace

ExceptionService::ExceptionService(store::ExceptionStore &exceptions,
                                   store::MessageStore &messages,
                                   Resumer resume)
    : m_exceptions(exceptions)
    , m_messages(messages)
    , m_resume(std::move(resume))
{
}

Result<void> ExceptionService::limitToVisible(const security::Principal &caller,
                                              store::ExceptionFilter &filter) const
{
    if (!security::allows(caller.role, security::Permission::ViewExceptions)) {
        return forbidden(QStringLiteral("%1 may not view exceptions").arg(caller.userId));
    }
    const QString visible = security::visibleOwnerRole(caller);
    if (visible.isEmpty()) {
        return {};
    }
    if (!filter.ownerRole.isEmpty() && filter.ownerRole != visible) {
        return forbidden(QStringLiteral("%1 (role %2) sees only exceptions that %3 owns")
                             .arg(caller.userId, security::roleName(caller.role), visible));
    }
    filter.ownerRole = visible;
    return {};
}

Result<store::ExceptionPage> ExceptionService::list(const security::Principal &caller,
                                                    store::ExceptionFilter filter,
                                                    std::optional<store::ExceptionCursor> after,
                                                    int limit)
{
    if (Result<void> visible = limitToVisible(caller, filter); !visible) {
        return visible.error();
    }
    return m_exceptions.list(filter, after, limit);
}

Result<qint64> ExceptionService::count(const security::Principal &caller,
                                       store::ExceptionFilter filter)
{
    if (Result<void> visible = limitToVisible(caller, filter); !visible) {
        return visible.error();
    }
    return m_exceptions.count(filter);
}

Result<QList<store::GroupCount>> ExceptionService::countBy(const security::Principal &caller,
                                                           store::ExceptionFilter filter,
                                                           store::ExceptionGroup group)
{
    if (Result<void> visible = limitToVisible(caller, filter); !visible) {
        return visible.error();
    }
    return m_exceptions.countBy(filter, group);
}

Result<store::ExceptionRecord> ExceptionService::permitted(const security::Principal &caller,
                                                           qint64 id,
                                                           security::ExceptionAction action)
{
    if (!security::allows(caller.role, security::permissionFor(action))) {
        return forbidden(QStringLiteral("%1 (role %2) may not %3 exceptions")
                             .arg(caller.userId,
                                  security::roleName(caller.role),
                                  security::exceptionActionName(action)));
    }
    Result<std::optional<store::ExceptionDetail>> found = m_exceptions.get(id);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return Error::make(QString::fromLatin1(store::kExceptionNotFound),
                           QStringLiteral("there is no exception %1").arg(id));
    }
    const store::ExceptionRecord &record = (*found)->record;
    if (const std::optional<QString> refused = security::exceptionRefusal(
            caller, action, record.ownerRole, store::exceptionCategoryName(record.category))) {
        return forbidden(*refused);
    }
    return record;
}

Result<store::ExceptionDetail> ExceptionService::show(const security::Principal &caller, qint64 id)
{
    Result<store::ExceptionRecord> record = permitted(caller, id, security::ExceptionAction::View);
    if (!record) {
        return record.error();
    }
    Result<std::optional<store::ExceptionDetail>> detail = m_exceptions.get(id);
    if (!detail) {
        return detail.error();
    }
    return **detail;
}

Result<store::ExceptionRecord>
ExceptionService::assign(const security::Principal &caller, qint64 id, const QString &assignee)
{
    if (Result<store::ExceptionRecord> record =
            permitted(caller, id, security::ExceptionAction::Assign);
        !record) {
        return record.error();
    }
    return m_exceptions.assign(id, actorOf(caller), assignee.trimmed());
}

Result<store::ExceptionEvent>
ExceptionService::comment(const security::Principal &caller, qint64 id, const QString &text)
{
    if (text.trimmed().isEmpty()) {
        return Error::make(QStringLiteral("COMMENT_EMPTY"), QStringLiteral("the comment is empty"));
    }
    if (Result<store::ExceptionRecord> record =
            permitted(caller, id, security::ExceptionAction::Comment);
        !record) {
        return record.error();
    }
    return m_exceptions.comment(id, actorOf(caller), text.trimmed());
}

Result<std::optional<DeclaredSchema>>
ExceptionService::inputSchema(const store::ExceptionRecord &record)
{
    Result<std::optional<InputCheck>> check = inputCheck(record, false);
    if (!check) {
        return check.error();
    }
    return *check ? std::optional<DeclaredSchema>((*check)->declared)
                  : std::optional<DeclaredSchema>();
}

Result<std::optional<ExceptionService::InputCheck>>
ExceptionService::inputCheck(const store::ExceptionRecord &record, bool compile)
{
    Result<std::optional<QByteArray>> stored =
        m_messages.flowVersion(record.flowId, record.flowVersion);
    if (!stored) {
        return stored.error();
    }
    if (!*stored) {
        return std::optional<InputCheck>();
    }
    Result<FlowPlan> plan =
        FlowPlan::fromDocument(deploybundle::flowOf(**stored), record.flowVersion);
    if (!plan) {
        return plan.error();
    }
    const model::Workspace workspace = deploybundle::workspaceOf(**stored, model::Workspace());
    const std::optional<DeclaredSchema> declared =
        declaredInputSchema(*plan, workspace, record.nodeId);
    if (!declared) {
        return std::optional<InputCheck>();
    }
    InputCheck check{*declared, std::nullopt};
    if (compile) {
        Result<schema::SchemaValidator> validator = compileCanonical(workspace, declared->entityId);
        if (!validator) {
            return validator.error();
        }
        check.validator = std::move(*validator);
    }
    return std::optional<InputCheck>(std::move(check));
}

Result<RepairOutcome> ExceptionService::repair(const security::Principal &caller,
                                               qint64 id,
                                               const QByteArray &payload,
                                               const QString &reason,
                                               bool resubmit)
{
    Result<store::ExceptionRecord> record =
        permitted(caller, id, security::ExceptionAction::Repair);
    if (!record) {
        return record.error();
    }
    if (resubmit) {
        if (Result<void> given = requireReason(reason, "resubmitted repair"); !given) {
            return given.error();
        }
        if (const std::optional<QString> refused =
                security::exceptionRefusal(caller,
                                           security::ExceptionAction::Replay,
                                           record->ownerRole,
                                           store::exceptionCategoryName(record->category))) {
            return forbidden(*refused);
        }
    }
    const json::IntakeResult parsed = json::JsonIntake::parse(payload);
    if (!parsed.ok()) {
        return Error::make(
            QString::fromLatin1(kRepairNotJson),
            QStringLiteral("the repaired input is not JSON: %1").arg(parsed.refusal().describe()));
    }
    RepairOutcome outcome;
    Result<std::optional<InputCheck>> check = inputCheck(*record, true);
    if (!check) {
        return check.error();
    }
    if (*check) {
        outcome.schemaId = (*check)->declared.entityId;
        outcome.schemaDeclaredBy = (*check)->declared.declaredBy;
        outcome.violations = (*check)->validator->validate(parsed.value());
        if (!outcome.violations.isEmpty()) {
            return outcome; // refused: nothing is kept
        }
    }
    Result<store::RepairVersion> version =
        m_exceptions.repair(id, actorOf(caller), payload, reason.trimmed());
    if (!version) {
        return version.error();
    }
    outcome.version = *version;
    if (resubmit) {
        Result<store::ReplayTicket> ticket = replayException(id, caller, reason);
        if (!ticket) {
            return ticket.error();
        }
        outcome.replay = *ticket;
    }
    return outcome;
}

Result<store::ReplayTicket> ExceptionService::replayException(qint64 id,
                                                              const security::Principal &actor,
                                                              const QString &reason)
{
    if (Result<void> given = requireReason(reason, "replay"); !given) {
        return given.error();
    }
    if (Result<store::ExceptionRecord> record =
            permitted(actor, id, security::ExceptionAction::Replay);
        !record) {
        return record.error();
    }
    Result<store::ReplayTicket> ticket = m_exceptions.replay(id, actorOf(actor), reason.trimmed());
    if (ticket && m_resume) {
        m_resume(*ticket);
    }
    return ticket;
}

Result<store::ExceptionRecord>
ExceptionService::discard(const security::Principal &caller, qint64 id, const QString &reason)
{
    if (Result<void> given = requireReason(reason, "discard"); !given) {
        return given.error();
    }
    if (Result<store::ExceptionRecord> record =
            permitted(caller, id, security::ExceptionAction::Discard);
        !record) {
        return record.error();
    }
    return m_exceptions.discard(id, actorOf(caller), reason.trimmed());
}

} // namespace syncline::engine::runtime
