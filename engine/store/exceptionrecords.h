#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace syncline::engine::store {

/// What kind of failure an exception is, which decides who owns it by default.
enum class ExceptionCategory {
    Business,  // the data or a rule: schema, lookup miss, a 4xx, a code the flow raises itself
    Technical, // retries exhausted, an internal or configuration fault
    Uncertain, // a call may have taken effect; only a person can tell
};

enum class ExceptionState { Open, Assigned, Resolved };

enum class Resolution { None, Replayed, Repaired, Discarded };

/// What the executor knows about a step that cannot go on, beyond the step record: the store
/// adds the message's ids, the attempts and the time, in the transaction of the step commit.
struct NewException
{
    ExceptionCategory category = ExceptionCategory::Business;
    QString reasonCode; // e.g. SCHEMA, LOOKUP_MISS, HTTP_4XX, MISSING_TAX_CODE
    QString pointer;    // JSON pointer into the input the failure is about (SCHEMA); may be empty
    QByteArray facts;   // JSON object for a person: violations, the target's own error, ...
    /// Where a replay resubmits, and the input it resubmits. Empty: the step's own node and
    /// input. An error branch raises for the node that failed before it.
    QString resumeNodeId;
    QString resumeMessageId;
    QString replayBlocker; // non-empty: why this one cannot be replayed (discard it instead)
    QString ownerRole;     // the role whose queue it is in
    qint64 slaMs = 0;      // due this long after it is raised; 0: kDefaultSlaHours
};

/// An exception as stored.
struct ExceptionRecord
{
    qint64 id = 0;
    qint64 createdAtMs = 0;
    qint64 updatedAtMs = 0;
    ExceptionCategory category = ExceptionCategory::Business;
    QString reasonCode;
    QString pointer;
    QByteArray facts;
    QString flowId;
    int flowVersion = 0;
    QString nodeId;         // the failed node: where a replay starts
    QString raisedAtNodeId; // the node whose step raised it (an error branch, or nodeId)
    QString messageId;      // the input the failed node received (the original, never changed)
    qint64 workItemId = 0;  // the parked work item, until the exception is resolved
    QString detail;
    int attempts = 0;
    QString correlationId;
    QString businessKey;
    QString ownerRole;
    qint64 slaDueAtMs = 0;
    ExceptionState state = ExceptionState::Open;
    QString assignee;
    Resolution resolution = Resolution::None;
    QString resolutionReason;
    QString resolvedBy;
    qint64 resolvedAtMs = 0;
    qint64 previousId = 0; // the exception whose replay failed again into this one
    int repairs = 0;       // repaired versions of the input
    QString replayBlocker;
};

/// A repaired version of an exception's input, kept beside the original (version 0).
struct RepairVersion
{
    int version = 0;   // 1, 2, ...
    QString messageId; // the message holding the repaired input
    QByteArray payload;
    QString actor;
    QString role;
    QString reason;
    qint64 atMs = 0;
};

/// One entry of an exception's history: created, assigned, comment, repaired, replayed,
/// discarded.
struct ExceptionEvent
{
    qint64 id = 0;
    qint64 atMs = 0;
    QString actor;
    QString role;
    QString kind;
    QString text;
};

/// Everything the API shows for one exception.
struct ExceptionDetail
{
    ExceptionRecord record;
    QByteArray input;   // the payload the failed node received
    QString inputError; // why `input` is empty: its stored form does not decode (STORE_PAYLOAD)
    QByteArray headers; // its headers
    QList<RepairVersion> repairs;
    QList<ExceptionEvent> events;
};

/// Who acts on an exception (the store layer knows roles by name only).
struct Actor
{
    QString userId;
    QString role;
};

/// Which exceptions a list or a count covers. Empty fields do not filter.
struct ExceptionFilter
{
    enum class States { Any, Open, Assigned, Resolved, Unresolved };

    QString flowId;
    QString nodeId;
    std::optional<ExceptionCategory> category;
    QString reasonCode;
    QString ownerRole;
    States states = States::Any;
    QString businessKey;
    QString correlationId;
    std::optional<qint64> createdBeforeMs; // older than
    std::optional<qint64> createdAfterMs;  // newer than
    std::optional<qint64> overdueAtMs;     // unresolved with the SLA due before this time
};

/// Where the next page starts: the last exception of the previous one (newest first).
struct ExceptionCursor
{
    qint64 createdAtMs = 0;
    qint64 id = 0;
};

struct ExceptionPage
{
    QList<ExceptionRecord> items;
    std::optional<ExceptionCursor> next; // nothing: this was the last page
};

enum class ExceptionGroup { Reason, Flow, Node, State, Category, Owner };

struct GroupCount
{
    QString key;    // the reason code, flow id, node id, state, category or owner role
    QString flowId; // for ExceptionGroup::Node (node ids are unique within a flow only)
    qint64 count = 0;
};

/// What a replay put back to work, for the caller to wake the executor.
struct ReplayTicket
{
    qint64 exceptionId = 0;
    QString flowId;
    int flowVersion = 0;
    QString nodeId;
    QString messageId;      // the input resubmitted: the original or the latest repaired version
    int repairVersion = 0;  // 0: the original input
    int rearmedEffects = 0; // uncertain effects made ready to be sent again
};

QString exceptionCategoryName(ExceptionCategory category);
std::optional<ExceptionCategory> exceptionCategoryFromName(const QString &name);
QString exceptionStateName(ExceptionState state);
QString resolutionName(Resolution resolution);
QString exceptionGroupName(ExceptionGroup group);
std::optional<ExceptionGroup> exceptionGroupFromName(const QString &name);

/// The category of a failure by its reason code when the node does not say: UNCERTAIN is
/// uncertain; retries exhausted and faults of the engine or its configuration are technical;
/// everything else (schema, lookup miss, 4xx, intake codes, a flow's own codes) is business.
ExceptionCategory defaultCategoryFor(const QString &reasonCode);
/// Who owns an exception when the flow's policy does not say: finance the business ones, admin
/// the technical and uncertain ones.
QString defaultOwnerRole(ExceptionCategory category);
/// The SLA when the flow's policy does not give one.
inline constexpr int kDefaultSlaHours = 24;
/// The message header a repaired input carries: how many repairs led to it (1, 2, …), counted
/// along the chain of failed and repaired inputs. Effects read it to choose their idempotency
/// key (runtime/repairkey.h).
inline constexpr auto kRepairHeader = "syncline:repair";

} // namespace syncline::engine::store
