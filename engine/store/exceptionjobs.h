#pragma once

#include "engine/store/connection.h"
#include "engine/store/exceptionrecords.h"
#include "engine/store/records.h"

#include <nlohmann/json_fwd.hpp>

namespace syncline::engine::store {

/// Writes of the exception queue, each inside whichever transaction the caller is in: the
/// creation inside the failing step's commit, the actions inside their own writer job together
/// with their event and audit record.

/// Appends the audit record of a person's action on a numbered object (an exception, a replay
/// job) in the caller's transaction: who, role, what, object, reason, the detail as JSON.
Result<void> auditAction(Connection &c,
                         const Actor &actor,
                         const QString &action,
                         const QString &objectType,
                         qint64 objectId,
                         const QString &reason,
                         const nlohmann::json &detail,
                         qint64 atMs);

/// The failing step as the step commit knows it.
struct FailedStep
{
    qint64 workItemId = 0;
    QString messageId;
    QString flowId;
    int flowVersion = 0;
    QString nodeId;
    int attempt = 0;
    QString correlationId;
    QString businessKey;
};

/// Records the exception a Failed step becomes (step.exception, or one derived from the
/// error code) with its "created" event.
Result<void>
insertException(Connection &c, const FailedStep &failed, const StepResult &step, qint64 atMs);

Result<ExceptionRecord>
assignJob(Connection &c, qint64 id, const Actor &actor, const QString &assignee, qint64 atMs);
Result<ExceptionEvent>
commentJob(Connection &c, qint64 id, const Actor &actor, const QString &text, qint64 atMs);
Result<RepairVersion> repairJob(Connection &c,
                                qint64 id,
                                const Actor &actor,
                                const QByteArray &payload,
                                const QString &reason,
                                qint64 atMs);
Result<ReplayTicket>
replayJob(Connection &c, qint64 id, const Actor &actor, const QString &reason, qint64 atMs);
Result<ExceptionRecord>
discardJob(Connection &c, qint64 id, const Actor &actor, const QString &reason, qint64 atMs);

/// Reads, on any connection.
Result<std::optional<ExceptionRecord>> readException(Connection &c, qint64 id);
Result<ExceptionPage> readExceptionPage(Connection &c,
                                        const ExceptionFilter &filter,
                                        std::optional<ExceptionCursor> after,
                                        int limit);
Result<qint64> countExceptions(Connection &c, const ExceptionFilter &filter);
Result<QList<GroupCount>>
countExceptionsBy(Connection &c, const ExceptionFilter &filter, ExceptionGroup group);
Result<ExceptionDetail> readExceptionDetail(Connection &c, const ExceptionRecord &record);

} // namespace syncline::engine::store
