#pragma once

#include "engine/runtime/cronexpression.h"
#include "engine/runtime/triggersource.h"

#include <QTimeZone>

#include <nlohmann/json.hpp>

#include <optional>

namespace syncline::engine::runtime {

/// A schedule node's settings (see nodetypes/schedule.json).
struct ScheduleSettings
{
    enum class Missed {
        FireOnce, // runs missed while the engine was stopped become one message, at start
        Skip,     // runs missed by more than the grace are left out (counted, not sent)
    };

    std::optional<CronExpression> cron; // either this (with zone) ...
    QTimeZone zone = QTimeZone::utc();
    qint64 intervalMs = 0;              // ... or a fixed interval, counted from the Unix epoch
    Missed missed = Missed::FireOnce;
    qint64 graceMs = 60'000;            // a run this late is on time, not missed
    nlohmann::json payload = nlohmann::json::object();
    std::string fireTimeField = "firedAt";

    static Result<ScheduleSettings> fromJson(const nlohmann::json &settings);

    /// The first run strictly after `afterMs`, and the last at or before `atMs`.
    std::optional<qint64> nextAfter(qint64 afterMs) const;
    std::optional<qint64> lastAtOrBefore(qint64 atMs) const;
};

/// Fires a message into its flow at each run of a cron expression or interval.
///
/// Durable: the time of the last run is node state committed in the same transaction as the
/// run's message (delivery id "run:<ms>", so even a repeated commit creates nothing twice).
/// After a restart a committed run is never repeated, and runs that fell due while the engine
/// was stopped are neither repeated one by one nor silently lost: with FireOnce they become one
/// message (fire time = the latest missed run, `missedRuns` = how many more were missed); with
/// Skip they are counted in the status and left out. A schedule seen for the first time starts
/// counting from that moment (nothing before its first deploy is "missed").
class ScheduleTrigger final : public TriggerSource
{
public:
    ScheduleTrigger(TriggerTarget target, ScheduleSettings settings, TriggerContext context);

    qint64 run(qint64 nowMs, const std::atomic<bool> &stop) override;

    /// The message payload of a run at `runAtMs` (the template plus the fire time).
    QByteArray payloadFor(qint64 runAtMs, qint64 missedRuns) const;

private:
    /// Runs due in (after, until]: how many, counted up to a bound.
    qint64 countRuns(qint64 afterMs, qint64 untilMs) const;
    qint64 retryLater(qint64 nowMs, const QString &error);

    ScheduleSettings m_settings;
    std::optional<qint64> m_lastRunMs; // loaded from the store on the first run
};

} // namespace syncline::engine::runtime
