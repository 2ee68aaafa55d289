#include "engine/runtime/replaydryrun.h"

#include "engine/runtime/deploybundle.h"
#include "engine/runtime/flowplan.h"

#include <QHash>
#include <QSet>

#include <map>

namespace syncline::engine::runtime {

namespace {

constexpr int kPage = 500;

// Whether a node's default output carries the one message it got: not for types that drop,
// hold or multiply messages, nor for a node with other outputs wired (a lookup's miss), which
// chooses between them.
bool passesOneToOne(const PlannedNode &node)
{
    static const QSet<QString> varying = {QStringLiteral("route"),
                                          QStringLiteral("dedupe"),
                                          QStringLiteral("aggregate"),
                                          QStringLiteral("split")};
    if (varying.contains(node.type)) {
        return false;
    }
    for (auto it = node.next.cbegin(); it != node.next.cend(); ++it) {
        if (!it.key().isEmpty() && it.key() != QLatin1String("error") && !it.value().isEmpty()) {
            return false;
        }
    }
    return true;
}

// An http node the replay reaches, and whether it runs on every path.
struct Reach
{
    QString nodeId;
    QString systemId;
    bool certain = true;
};

// The http nodes reachable from `start` (itself included), each once, certain when every node
// before it on some path passes its message on unconditionally.
QList<Reach> reachableCalls(const FlowPlan &plan, const QString &start, QStringList &notes)
{
    QHash<QString, bool> certainty; // node → runs for certain
    QList<QString> queue{start};
    certainty.insert(start, true);
    while (!queue.isEmpty()) {
        const QString id = queue.takeFirst();
        const PlannedNode *node = plan.node(id);
        if (!node) {
            continue;
        }
        if (node->type == QLatin1String("publish")) {
            notes.append(QStringLiteral("node %1 publishes to a topic: calls made by the flows "
                                        "that subscribe to it are not counted")
                             .arg(id));
        }
        if (node->type == QLatin1String("split")) {
            notes.append(QStringLiteral("node %1 splits each message: calls after it are made "
                                        "once per item, and the items depend on the data")
                             .arg(id));
        }
        const bool here = certainty.value(id);
        for (auto it = node->next.cbegin(); it != node->next.cend(); ++it) {
            const bool certain = here && it.key().isEmpty() && passesOneToOne(*node);
            for (const QString &child : it.value()) {
                const auto known = certainty.find(child);
                if (known == certainty.end()) {
                    certainty.insert(child, certain);
                    queue.append(child);
                } else if (certain && !known.value()) {
                    known.value() = true;
                    queue.append(child);
                }
            }
        }
    }
    QList<Reach> calls;
    for (const QString &id : plan.nodeOrder) {
        const PlannedNode *node = plan.node(id);
        if (node && certainty.contains(id) && node->type == QLatin1String("http")) {
            calls.append({id,
                          QString::fromStdString(node->settings.value("system", std::string())),
                          certainty.value(id)});
        }
    }
    return calls;
}

} // namespace

ReplayDryRun::ReplayDryRun(store::ExceptionStore &exceptions,
                           store::MessageStore &messages,
                           store::ReplayJobStore &jobs)
    : m_exceptions(exceptions)
    , m_messages(messages)
    , m_jobs(jobs)
{
}

Result<DryRunReport> ReplayDryRun::preview(const store::ExceptionFilter &filter)
{
    DryRunReport report;
    Result<qint64> matching = m_exceptions.count(filter);
    if (!matching) {
        return matching.error();
    }
    report.matching = *matching;
    std::map<QString, DryRunTarget> targets;
    QHash<QPair<QString, int>, std::optional<FlowPlan>> plans;
    QSet<QString> noteSet;
    std::optional<store::ExceptionCursor> after;
    do {
        Result<store::ExceptionPage> page = m_exceptions.list(filter, after, kPage);
        if (!page) {
            return page.error();
        }
        after = page->next;
        for (const store::ExceptionRecord &record : page->items) {
            if (report.analysed >= kMaxAnalysed) {
                after.reset();
                break;
            }
            ++report.analysed;
            if (!record.replayBlocker.isEmpty()) {
                ++report.notReplayable;
                continue;
            }
            const QPair<QString, int> version{record.flowId, record.flowVersion};
            if (!plans.contains(version)) {
                Result<std::optional<QByteArray>> stored =
                    m_messages.flowVersion(record.flowId, record.flowVersion);
                if (!stored) {
                    return stored.error();
                }
                std::optional<FlowPlan> plan;
                if (*stored) {
                    Result<FlowPlan> compiled = FlowPlan::fromDocument(
                        deploybundle::flowOf(**stored), record.flowVersion);
                    if (compiled) {
                        plan = std::move(*compiled);
                    }
                }
                plans.insert(version, plan);
            }
            const std::optional<FlowPlan> &plan = plans[version];
            if (!plan) {
                noteSet.insert(QStringLiteral("flow %1 version %2 cannot be read: its calls "
                                              "are not counted")
                                   .arg(record.flowId)
                                   .arg(record.flowVersion));
                continue;
            }
            QStringList notes;
            const QList<Reach> calls = reachableCalls(*plan, record.nodeId, notes);
            for (const QString &note : std::as_const(notes)) {
                noteSet.insert(note);
            }
            if (calls.isEmpty()) {
                continue;
            }
            Result<QList<store::LedgerEffect>> ledger =
                m_jobs.ledger(record.correlationId, record.flowId);
            if (!ledger) {
                return ledger.error();
            }
            for (const Reach &call : calls) {
                DryRunTarget &target = targets[call.systemId];
                target.systemId = call.systemId;
                const store::LedgerEffect *succeeded = nullptr;
                bool earlier = false;
                for (const store::LedgerEffect &effect : std::as_const(*ledger)) {
                    if (effect.nodeId != call.nodeId) {
                        continue;
                    }
                    if (effect.state == QLatin1String("succeeded")) {
                        succeeded = &effect;
                    } else {
                        earlier = true;
                    }
                }
                if (succeeded) {
                    ++target.skipped;
                    if (target.skippedEffects.size() < kMaxListedEffects) {
                        target.skippedEffects.append({record.id,
                                                      call.nodeId,
                                                      succeeded->idempotencyKey,
                                                      succeeded->businessKey});
                    }
                    continue;
                }
                ++(call.certain ? target.calls : target.conditionalCalls);
                target.resent += earlier ? 1 : 0;
            }
        }
    } while (after);
    if (report.analysed < report.matching - report.notReplayable && report.analysed >= kMaxAnalysed) {
        noteSet.insert(QStringLiteral("only the newest %1 exceptions were analysed").arg(kMaxAnalysed));
    }
    for (auto &[system, target] : targets) {
        report.targets.append(std::move(target));
    }
    report.notes = QStringList(noteSet.cbegin(), noteSet.cend());
    report.notes.sort();
    return report;
}

} // namespace syncline::engine::runtime
