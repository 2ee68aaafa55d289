#pragma once

#include "engine/core/result.h"
#include "engine/runtime/inputschema.h"
#include "engine/schema/violation.h"
#include "engine/security/exceptionrules.h"
#include "engine/store/exceptionstore.h"
#include "engine/store/messagestore.h"

#include <functional>
#include <optional>

namespace syncline::engine::runtime {

/// What a repair did: accepted as a new version (and resubmitted, when asked), or refused with
/// the violations of the schema the failed node's input is declared against.
struct RepairOutcome
{
    /// The canonical entity the input was checked against; empty when the node declares none
    /// (then only well-formed JSON is required).
    QString schemaId;
    QString schemaDeclaredBy;
    schema::Violations violations; // non-empty: refused, nothing was stored
    std::optional<store::RepairVersion> version;
    std::optional<store::ReplayTicket> replay; // when resubmitted
};

/// The exception work queue as the admin API, the CLI and replay jobs use it: the permission
/// matrix and the object-level rules (security/exceptionrules.h) on top of the ExceptionStore,
/// repairs checked against the canonical schema, and replays woken in the executor. Errors carry
/// the codes below (or the store's) and a message for a person. Thread-safe.
class ExceptionService
{
public:
    /// Called after a replay committed: the flow version must run (an older one is loaded again)
    /// and the node is woken. From the calling thread.
    using Resumer = std::function<void(const store::ReplayTicket &ticket)>;

    ExceptionService(store::ExceptionStore &exceptions,
                     store::MessageStore &messages,
                     Resumer resume);

    /// A finance caller's filter is limited to what finance owns (a filter on another owner is
    /// refused).
    Result<store::ExceptionPage> list(const security::Principal &caller,
                                      store::ExceptionFilter filter,
                                      std::optional<store::ExceptionCursor> after,
                                      int limit);
    Result<qint64> count(const security::Principal &caller, store::ExceptionFilter filter);
    Result<QList<store::GroupCount>> countBy(const security::Principal &caller,
                                             store::ExceptionFilter filter,
                                             store::ExceptionGroup group);
    Result<store::ExceptionDetail> show(const security::Principal &caller, qint64 id);

    Result<store::ExceptionRecord>
    assign(const security::Principal &caller, qint64 id, const QString &assignee);
    Result<store::ExceptionEvent>
    comment(const security::Principal &caller, qint64 id, const QString &text);
    /// Checks `payload` (strict JSON, then the declared canonical schema) and keeps it as the
    /// next version of the input; with `resubmit`, replays it at once (`reason` required then).
    Result<RepairOutcome> repair(const security::Principal &caller,
                                 qint64 id,
                                 const QByteArray &payload,
                                 const QString &reason,
                                 bool resubmit);
    /// Replays one exception: from its failed node, with its stored or latest repaired input, at
    /// the flow version its message started with; effects that already succeeded for the
    /// correlation id are skipped by the effect ledger, failed ones are sent again with their
    /// original idempotency keys. `reason` is required. The one entry point for a single replay
    /// and for each exception of a bulk replay job.
    Result<store::ReplayTicket>
    replayException(qint64 id, const security::Principal &actor, const QString &reason);
    Result<store::ExceptionRecord>
    discard(const security::Principal &caller, qint64 id, const QString &reason);

    /// The canonical schema the failed node's input is declared against (see inputschema.h).
    Result<std::optional<DeclaredSchema>> inputSchema(const store::ExceptionRecord &record);

private:
    struct InputCheck
    {
        DeclaredSchema declared;
        std::optional<schema::SchemaValidator> validator; // when compiled
    };
    /// The declared input schema of the exception's node in its flow version, compiled when
    /// asked; nothing when the node declares none.
    Result<std::optional<InputCheck>> inputCheck(const store::ExceptionRecord &record,
                                                 bool compile);
    /// The exception, when the caller may do `action` on it.
    Result<store::ExceptionRecord>
    permitted(const security::Principal &caller, qint64 id, security::ExceptionAction action);
    Result<void> limitToVisible(const security::Principal &caller,
                                store::ExceptionFilter &filter) const;

    store::ExceptionStore &m_exceptions;
    store::MessageStore &m_messages;
    Resumer m_resume;
};

/// Codes of the Errors the service adds to the store's.
inline constexpr auto kForbidden = "FORBIDDEN";
inline constexpr auto kReasonRequired = "REASON_REQUIRED";
inline constexpr auto kRepairNotJson = "REPAIR_NOT_JSON";

} // namespace syncline::engine::runtime
