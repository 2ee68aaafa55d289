#include "replayjobtable.h"

#include "adminclient.h"
#include "exceptiontable.h"

#include <QDateTime>
#include <QStringList>

namespace syncline::cli {

namespace {

QString text(const nlohmann::json &object, const char *key)
{
    return AdminClient::memberText(object, key);
}

qint64 number(const nlohmann::json &object, const char *key)
{
    const auto found = object.find(key);
    return found != object.end() && found->is_number() ? found->get<qint64>() : 0;
}

} // namespace

QString rateText(const nlohmann::json &job)
{
    const auto rate = job.find("rate");
    return rate != job.end() && rate->is_number() ? QString::number(rate->get<double>()) + QStringLiteral("/s")
                                                  : QString();
}

namespace {

// "45s", "3m 20s", "2h 5m".
QString duration(qint64 seconds)
{
    if (seconds < 60) {
        return QStringLiteral("%1s").arg(seconds);
    }
    if (seconds < 3600) {
        return QStringLiteral("%1m %2s").arg(seconds / 60).arg(seconds % 60);
    }
    return QStringLiteral("%1h %2m").arg(seconds / 3600).arg(seconds % 3600 / 60);
}

QString filterText(const nlohmann::json &filter)
{
    QStringList parts;
    for (auto it = filter.begin(); it != filter.end(); ++it) {
        const QString value = it->is_string() ? QString::fromStdString(it->get<std::string>())
                                              : QString::fromStdString(it->dump());
        parts.append(QString::fromStdString(it.key()) + u'=' + value);
    }
    return parts.join(u' ');
}

QString progressText(const nlohmann::json &job)
{
    const nlohmann::json &p = job.value("progress", nlohmann::json::object());
    QString out = QStringLiteral("%1 of %2 done (%3%)")
                      .arg(number(p, "done"))
                      .arg(number(job, "total"))
                      .arg(text(p, "percent"));
    if (const auto rate = p.find("observedRate"); rate != p.end() && rate->is_number()) {
        out += QStringLiteral(", %1/s").arg(text(p, "observedRate"));
    }
    if (const auto eta = p.find("etaSeconds"); eta != p.end() && eta->is_number()) {
        out += QStringLiteral(", about %1 left").arg(duration(eta->get<qint64>()));
    }
    return out;
}

} // namespace

QString dryRunText(const nlohmann::json &preview)
{
    QString out = QStringLiteral("Dry run — nothing was replayed. %1 unresolved exception(s) of "
                                 "flow %2 match; %3 would be replayed")
                      .arg(number(preview, "matching"))
                      .arg(text(preview, "flow"))
                      .arg(number(preview, "replays"));
    if (const auto seconds = preview.find("estimatedSeconds"); seconds != preview.end()
                                                              && seconds->is_number()) {
        out += QStringLiteral(", in about %1 at the rate given").arg(duration(seconds->get<qint64>()));
    }
    out += QStringLiteral(".\n");
    if (const qint64 blocked = number(preview, "notReplayable"); blocked > 0) {
        out += QStringLiteral("%1 cannot be replayed (discard them instead).\n").arg(blocked);
    }
    QList<QStringList> rows;
    QStringList skippedLines;
    for (const nlohmann::json &t : preview.value("targets", nlohmann::json::array())) {
        const qint64 conditional = number(t, "conditionalCalls");
        rows.append({text(t, "system"),
                     conditional > 0 ? QStringLiteral("%1 (up to %2)")
                                           .arg(number(t, "calls"))
                                           .arg(number(t, "upTo"))
                                     : QString::number(number(t, "calls")),
                     QString::number(number(t, "resent")),
                     QString::number(number(t, "skipped"))});
        for (const nlohmann::json &e : t.value("skippedEffects", nlohmann::json::array())) {
            skippedLines.append(QStringLiteral("  %1  exception %2, node %3, %4")
                                    .arg(text(t, "system"),
                                         text(e, "exception"),
                                         text(e, "node"),
                                         text(e, "businessKey").isEmpty()
                                             ? text(e, "idempotencyKey")
                                             : text(e, "businessKey")));
        }
    }
    if (rows.isEmpty()) {
        out += QStringLiteral("No calls to any system.\n");
    } else {
        out += u'\n'
               + textTable({QStringLiteral("SYSTEM"),
                            QStringLiteral("CALLS"),
                            QStringLiteral("SENT AGAIN (SAME KEY)"),
                            QStringLiteral("SKIPPED (ALREADY SUCCEEDED)")},
                           rows);
    }
    if (!skippedLines.isEmpty()) {
        out += QStringLiteral("\nSkipped effects:\n") + skippedLines.join(u'\n') + u'\n';
    }
    for (const nlohmann::json &note : preview.value("notes", nlohmann::json::array())) {
        out += QStringLiteral("Note: %1.\n").arg(QString::fromStdString(note.get<std::string>()));
    }
    return out;
}

QString jobsTable(const nlohmann::json &answer)
{
    const nlohmann::json &jobs = answer.value("jobs", nlohmann::json::array());
    if (jobs.empty()) {
        return QStringLiteral("No replay jobs.\n");
    }
    QList<QStringList> rows;
    for (const nlohmann::json &job : jobs) {
        rows.append({text(job, "id"),
                     text(job, "state"),
                     text(job, "flow"),
                     rateText(job),
                     QStringLiteral("%1/%2").arg(number(job.value("progress", nlohmann::json()),
                                                        "done"))
                         .arg(number(job, "total")),
                     text(job, "replayed"),
                     text(job, "skipped"),
                     text(job, "failed"),
                     text(job, "createdBy"),
                     QDateTime::fromMSecsSinceEpoch(number(job, "createdAt"))
                         .toString(QStringLiteral("yyyy-MM-dd HH:mm"))});
    }
    return textTable({QStringLiteral("ID"),
                      QStringLiteral("STATE"),
                      QStringLiteral("FLOW"),
                      QStringLiteral("RATE"),
                      QStringLiteral("DONE"),
                      QStringLiteral("REPLAYED"),
                      QStringLiteral("SKIPPED"),
                      QStringLiteral("FAILED"),
                      QStringLiteral("BY"),
                      QStringLiteral("CREATED")},
                     rows);
}

QString jobSheet(const nlohmann::json &job)
{
    QString out = QStringLiteral("Replay job %1 — %2\n").arg(text(job, "id"), text(job, "state"));
    out += QStringLiteral("  flow       %1\n").arg(text(job, "flow"));
    out += QStringLiteral("  filter     %1\n").arg(filterText(job.value("filter", nlohmann::json::object())));
    out += QStringLiteral("  rate       %1 (messages a second)\n").arg(rateText(job));
    out += QStringLiteral("  reason     %1 (by %2)\n").arg(text(job, "reason"), text(job, "createdBy"));
    out += QStringLiteral("  progress   %1\n").arg(progressText(job));
    out += QStringLiteral("  outcome    %1 replayed, %2 skipped, %3 failed\n")
               .arg(number(job, "replayed"))
               .arg(number(job, "skipped"))
               .arg(number(job, "failed"));
    if (const QString detail = text(job, "detail"); !detail.isEmpty()) {
        out += QStringLiteral("  last error %1\n").arg(detail);
    }
    for (const auto &[key, title] : {std::pair{"failedItems", "Failed"},
                                     std::pair{"skippedItems", "Skipped"}}) {
        const nlohmann::json &items = job.value(key, nlohmann::json::array());
        if (items.empty()) {
            continue;
        }
        out += QStringLiteral("%1:\n").arg(QLatin1String(title));
        for (const nlohmann::json &item : items) {
            out += QStringLiteral("  exception %1: %2\n").arg(text(item, "exception"),
                                                             text(item, "detail"));
        }
    }
    return out;
}

QString jobLine(const nlohmann::json &job)
{
    return QStringLiteral("Replay job %1 is %2 (%3).\n")
        .arg(text(job, "id"), text(job, "state"), progressText(job));
}

} // namespace syncline::cli
