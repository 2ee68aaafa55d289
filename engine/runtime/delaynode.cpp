#include "engine/runtime/delaynode.h"

#include "engine/runtime/nodesupport.h"

#include <QDateTime>

namespace syncline::engine::runtime {

namespace {

Error invalid(const QString &message)
{
    return Error::make(QStringLiteral("SETTINGS_INVALID"), message);
}

Result<DelayWindow> readWindow(const nlohmann::json &window)
{
    static const QStringList dayNames = {QStringLiteral("mon"), QStringLiteral("tue"),
                                         QStringLiteral("wed"), QStringLiteral("thu"),
                                         QStringLiteral("fri"), QStringLiteral("sat"),
                                         QStringLiteral("sun")};
    DelayWindow w;
    const nlohmann::json days = window.value("days", nlohmann::json::array());
    for (const auto &day : days) {
        const qsizetype index = day.is_string()
                                    ? dayNames.indexOf(QString::fromStdString(day.get<std::string>()))
                                    : -1;
        if (index < 0) {
            return invalid(QStringLiteral("settings/window/days: each day is one of %1")
                               .arg(dayNames.join(QStringLiteral(", "))));
        }
        w.days.append(int(index) + 1);
    }
    if (days.empty()) {
        w.days = {1, 2, 3, 4, 5, 6, 7};
    }
    w.from = QTime::fromString(settingText(window, "from"), QStringLiteral("HH:mm"));
    w.to = QTime::fromString(settingText(window, "to"), QStringLiteral("HH:mm"));
    if (!w.from.isValid() || !w.to.isValid()) {
        return invalid(QStringLiteral("settings/window: \"from\" and \"to\" are times of day "
                                      "(HH:MM)"));
    }
    const QString zone = settingText(window, "timeZone");
    w.timeZone = zone.isEmpty() ? QTimeZone::utc() : QTimeZone(zone.toLatin1());
    if (!w.timeZone.isValid()) {
        return invalid(QStringLiteral("settings/window/timeZone: \"%1\" is not a known time zone")
                           .arg(zone));
    }
    return w;
}

} // namespace

std::optional<qint64> DelayWindow::nextOpen(qint64 atMs) const
{
    const QDate today = QDateTime::fromMSecsSinceEpoch(atMs, timeZone).date();
    qint64 spanMs = qint64(from.msecsTo(to));
    if (spanMs <= 0) {
        spanMs += 24 * 3'600'000; // past midnight
    }
    // From yesterday (a window past midnight may still be open) to a week ahead.
    for (int offset = -1; offset <= 7; ++offset) {
        const QDate date = today.addDays(offset);
        if (!days.contains(date.dayOfWeek())) {
            continue;
        }
        const qint64 start = QDateTime(date, from, timeZone).toMSecsSinceEpoch();
        if (atMs < start + spanMs) {
            return std::max(atMs, start);
        }
    }
    return std::nullopt;
}

Result<std::shared_ptr<DelayNode>> DelayNode::create(const PlannedNode &node,
                                                     std::function<qint64()> clockMs)
{
    auto delay = std::shared_ptr<DelayNode>(new DelayNode(std::move(clockMs)));
    delay->m_durationMs = settingInteger(node.settings, "durationMs").value_or(0);
    if (delay->m_durationMs < 0) {
        return invalid(QStringLiteral("settings/durationMs: cannot be negative"));
    }
    if (const auto window = node.settings.find("window");
        window != node.settings.end() && window->is_object()) {
        Result<DelayWindow> read = readWindow(*window);
        if (!read) {
            return read.error();
        }
        delay->m_window = std::move(*read);
    }
    if (delay->m_durationMs == 0 && !delay->m_window) {
        return invalid(QStringLiteral("settings: a delay node needs durationMs, a window or both"));
    }
    return delay;
}

qint64 DelayNode::releaseAt(qint64 nowMs) const
{
    const qint64 held = nowMs + m_durationMs;
    if (!m_window) {
        return held;
    }
    return m_window->nextOpen(held).value_or(held);
}

NodeOutcome DelayNode::run(const store::WorkItem &)
{
    const qint64 now = m_clockMs();
    const qint64 release = releaseAt(now);
    if (release <= now) {
        return NodeOutcome::next();
    }
    NodeOutcome outcome = NodeOutcome::produce({{QString(), std::nullopt, QStringLiteral("next"),
                                                 release, {}}});
    outcome.errorDetail = QStringLiteral("held until %1")
                              .arg(QDateTime::fromMSecsSinceEpoch(release, Qt::UTC)
                                       .toString(Qt::ISODateWithMs));
    return outcome;
}

} // namespace syncline::engine::runtime
