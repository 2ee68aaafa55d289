#pragma once

#include "engine/core/result.h"
#include "engine/store/exceptionrecords.h"

#include <QList>

#include <optional>

namespace syncline::engine::store {

/// The exception work queue: exceptions are created by the message store in the transaction of
/// the step that failed (see StepResult::exception); this interface lists, counts and works
/// them. Every change writes its event and its audit record in its own transaction, so an
/// action and its audit trail commit together or not at all. An interface so a PostgreSQL
/// backend can follow; SqliteExceptionStore is the embedded one. Thread-safe.
///
/// Permission and object-level rules (who may see or act on which exception) are the caller's
/// (runtime::ExceptionService); the store checks only what the state allows.
class ExceptionStore
{
public:
    virtual ~ExceptionStore() = default;

    /// Newest first; `after` continues from the last exception of the previous page. Keyset
    /// paging: a page costs the same however deep it is.
    virtual Result<ExceptionPage>
    list(const ExceptionFilter &filter, std::optional<ExceptionCursor> after, int limit) = 0;
    /// How many exceptions match, and how many per group for each of `groups`.
    virtual Result<qint64> count(const ExceptionFilter &filter) = 0;
    virtual Result<QList<GroupCount>> countBy(const ExceptionFilter &filter,
                                              ExceptionGroup group) = 0;
    virtual Result<std::optional<ExceptionDetail>> get(qint64 id) = 0;

    /// Assigns to `assignee` (a user id; empty: back to open). Fails with EXCEPTION_RESOLVED.
    virtual Result<ExceptionRecord>
    assign(qint64 id, const Actor &actor, const QString &assignee) = 0;
    virtual Result<ExceptionEvent> comment(qint64 id, const Actor &actor, const QString &text) = 0;
    /// Keeps `payload` (already checked by the caller) as the next repaired version of the
    /// input, beside the original.
    virtual Result<RepairVersion>
    repair(qint64 id, const Actor &actor, const QByteArray &payload, const QString &reason) = 0;
    /// Resubmits the input (the latest repaired version, else the original) at the failed node
    /// of the flow version the message started with, and resolves the exception as replayed (or
    /// repaired). For an uncertain exception, the uncertain effects of that node and
    /// correlation id are made ready to be sent again with their original idempotency keys.
    /// Fails with EXCEPTION_RESOLVED or EXCEPTION_NOT_REPLAYABLE.
    virtual Result<ReplayTicket> replay(qint64 id, const Actor &actor, const QString &reason) = 0;
    /// Resolves as discarded: the message goes no further.
    virtual Result<ExceptionRecord>
    discard(qint64 id, const Actor &actor, const QString &reason) = 0;
};

/// Codes of the Errors the exception store returns.
inline constexpr auto kExceptionNotFound = "EXCEPTION_NOT_FOUND";
inline constexpr auto kExceptionResolved = "EXCEPTION_RESOLVED";
inline constexpr auto kExceptionNotReplayable = "EXCEPTION_NOT_REPLAYABLE";

} // namespace syncline::engine::store
