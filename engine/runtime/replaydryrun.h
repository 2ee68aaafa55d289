#pragma once

#include "engine/core/result.h"
#include "engine/store/exceptionstore.h"
#include "engine/store/messagestore.h"
#include "engine/store/replayjobstore.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace syncline::engine::runtime {

/// An effect a replay would not make again: the ledger has it succeeded for that correlation id.
struct SkippedEffect
{
    qint64 exceptionId = 0;
    QString nodeId;
    QString idempotencyKey;
    QString businessKey;
};

/// What replaying the matching exceptions would do to one target system.
struct DryRunTarget
{
    QString systemId;
    /// Calls made for certain: the node runs on every path from the failed node.
    qint64 calls = 0;
    /// Calls that may be made: the node is behind a route, a lookup's miss, an error edge, a
    /// dedupe, an aggregate or a split — how many depends on the data ("up to").
    qint64 conditionalCalls = 0;
    /// Of the calls above, those sent again with the idempotency key of a failed (or uncertain)
    /// effect the ledger already holds.
    qint64 resent = 0;
    /// Effects skipped: the ledger has them succeeded.
    qint64 skipped = 0;
    QList<SkippedEffect> skippedEffects; // the first kMaxListedEffects
};

/// A replay job's preview: nothing is replayed, stored or audited.
struct DryRunReport
{
    qint64 matching = 0;      // unresolved exceptions the filter matches
    qint64 notReplayable = 0; // of those, ones a replay refuses (EXCEPTION_NOT_REPLAYABLE)
    qint64 analysed = 0;      // exceptions whose flow plan and ledger were read
    QList<DryRunTarget> targets; // by system id
    QStringList notes;           // what a preview cannot know, in words
};

/// Reads, for the unresolved exceptions a filter matches, the flow version's plan from each
/// failed node onward and the effect ledger of each correlation id: which http nodes the replay
/// reaches, which of their effects already succeeded (skipped) and which would be called.
/// Reads only; thread-safe as its stores are.
class ReplayDryRun
{
public:
    static constexpr int kMaxListedEffects = 100;
    static constexpr qint64 kMaxAnalysed = 100'000;

    ReplayDryRun(store::ExceptionStore &exceptions,
                 store::MessageStore &messages,
                 store::ReplayJobStore &jobs);

    Result<DryRunReport> preview(const store::ExceptionFilter &filter);

private:
    store::ExceptionStore &m_exceptions;
    store::MessageStore &m_messages;
    store::ReplayJobStore &m_jobs;
};

} // namespace syncline::engine::runtime
