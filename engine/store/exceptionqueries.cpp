#include "engine/store/exceptionjobs.h"
#include "engine/store/payloadcodec.h"

#include <functional>
#include <variant>
#include <vector>

namespace syncline::engine::store {

namespace {

// Runs `onRow` for each row the statement gives, until it returns false.
Result<void> eachRow(Statement &s, const std::function<bool(const Statement &)> &onRow)
{
    for (;;) {
        Result<bool> row = s.step();
        if (!row) {
            return row.error();
        }
        if (!*row || !onRow(s)) {
            return {};
        }
    }
}

constexpr auto kColumns =
    "e.id, e.created_at, e.updated_at, e.category, e.reason_code, e.pointer, e.facts,"
    " e.flow_id, e.flow_version, e.node_id, e.raised_at_node, e.message_id,"
    " coalesce(e.work_item_id, 0), e.detail, e.attempts, e.correlation_id, e.business_key,"
    " e.owner_role, e.sla_due_at, e.state, e.assignee, e.resolution, e.resolution_reason,"
    " e.resolved_by, e.resolved_at, e.previous_id, e.replay_blocker,"
    " (SELECT count(*) FROM exception_repairs r WHERE r.exception_id = e.id)";

ExceptionState stateFromName(const QString &name)
{
    if (name == QLatin1String("assigned")) {
        return ExceptionState::Assigned;
    }
    return name == QLatin1String("resolved") ? ExceptionState::Resolved : ExceptionState::Open;
}

Resolution resolutionFromName(const QString &name)
{
    for (Resolution r : {Resolution::Replayed, Resolution::Repaired, Resolution::Discarded}) {
        if (resolutionName(r) == name) {
            return r;
        }
    }
    return Resolution::None;
}

ExceptionRecord recordFrom(const Statement &s)
{
    ExceptionRecord r;
    r.id = s.int64(0);
    r.createdAtMs = s.int64(1);
    r.updatedAtMs = s.int64(2);
    r.category = exceptionCategoryFromName(s.qtext(3)).value_or(ExceptionCategory::Technical);
    r.reasonCode = s.qtext(4);
    r.pointer = s.qtext(5);
    r.facts = s.bytes(6);
    r.flowId = s.qtext(7);
    r.flowVersion = int(s.int64(8));
    r.nodeId = s.qtext(9);
    r.raisedAtNodeId = s.qtext(10);
    r.messageId = s.qtext(11);
    r.workItemId = s.int64(12);
    r.detail = s.qtext(13);
    r.attempts = int(s.int64(14));
    r.correlationId = s.qtext(15);
    r.businessKey = s.qtext(16);
    r.ownerRole = s.qtext(17);
    r.slaDueAtMs = s.int64(18);
    r.state = stateFromName(s.qtext(19));
    r.assignee = s.qtext(20);
    r.resolution = resolutionFromName(s.qtext(21));
    r.resolutionReason = s.qtext(22);
    r.resolvedBy = s.qtext(23);
    r.resolvedAtMs = s.int64(24);
    r.previousId = s.int64(25);
    r.replayBlocker = s.qtext(26);
    r.repairs = int(s.int64(27));
    return r;
}

using Bound = std::variant<qint64, QString>;

// The WHERE terms of a filter and the values they bind, in order. Terms are written so that
// the partial indexes apply: "state <> 'resolved'" literally for unresolved ones, and
// "business_key <> ''" beside a business key.
struct Where
{
    QStringList terms;
    std::vector<Bound> values;

    void add(const QString &term, Bound value)
    {
        terms.append(term);
        values.push_back(std::move(value));
    }
    void addText(const QString &column, const QString &value)
    {
        if (!value.isEmpty()) {
            add(column + QStringLiteral(" = ?"), value);
        }
    }
    QString sql() const
    {
        return terms.isEmpty() ? QString() : QStringLiteral(" WHERE ") + terms.join(u" AND ");
    }
    void bind(Statement &s) const
    {
        int index = 1;
        for (const Bound &value : values) {
            if (const qint64 *number = std::get_if<qint64>(&value)) {
                s.bind(index++, *number);
            } else {
                s.bind(index++, std::get<QString>(value));
            }
        }
    }
};

void addStates(Where &where, ExceptionFilter::States states, const QString &prefix)
{
    const QString unresolved = prefix + QStringLiteral("state <> 'resolved'");
    switch (states) {
    case ExceptionFilter::States::Any:
        return;
    case ExceptionFilter::States::Unresolved:
        where.terms.append(unresolved);
        return;
    case ExceptionFilter::States::Open:
        where.terms.append(unresolved);
        where.terms.append(prefix + QStringLiteral("state = 'open'"));
        return;
    case ExceptionFilter::States::Assigned:
        where.terms.append(unresolved);
        where.terms.append(prefix + QStringLiteral("state = 'assigned'"));
        return;
    case ExceptionFilter::States::Resolved:
        where.terms.append(prefix + QStringLiteral("state = 'resolved'"));
        return;
    }
}

// The terms the tally table can answer (it has these columns with the same names).
void addTallyTerms(Where &where, const ExceptionFilter &filter, const QString &prefix)
{
    where.addText(prefix + QStringLiteral("flow_id"), filter.flowId);
    where.addText(prefix + QStringLiteral("node_id"), filter.nodeId);
    if (filter.category) {
        where.add(prefix + QStringLiteral("category = ?"), exceptionCategoryName(*filter.category));
    }
    where.addText(prefix + QStringLiteral("reason_code"), filter.reasonCode);
    where.addText(prefix + QStringLiteral("owner_role"), filter.ownerRole);
    addStates(where, filter.states, prefix);
}

Where whereFor(const ExceptionFilter &filter)
{
    Where where;
    addTallyTerms(where, filter, QStringLiteral("e."));
    if (!filter.businessKey.isEmpty()) {
        where.terms.append(QStringLiteral("e.business_key <> ''"));
        where.add(QStringLiteral("e.business_key = ?"), filter.businessKey);
    }
    where.addText(QStringLiteral("e.correlation_id"), filter.correlationId);
    if (filter.createdBeforeMs) {
        where.add(QStringLiteral("e.created_at < ?"), *filter.createdBeforeMs);
    }
    if (filter.createdAfterMs) {
        where.add(QStringLiteral("e.created_at > ?"), *filter.createdAfterMs);
    }
    if (filter.overdueAtMs) {
        if (filter.states != ExceptionFilter::States::Unresolved) {
            where.terms.append(QStringLiteral("e.state <> 'resolved'"));
        }
        where.add(QStringLiteral("e.sla_due_at < ?"), *filter.overdueAtMs);
    }
    return where;
}

// Whether the tally table answers the filter: only the columns it keeps are filtered on.
bool talliesAnswer(const ExceptionFilter &filter)
{
    return filter.businessKey.isEmpty() && filter.correlationId.isEmpty() &&
           !filter.createdBeforeMs && !filter.createdAfterMs && !filter.overdueAtMs;
}

// The exceptions a count scans: by age alone, through an index on created_at that also holds
// every grouped column — the unresolved ones' own when only those count — so no table row is
// read (the planner would rather skip-scan the reason index); by business key or correlation
// id, through their own indexes.
QString countedFrom(const ExceptionFilter &filter)
{
    const bool byAge = filter.createdBeforeMs || filter.createdAfterMs;
    if (!byAge || !filter.businessKey.isEmpty() || !filter.correlationId.isEmpty()) {
        return QStringLiteral("exceptions e");
    }
    const bool unresolvedOnly = filter.states != ExceptionFilter::States::Any &&
                                filter.states != ExceptionFilter::States::Resolved;
    return unresolvedOnly ? QStringLiteral("exceptions e INDEXED BY exceptions_unresolved")
                          : QStringLiteral("exceptions e INDEXED BY exceptions_created");
}

const char *groupColumns(ExceptionGroup group)
{
    switch (group) {
    case ExceptionGroup::Reason:
        return "reason_code, ''";
    case ExceptionGroup::Flow:
        return "flow_id, ''";
    case ExceptionGroup::Node:
        return "node_id, flow_id";
    case ExceptionGroup::State:
        return "state, ''";
    case ExceptionGroup::Category:
        return "category, ''";
    case ExceptionGroup::Owner:
        return "owner_role, ''";
    }
    return "reason_code, ''";
}

Result<qint64> single(Connection &c, const QString &sql, const Where &where)
{
    Result<Statement> select = c.prepare(sql.toStdString());
    if (!select) {
        return select.error();
    }
    where.bind(*select);
    if (Result<bool> row = select->step(); !row) {
        return row.error();
    }
    return qint64(select->int64(0));
}

} // namespace

Result<std::optional<ExceptionRecord>> readException(Connection &c, qint64 id)
{
    Result<Statement *> select =
        c.cached(std::string("SELECT ") + kColumns + " FROM exceptions e WHERE e.id = ?");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, id);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<ExceptionRecord>();
    }
    ExceptionRecord record = recordFrom(**select);
    (*select)->reset(true);
    return std::optional<ExceptionRecord>(std::move(record));
}

Result<ExceptionPage> readExceptionPage(Connection &c,
                                        const ExceptionFilter &filter,
                                        std::optional<ExceptionCursor> after,
                                        int limit)
{
    Where where = whereFor(filter);
    if (after) {
        where.terms.append(QStringLiteral("(e.created_at, e.id) < (?, ?)"));
        where.values.push_back(after->createdAtMs);
        where.values.push_back(after->id);
    }
    const QString sql = QStringLiteral("SELECT %1 FROM exceptions e%2"
                                       " ORDER BY e.created_at DESC, e.id DESC LIMIT %3")
                            .arg(QLatin1String(kColumns), where.sql())
                            .arg(limit + 1); // one more tells whether another page follows
    Result<Statement> select = c.prepare(sql.toStdString());
    if (!select) {
        return select.error();
    }
    where.bind(*select);
    ExceptionPage page;
    const Result<void> read = eachRow(*select, [&page, limit](const Statement &row) {
        if (page.items.size() == limit) {
            const ExceptionRecord &last = page.items.last();
            page.next = ExceptionCursor{last.createdAtMs, last.id};
            return false;
        }
        page.items.append(recordFrom(row));
        return true;
    });
    if (!read) {
        return read.error();
    }
    return page;
}

Result<qint64> countExceptions(Connection &c, const ExceptionFilter &filter)
{
    if (talliesAnswer(filter)) {
        Where where;
        addTallyTerms(where, filter, QString());
        return single(c,
                      QStringLiteral("SELECT coalesce(sum(count), 0) FROM exception_tallies") +
                          where.sql(),
                      where);
    }
    const Where where = whereFor(filter);
    return single(
        c, QStringLiteral("SELECT count(*) FROM ") + countedFrom(filter) + where.sql(), where);
}

Result<QList<GroupCount>>
countExceptionsBy(Connection &c, const ExceptionFilter &filter, ExceptionGroup group)
{
    Where where;
    QString from;
    QString columns = QLatin1String(groupColumns(group));
    QString sum;
    if (talliesAnswer(filter)) {
        addTallyTerms(where, filter, QString());
        from = QStringLiteral("exception_tallies");
        sum = QStringLiteral("sum(count)");
    } else {
        where = whereFor(filter);
        from = countedFrom(filter);
        columns = QStringLiteral("e.") +
                  columns.replace(QStringLiteral(", flow_id"), QStringLiteral(", e.flow_id"));
        sum = QStringLiteral("count(*)");
    }
    const QString sql = QStringLiteral("SELECT %1, %2 FROM %3%4 GROUP BY 1, 2 HAVING %2 > 0"
                                       " ORDER BY 3 DESC, 1, 2")
                            .arg(columns, sum, from, where.sql());
    Result<Statement> select = c.prepare(sql.toStdString());
    if (!select) {
        return select.error();
    }
    where.bind(*select);
    QList<GroupCount> counts;
    const Result<void> read = eachRow(*select, [&counts](const Statement &row) {
        counts.append({row.qtext(0), row.qtext(1), row.int64(2)});
        return true;
    });
    if (!read) {
        return read.error();
    }
    return counts;
}

Result<ExceptionDetail> readExceptionDetail(Connection &c, const ExceptionRecord &record)
{
    ExceptionDetail detail;
    detail.record = record;
    Result<Statement> message =
        c.prepare("SELECT payload, headers, payload_encoding FROM messages WHERE message_id = ?");
    if (!message) {
        return message.error();
    }
    message->bind(1, record.messageId);
    Result<bool> found = message->step();
    if (!found) {
        return found.error();
    }
    if (*found) {
        // An unreadable input is what such an exception is about: shown, not a failed detail.
        Result<QByteArray> input = readPayload(*message, 0, 2, record.messageId);
        if (input) {
            detail.input = std::move(*input);
        } else {
            detail.inputError = input.error().message;
        }
        detail.headers = message->bytes(1);
    }
    Result<Statement> repairs =
        c.prepare("SELECT r.version, r.message_id, m.payload, r.actor, r.role, r.reason, r.at,"
                  " m.payload_encoding FROM exception_repairs r"
                  " JOIN messages m ON m.message_id = r.message_id"
                  " WHERE r.exception_id = ? ORDER BY r.version");
    if (!repairs) {
        return repairs.error();
    }
    repairs->bind(1, record.id);
    Result<void> unreadable;
    const Result<void> readRepairs = eachRow(*repairs, [&](const Statement &row) {
        const QString messageId = row.qtext(1);
        Result<QByteArray> payload = readPayload(row, 2, 7, messageId);
        if (!payload) {
            unreadable = payload.error();
            return false;
        }
        detail.repairs.append({int(row.int64(0)), messageId, std::move(*payload),
                               row.qtext(3), row.qtext(4), row.qtext(5), row.int64(6)});
        return true;
    });
    if (!readRepairs) {
        return readRepairs.error();
    }
    if (!unreadable) {
        return unreadable.error();
    }
    Result<Statement> events = c.prepare("SELECT id, at, actor, role, kind, text"
                                         " FROM exception_events WHERE exception_id = ?"
                                         " ORDER BY id");
    if (!events) {
        return events.error();
    }
    events->bind(1, record.id);
    const Result<void> readEvents = eachRow(*events, [&detail](const Statement &row) {
        detail.events.append({row.int64(0), row.int64(1), row.qtext(2), row.qtext(3),
                              row.qtext(4), row.qtext(5)});
        return true;
    });
    if (!readEvents) {
        return readEvents.error();
    }
    return detail;
}

} // namespace syncline::engine::store
