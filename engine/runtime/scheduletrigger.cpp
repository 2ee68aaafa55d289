#include "engine/runtime/scheduletrigger.h"

#include <QDateTime>

namespace syncline::engine::runtime {

namespace {

constexpr auto kLastRunKey = "lastRun";
constexpr qint64 kCountBound = 100'000; // missed runs counted one by one up to this many
constexpr qint64 kStoreRetryMs = 1'000;
constexpr qint64 kHeldRetryMs = 1'000;

// ISO 8601 with the zone's offset at that moment; "Z" in UTC.
QString isoTime(qint64 ms, const QTimeZone &zone)
{
    const QDateTime at = zone == QTimeZone::utc() ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
                                                  : QDateTime::fromMSecsSinceEpoch(ms, zone);
    return at.toString(Qt::ISODate);
}

Error settingsError(const QString &message)
{
    return Error::make(QStringLiteral("SETTINGS_INVALID"), message);
}

} // namespace

Result<ScheduleSettings> ScheduleSettings::fromJson(const nlohmann::json &settings)
{
    ScheduleSettings s;
    const auto cron = settings.find("cron");
    const auto interval = settings.find("intervalSeconds");
    const bool hasCron = cron != settings.end();
    const bool hasInterval = interval != settings.end();
    if (hasCron == hasInterval) {
        return settingsError(QStringLiteral("settings: a schedule has either \"cron\" or "
                                            "\"intervalSeconds\""));
    }
    if (hasCron) {
        if (!cron->is_string()) {
            return settingsError(QStringLiteral("settings/cron: must be a text"));
        }
        Result<CronExpression> parsed = CronExpression::parse(
            QString::fromStdString(cron->get<std::string>()));
        if (!parsed) {
            return settingsError(QStringLiteral("settings/cron: %1").arg(parsed.error().message));
        }
        s.cron = std::move(*parsed);
    } else {
        if (!interval->is_number_integer() || interval->get<qint64>() < 1) {
            return settingsError(QStringLiteral("settings/intervalSeconds: must be a whole "
                                                "number of at least 1"));
        }
        s.intervalMs = interval->get<qint64>() * 1000;
    }
    if (const auto zone = settings.find("timezone"); zone != settings.end()) {
        const QByteArray id = zone->is_string() ? QByteArray::fromStdString(zone->get<std::string>())
                                                : QByteArray();
        s.zone = QTimeZone(id);
        if (!s.zone.isValid()) {
            return settingsError(QStringLiteral("settings/timezone: \"%1\" is not an IANA time "
                                                "zone (e.g. Europe/Berlin)")
                                     .arg(QString::fromUtf8(id)));
        }
    }
    if (const auto missed = settings.find("missedRuns"); missed != settings.end()) {
        const std::string policy = missed->is_string() ? missed->get<std::string>() : std::string();
        if (policy != "fireOnce" && policy != "skip") {
            return settingsError(QStringLiteral("settings/missedRuns: must be \"fireOnce\" or "
                                                "\"skip\""));
        }
        s.missed = policy == "skip" ? Missed::Skip : Missed::FireOnce;
    }
    if (const auto grace = settings.find("graceSeconds"); grace != settings.end()) {
        if (!grace->is_number_integer() || grace->get<qint64>() < 0) {
            return settingsError(QStringLiteral("settings/graceSeconds: must be a whole number "
                                                "of at least 0"));
        }
        s.graceMs = grace->get<qint64>() * 1000;
    }
    if (const auto payload = settings.find("payload"); payload != settings.end()) {
        if (!payload->is_object()) {
            return settingsError(QStringLiteral("settings/payload: must be a JSON object"));
        }
        s.payload = *payload;
    }
    if (const auto field = settings.find("fireTimeField"); field != settings.end()) {
        if (!field->is_string() || field->get<std::string>().empty()) {
            return settingsError(QStringLiteral("settings/fireTimeField: must be a non-empty "
                                                "text"));
        }
        s.fireTimeField = field->get<std::string>();
    }
    return s;
}

std::optional<qint64> ScheduleSettings::nextAfter(qint64 afterMs) const
{
    if (cron) {
        return cron->nextAfter(afterMs, zone);
    }
    // Floor division, so that times before the epoch land on the right slot too.
    const qint64 slot = afterMs >= 0 ? afterMs / intervalMs
                                     : -((-afterMs + intervalMs - 1) / intervalMs);
    return (slot + 1) * intervalMs;
}

std::optional<qint64> ScheduleSettings::lastAtOrBefore(qint64 atMs) const
{
    if (cron) {
        return cron->previousAtOrBefore(atMs, zone);
    }
    const qint64 slot = atMs >= 0 ? atMs / intervalMs : -((-atMs + intervalMs - 1) / intervalMs);
    return slot * intervalMs;
}

ScheduleTrigger::ScheduleTrigger(TriggerTarget target, ScheduleSettings settings,
                                 TriggerContext context)
    : TriggerSource(std::move(target), QStringLiteral("schedule"), std::move(context))
    , m_settings(std::move(settings))
{}

QByteArray ScheduleTrigger::payloadFor(qint64 runAtMs, qint64 missedRuns) const
{
    nlohmann::json payload = m_settings.payload;
    payload[m_settings.fireTimeField] = isoTime(runAtMs, m_settings.zone).toStdString();
    if (missedRuns > 0) {
        payload["missedRuns"] = missedRuns;
    }
    return QByteArray::fromStdString(payload.dump());
}

qint64 ScheduleTrigger::countRuns(qint64 afterMs, qint64 untilMs) const
{
    if (!m_settings.cron) {
        return untilMs / m_settings.intervalMs - afterMs / m_settings.intervalMs;
    }
    qint64 count = 0;
    for (std::optional<qint64> at = m_settings.nextAfter(afterMs);
         at && *at <= untilMs && count < kCountBound; at = m_settings.nextAfter(*at)) {
        ++count;
    }
    return count;
}

qint64 ScheduleTrigger::retryLater(qint64 nowMs, const QString &error)
{
    recordFailure(error);
    updateStatus([&](TriggerStatus &s) { s.nextRunAtMs = nowMs + kStoreRetryMs; });
    return nowMs + kStoreRetryMs;
}

qint64 ScheduleTrigger::run(qint64 nowMs, const std::atomic<bool> &stop)
{
    const QString scope = m_target.stateScope(QStringLiteral("schedule"));
    const QString key = QLatin1String(kLastRunKey);
    if (!m_lastRunMs) {
        Result<std::optional<QByteArray>> stored = m_context.store->state(scope, key);
        if (!stored) {
            return retryLater(nowMs, stored.error().message);
        }
        if (stored->has_value()) {
            m_lastRunMs = (*stored)->toLongLong();
        } else {
            // First deploy: runs count from now on. Committed, so that a run falling due
            // before the first fire is not lost to a crash in between.
            const QByteArray armed = QByteArray::number(nowMs);
            if (Result<void> written = m_context.store->writeState({{scope, key, armed, 0}});
                !written) {
                return retryLater(nowMs, written.error().message);
            }
            m_lastRunMs = nowMs;
        }
    }
    const std::optional<qint64> latest = m_settings.lastAtOrBefore(nowMs);
    if (stop || !latest || *latest <= *m_lastRunMs) {
        const qint64 next = m_settings.nextAfter(std::max(*m_lastRunMs, nowMs))
                                .value_or(std::numeric_limits<qint64>::max());
        updateStatus([next](TriggerStatus &s) { s.nextRunAtMs = next; });
        return next;
    }
    if (m_context.held) {
        if (const std::optional<QString> why = m_context.held(m_target.flowId,
                                                              m_target.flowVersion,
                                                              m_target.nodeId)) {
            // Late, not lost: the run is still due when the queue drains.
            updateStatus([&](TriggerStatus &s) { s.lastError = *why; });
            return nowMs + kHeldRetryMs;
        }
    }
    const qint64 due = countRuns(*m_lastRunMs, *latest);
    const qint64 missed = std::max<qint64>(0, due - 1);
    const bool late = nowMs - *latest > m_settings.graceMs;
    const store::StateWrite advance{scope, key, QByteArray::number(*latest), 0};
    if (m_settings.missed == ScheduleSettings::Missed::Skip && late) {
        if (Result<void> written = m_context.store->writeState({advance}); !written) {
            return retryLater(nowMs, written.error().message);
        }
        updateStatus([due](TriggerStatus &s) { s.skipped += due; });
    } else {
        store::IngestRequest request;
        request.deliveryId = QStringLiteral("run:%1").arg(*latest);
        request.message.businessKey = isoTime(*latest, m_settings.zone);
        request.message.headers = R"({"trigger":"schedule"})";
        request.message.payload = payloadFor(
            *latest, m_settings.missed == ScheduleSettings::Missed::FireOnce ? missed : 0);
        request.stateWrites = {advance};
        if (Result<store::IngestResult> stored = ingest(std::move(request)); !stored) {
            return retryLater(nowMs, stored.error().message);
        }
        if (m_settings.missed == ScheduleSettings::Missed::Skip) {
            updateStatus([missed](TriggerStatus &s) { s.skipped += missed; });
        }
    }
    m_lastRunMs = *latest;
    recordSuccess(nowMs);
    const qint64 next = m_settings.nextAfter(std::max(*latest, nowMs))
                            .value_or(std::numeric_limits<qint64>::max());
    updateStatus([next](TriggerStatus &s) { s.nextRunAtMs = next; });
    return next;
}

} // namespace syncline::engine::runtime
