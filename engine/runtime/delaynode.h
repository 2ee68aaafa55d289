#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"

#include <QTime>
#include <QTimeZone>

#include <functional>
#include <optional>

namespace syncline::engine::runtime {

/// When a delay node lets a message go on: after `durationMs`, and then not before a window
/// opens (e.g. an ERP posting window: Monday to Friday, 08:00–18:00 Europe/Berlin).
struct DelayWindow
{
    QList<int> days; // 1 = Monday … 7 = Sunday
    QTime from;
    QTime to; // at or before `from`: the window runs past midnight
    QTimeZone timeZone;

    /// The first moment at or after `atMs` inside the window; nothing when there is none within
    /// a week (no day is allowed).
    std::optional<qint64> nextOpen(qint64 atMs) const;
};

/// Holds a message, then passes it on unchanged. The hold is durable: the step commits the
/// message into its successors' queues with the release time (they count it as delayed), so a
/// restart neither loses nor shortens it; the step's detail says until when it was held.
class DelayNode final : public NodeRunner
{
public:
    static Result<std::shared_ptr<DelayNode>> create(const PlannedNode &node,
                                                     std::function<qint64()> clockMs);
    NodeOutcome run(const store::WorkItem &item) override;

    /// The release time of a message arriving at `nowMs`.
    qint64 releaseAt(qint64 nowMs) const;

private:
    explicit DelayNode(std::function<qint64()> clockMs)
        : m_clockMs(std::move(clockMs))
    {}

    std::function<qint64()> m_clockMs;
    qint64 m_durationMs = 0;
    std::optional<DelayWindow> m_window;
};

} // namespace syncline::engine::runtime
