#include "exceptiontable.h"

#include "cli.h"

#include <QDateTime>
#include <QStringList>

namespace syncline::cli {

namespace {

QString str(const nlohmann::json &object, const char *key)
{
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
        return {};
    }
    return found->is_string() ? QString::fromStdString(found->get<std::string>())
                              : QString::fromStdString(found->dump());
}

qint64 num(const nlohmann::json &object, const char *key)
{
    const auto found = object.find(key);
    return found != object.end() && found->is_number_integer() ? found->get<qint64>() : 0;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// "45s", "12m", "3h", "2d".
QString span(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s < 60) {
        return QStringLiteral("%1s").arg(s);
    }
    if (s < 3600) {
        return QStringLiteral("%1m").arg(s / 60);
    }
    if (s < 86'400) {
        return QStringLiteral("%1h").arg(s / 3600);
    }
    return QStringLiteral("%1d").arg(s / 86'400);
}

QString when(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString due(const nlohmann::json &e)
{
    if (str(e, "state") == QLatin1String("resolved")) {
        return str(e, "resolution");
    }
    const qint64 left = num(e, "slaDueAt") - nowMs();
    return left >= 0 ? QStringLiteral("in %1").arg(span(left))
                     : QStringLiteral("OVERDUE %1").arg(span(-left));
}

QString clipped(const QString &text, int width)
{
    return text.size() <= width ? text : text.left(width - 1) + QStringLiteral("…");
}

// Columns padded to their widest cell.
QString table(const QStringList &header, const QList<QStringList> &rows)
{
    QList<int> widths;
    for (const QString &title : header) {
        widths.append(int(title.size()));
    }
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], int(row[i].size()));
        }
    }
    const auto line = [&widths](const QStringList &cells) {
        QString text;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            text += i + 1 < cells.size() ? cells[i].leftJustified(widths[i] + 2) : cells[i];
        }
        return text + u'\n';
    };
    QString out = line(header);
    for (const QStringList &row : rows) {
        out += line(row);
    }
    return out;
}

QString indented(const QString &text, const QString &prefix = QStringLiteral("    "))
{
    QStringList lines = text.split(u'\n');
    for (QString &l : lines) {
        l.prepend(prefix);
    }
    return lines.join(u'\n') + u'\n';
}

QString pretty(const nlohmann::json &value)
{
    return value.is_null() ? QStringLiteral("(none)")
                           : QString::fromStdString(value.dump(
                                 2, ' ', false, nlohmann::json::error_handler_t::replace));
}

QString reasonText(const nlohmann::json &e)
{
    const QString pointer = str(e, "pointer");
    return pointer.isEmpty() ? str(e, "reasonCode")
                             : QStringLiteral("%1 %2").arg(str(e, "reasonCode"), pointer);
}

QString countLines(const nlohmann::json &counts)
{
    QString out;
    if (!counts.is_object()) {
        return out;
    }
    for (const auto &[group, rows] : counts.items()) {
        QStringList parts;
        for (const nlohmann::json &row : rows) {
            const QString key =
                group == "node" ? str(row, "flow") + u'/' + str(row, "key") : str(row, "key");
            parts.append(QStringLiteral("%1 %2").arg(key).arg(num(row, "count")));
        }
        out +=
            QStringLiteral("By %1: %2\n")
                .arg(QString::fromStdString(group),
                     parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", ")));
    }
    return out;
}

} // namespace

QString textTable(const QStringList &header, const QList<QStringList> &rows)
{
    return table(header, rows);
}

QString pathFor(qint64 id, const char *action)
{
    const QString path = QStringLiteral("/api/v1/exceptions/%1").arg(id);
    return action ? path + u'/' + QLatin1String(action) : path;
}

QByteArray bodyWith(const nlohmann::json &fields)
{
    return QByteArray::fromStdString(fields.dump());
}

int reportAnswer(const QString &command,
                 const std::optional<AdminAnswer> &answer,
                 const QString &error,
                 bool json,
                 const std::function<QString(const nlohmann::json &)> &readable)
{
    if (!answer) {
        err(QStringLiteral("syncline-engine %1: %2\n").arg(command, error));
        return kExitProblems;
    }
    const bool fine = answer->status >= 200 && answer->status < 300; // 201: a job was created
    if (json) {
        (fine ? out : err)(QString::fromStdString(answer->body.dump()) + u'\n');
        return fine ? kExitOk : kExitProblems;
    }
    if (!fine) {
        err(QStringLiteral("syncline-engine %1: the engine answered %2: %3%4\n")
                .arg(command)
                .arg(answer->status)
                .arg(AdminClient::problemText(*answer), violationLines(answer->body)));
        return kExitProblems;
    }
    out(readable(answer->body));
    return kExitOk;
}

QString violationLines(const nlohmann::json &problem)
{
    QString out;
    if (!problem.is_object() || !problem.contains("violations")) {
        return out;
    }
    for (const nlohmann::json &v : problem["violations"]) {
        const QString pointer = str(v, "pointer");
        out += QStringLiteral("\n  %1: %2")
                   .arg(pointer.isEmpty() ? QStringLiteral("(the whole "
                                                           "input)")
                                          : pointer,
                        str(v, "message"));
    }
    return out;
}

QString listTable(const nlohmann::json &answer)
{
    const nlohmann::json items = answer.value("items", nlohmann::json::array());
    QString out;
    if (items.empty()) {
        out = QStringLiteral("No exceptions match.\n");
    } else {
        QList<QStringList> rows;
        const qint64 now = nowMs();
        for (const nlohmann::json &e : items) {
            rows.append({str(e, "id"),
                         span(now - num(e, "createdAt")),
                         str(e, "state"),
                         str(e, "category"),
                         clipped(reasonText(e), 32),
                         clipped(str(e, "flow") + QStringLiteral(" / ") + str(e, "node"), 40),
                         str(e, "businessKey"),
                         str(e, "ownerRole"),
                         str(e, "assignee"),
                         due(e)});
        }
        out = table({QStringLiteral("ID"),
                     QStringLiteral("AGE"),
                     QStringLiteral("STATE"),
                     QStringLiteral("CATEGORY"),
                     QStringLiteral("REASON"),
                     QStringLiteral("FLOW / NODE"),
                     QStringLiteral("BUSINESS KEY"),
                     QStringLiteral("OWNER"),
                     QStringLiteral("ASSIGNEE"),
                     QStringLiteral("SLA")},
                    rows);
        out += QStringLiteral("%1 shown of %2.").arg(items.size()).arg(num(answer, "total"));
        const QString next = str(answer, "nextCursor");
        out += next.isEmpty() ? QStringLiteral("\n")
                              : QStringLiteral(" More: --cursor %1\n").arg(next);
    }
    return out + countLines(answer.value("counts", nlohmann::json::object()));
}

QString exceptionSheet(const nlohmann::json &e)
{
    QString out = QStringLiteral("Exception %1 · %2 · %3\n")
                      .arg(str(e, "id"), str(e, "category"), reasonText(e));
    const auto row = [&out](const QString &label, const QString &value) {
        out += QStringLiteral("  %1%2\n").arg(label.leftJustified(15), value);
    };
    QString where = QStringLiteral("%1 v%2 · node %3")
                        .arg(str(e, "flow"), str(e, "flowVersion"), str(e, "node"));
    if (str(e, "raisedAtNode") != str(e, "node")) {
        where += QStringLiteral(" (raised by %1)").arg(str(e, "raisedAtNode"));
    }
    row(QStringLiteral("Flow"), where);
    QString state = QStringLiteral("%1 · owner %2").arg(str(e, "state"), str(e, "ownerRole"));
    if (!str(e, "assignee").isEmpty()) {
        state += QStringLiteral(" · assigned to %1").arg(str(e, "assignee"));
    }
    if (str(e, "state") == QLatin1String("resolved")) {
        state += QStringLiteral(" · %1 by %2 (%3)")
                     .arg(str(e, "resolution"), str(e, "resolvedBy"), str(e, "resolutionReason"));
    } else {
        state += QStringLiteral(" · due %1").arg(due(e));
    }
    row(QStringLiteral("State"), state);
    row(QStringLiteral("Business key"),
        str(e, "businessKey").isEmpty() ? QStringLiteral("(none)") : str(e, "businessKey"));
    row(QStringLiteral("Correlation"), str(e, "correlationId"));
    row(QStringLiteral("Created"),
        QStringLiteral("%1 after %2 attempt(s)")
            .arg(when(num(e, "createdAt")), str(e, "attempts")));
    out += QStringLiteral("What went wrong\n") + indented(str(e, "detail"));
    const nlohmann::json facts = e.value("facts", nlohmann::json::object());
    if (facts.is_object() && facts.contains("targetError")) {
        out += QStringLiteral("The target's own error (%1 answered %2)\n")
                   .arg(str(facts, "system"), str(facts, "status")) +
               indented(pretty(facts["targetError"]));
    }
    const nlohmann::json schema = e.value("inputSchema", nlohmann::json());
    row(QStringLiteral("Input schema"),
        schema.is_object() ? QStringLiteral("canonical entity %1 (declared by %2)")
                                 .arg(str(schema, "entity"), str(schema, "declaredBy"))
                           : QStringLiteral("none declared: a repair must be well-formed JSON"));
    out += QStringLiteral("Input (original, message %1)\n").arg(str(e, "messageId")) +
           indented(e.contains("inputError")
                        ? QStringLiteral("cannot be read: ") + str(e, "inputError")
                        : pretty(e.value("input", nlohmann::json())));
    for (const nlohmann::json &v : e.value("repairedVersions", nlohmann::json::array())) {
        out += QStringLiteral("Repaired version %1 by %2 at %3%4\n")
                   .arg(str(v, "version"),
                        str(v, "actor"),
                        when(num(v, "at")),
                        str(v, "reason").isEmpty() ? QString()
                                                   : QStringLiteral(": ") + str(v, "reason")) +
               indented(pretty(v.value("payload", nlohmann::json())));
    }
    out += QStringLiteral("History\n");
    for (const nlohmann::json &h : e.value("history", nlohmann::json::array())) {
        out += QStringLiteral("    %1  %2  %3  %4\n")
                   .arg(when(num(h, "at")),
                        str(h, "actor").leftJustified(10),
                        str(h, "kind").leftJustified(9),
                        str(h, "text"));
    }
    if (e.value("replayable", false)) {
        out += QStringLiteral("Replay it with: syncline-engine replay %1 --reason \"…\"\n")
                   .arg(str(e, "id"));
    } else if (!str(e, "replayBlocker").isEmpty()) {
        out += QStringLiteral("Cannot be replayed: %1\n").arg(str(e, "replayBlocker"));
    }
    return out;
}

QString actionLine(const nlohmann::json &e)
{
    if (str(e, "kind") == QLatin1String("comment")) {
        return QStringLiteral("Comment added to the history.\n");
    }
    QString state = str(e, "state");
    if (!str(e, "assignee").isEmpty() && state == QLatin1String("assigned")) {
        state += QStringLiteral(" to %1").arg(str(e, "assignee"));
    }
    if (state == QLatin1String("resolved")) {
        state += QStringLiteral(" (%1)").arg(str(e, "resolution"));
    }
    return QStringLiteral("Exception %1 is now %2.\n").arg(str(e, "id"), state);
}

QString repairLine(const nlohmann::json &answer)
{
    const nlohmann::json version = answer.value("version", nlohmann::json::object());
    const QString schema = str(answer, "schema");
    QString out =
        QStringLiteral("Repaired input kept as version %1 (%2).\n")
            .arg(str(version, "version"),
                 schema.isEmpty() ? QStringLiteral("no canonical schema is declared for it; it is "
                                                   "well-formed JSON")
                                  : QStringLiteral("a valid %1").arg(schema));
    if (answer.contains("replay") && answer["replay"].is_object()) {
        out += replayLine(answer["replay"]);
    } else {
        out += QStringLiteral("Replay it with: syncline-engine replay %1 --reason \"…\"\n")
                   .arg(str(answer, "exception"));
    }
    return out;
}

QString replayLine(const nlohmann::json &t)
{
    const qint64 version = num(t, "repairVersion");
    QString out = QStringLiteral("Exception %1 replayed: %2 goes again from node %3 of %4 v%5.\n")
                      .arg(str(t, "exception"),
                           version > 0 ? QStringLiteral("repaired input version %1").arg(version)
                                       : QStringLiteral("the stored input"),
                           str(t, "node"),
                           str(t, "flow"),
                           str(t, "flowVersion"));
    if (const qint64 rearmed = num(t, "rearmedEffects"); rearmed > 0) {
        out += QStringLiteral("%1 uncertain call(s) will be sent again with their original "
                              "idempotency key.\n")
                   .arg(rearmed);
    }
    return out;
}

} // namespace syncline::cli
