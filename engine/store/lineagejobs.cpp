#include "engine/store/lineagejobs.h"

#include "engine/json/intake.h"
#include "engine/json/value.h"
#include "engine/store/payloadcodec.h"

#include <QHash>
#include <QQueue>
#include <QSet>

#include <algorithm>

namespace syncline::engine::store {

namespace {

// Every statement finds its rows through an index (tests/engine/lineagestore checks the plans).
constexpr const char *kMessagesByCorrelation =
    "SELECT message_id, flow_id, flow_version, correlation_id, causation_id, business_key,"
    " headers, payload, created_at, payload_encoding FROM messages WHERE correlation_id = ?1"
    " ORDER BY id";
constexpr const char *kMessagesByBusinessKey =
    "SELECT message_id, flow_id, flow_version, correlation_id, causation_id, business_key,"
    " headers, payload, created_at, payload_encoding FROM messages"
    " WHERE business_key = ?1 AND business_key <> '' ORDER BY id"; // the partial index's terms
constexpr const char *kMessageById =
    "SELECT message_id, flow_id, flow_version, correlation_id, causation_id, business_key,"
    " headers, payload, created_at, payload_encoding FROM messages WHERE message_id = ?1";
constexpr const char *kMessageIdsByExternalId =
    "SELECT e.message_id FROM effect_external_ids x"
    " JOIN effects e ON e.idempotency_key = x.idempotency_key WHERE x.external_id = ?1";
constexpr const char *kChildren =
    "SELECT child_id, node_id, kind FROM lineage WHERE parent_id = ?1";
constexpr const char *kParents = "SELECT parent_id, node_id, kind FROM lineage WHERE child_id = ?1";
constexpr const char *kSteps =
    "SELECT node_id, attempt, status, error_code, error_detail, started_at, finished_at"
    " FROM steps WHERE message_id = ?1 ORDER BY id";
constexpr const char *kEffectsByCorrelation =
    "SELECT idempotency_key, message_id, node_id, business_key, target, method, url, state,"
    " attempts, http_status, external_ids, detail, created_at, updated_at"
    " FROM effects WHERE correlation_id = ?1";
constexpr const char *kExceptionsByCorrelation =
    "SELECT id, message_id, node_id, category, reason_code, state, resolution, resolution_reason,"
    " resolved_by, resolved_at, created_at, detail FROM exceptions WHERE correlation_id = ?1";
constexpr const char *kExceptionEvents = "SELECT at, actor, role, kind, text FROM exception_events"
                                         " WHERE exception_id = ?1 ORDER BY id";
constexpr const char *kIndexExternalId =
    "INSERT OR IGNORE INTO effect_external_ids(external_id, name, idempotency_key)"
    " VALUES (?1, ?2, ?3)";

constexpr const char *kStatements[] = {kMessagesByCorrelation,
                                       kMessagesByBusinessKey,
                                       kMessageById,
                                       kMessageIdsByExternalId,
                                       kChildren,
                                       kParents,
                                       kSteps,
                                       kEffectsByCorrelation,
                                       kExceptionsByCorrelation,
                                       kExceptionEvents};

Result<LineageMessage> messageFrom(const Statement &s)
{
    LineageMessage m;
    m.messageId = s.qtext(0);
    m.flowId = s.qtext(1);
    m.flowVersion = int(s.int64(2));
    m.correlationId = s.qtext(3);
    m.causationId = s.qtext(4);
    m.businessKey = s.qtext(5);
    m.headers = s.bytes(6);
    Result<QByteArray> payload = readPayload(s, 7, 9, m.messageId);
    if (!payload) {
        return payload.error();
    }
    m.payload = std::move(*payload);
    m.createdAtMs = s.int64(8);
    return m;
}

QList<ExternalId> externalIdsFrom(const QByteArray &text)
{
    QList<ExternalId> ids;
    if (text.isEmpty()) {
        return ids;
    }
    const json::IntakeResult parsed = json::JsonIntake::parse(text);
    if (!parsed.ok() || !parsed.value().isObject()) {
        return ids;
    }
    for (const json::Member &member : parsed.value().members()) {
        const std::string_view name = member.key.view();
        const QString value = member.value.isString() ? member.value.toQString()
                              : member.value.isNumber()
                                  ? QString::fromStdString(member.value.numberToText())
                                  : QString();
        if (!value.isEmpty()) {
            ids.append({QString::fromUtf8(name.data(), qsizetype(name.size())), value});
        }
    }
    return ids;
}

// Runs the cached statement `sql` with `value` for ?1 and hands each row to `row` until it
// returns false.
template<typename Key, typename RowFn>
Result<void> eachRow(Connection &c, const char *sql, const Key &value, RowFn &&row)
{
    Result<Statement *> s = c.cached(sql);
    if (!s) {
        return s.error();
    }
    (*s)->bind(1, value);
    for (;;) {
        Result<bool> next = (*s)->step();
        if (!next) {
            return next.error();
        }
        if (!*next || !row(std::as_const(**s))) {
            return {};
        }
    }
}

LineageEffect effectFrom(const Statement &r)
{
    LineageEffect e;
    e.idempotencyKey = r.qtext(0);
    e.nodeId = r.qtext(2);
    e.businessKey = r.qtext(3);
    e.target = r.qtext(4);
    e.method = r.qtext(5);
    e.url = r.qtext(6);
    e.state = r.qtext(7);
    e.attempts = int(r.int64(8));
    e.httpStatus = int(r.int64(9));
    e.externalIds = externalIdsFrom(r.bytes(10));
    e.detail = r.qtext(11);
    e.createdAtMs = r.int64(12);
    e.updatedAtMs = r.int64(13);
    return e;
}

LineageException exceptionFrom(const Statement &r)
{
    LineageException x;
    x.id = r.int64(0);
    x.nodeId = r.qtext(2);
    x.category = r.qtext(3);
    x.reasonCode = r.qtext(4);
    x.state = r.qtext(5);
    x.resolution = r.qtext(6);
    x.resolutionReason = r.qtext(7);
    x.resolvedBy = r.qtext(8);
    x.resolvedAtMs = r.int64(9);
    x.createdAtMs = r.int64(10);
    x.detail = r.qtext(11);
    return x;
}

// Breadth first from the matched messages, so that a truncated graph keeps what is nearest to
// them. Neighbours are lineage edges both ways and messages sharing a correlation id.
class Walk
{
public:
    Walk(Connection &c, int maxMessages)
        : m_c(c)
        , m_max(maxMessages)
    {
    }

    Result<void> seed(const LineageQuery &query);
    Result<void> expand();
    Result<void> attachSteps();
    // Effects and exceptions, found by correlation id (indexed) and matched to the messages.
    Result<void> attachByCorrelation();
    bool empty() const { return m_messages.isEmpty(); }
    LineageGraph graph(const LineageQuery &query);

private:
    // Adds the messages `sql` finds for `value` that are not known yet, until the graph is full
    // (then it is marked truncated and the rest is not read).
    Result<void> addRows(const char *sql, const QString &value, bool matched);
    Result<void> addById(const QString &messageId, bool matched = false);
    Result<void> follow(const char *sql, const LineageMessage &from, bool down);

    Connection &m_c;
    int m_max;
    bool m_truncated = false;
    QList<LineageMessage> m_messages;
    QHash<QString, qsizetype> m_at;
    QQueue<qsizetype> m_frontier;
    QSet<QString> m_correlations; // expanded already
    QList<LineageEdge> m_edges;
    QSet<QPair<QString, QString>> m_edgeSeen;
};

Result<void> Walk::addRows(const char *sql, const QString &value, bool matched)
{
    Result<void> unreadable;
    Result<void> read = eachRow(m_c, sql, value, [&](const Statement &s) {
        if (const auto known = m_at.constFind(s.qtext(0)); known != m_at.cend()) {
            m_messages[*known].matched = m_messages[*known].matched || matched;
            return true;
        }
        if (m_messages.size() >= m_max) {
            m_truncated = true;
            return false;
        }
        Result<LineageMessage> row = messageFrom(s);
        if (!row) {
            unreadable = row.error();
            return false;
        }
        LineageMessage m = std::move(*row);
        m.matched = matched;
        m_at.insert(m.messageId, m_messages.size());
        m_frontier.enqueue(m_messages.size());
        m_messages.append(std::move(m));
        return true;
    });
    return read ? unreadable : read;
}

Result<void> Walk::addById(const QString &messageId, bool matched)
{
    if (const auto known = m_at.constFind(messageId); known != m_at.cend()) {
        m_messages[*known].matched = m_messages[*known].matched || matched;
        return {};
    }
    return addRows(kMessageById, messageId, matched);
}

Result<void> Walk::seed(const LineageQuery &query)
{
    switch (query.key) {
    case LineageKey::CorrelationId:
        m_correlations.insert(query.value);
        return addRows(kMessagesByCorrelation, query.value, true);
    case LineageKey::BusinessKey:
        return addRows(kMessagesByBusinessKey, query.value, true);
    case LineageKey::ExternalId:
        break;
    }
    QStringList ids;
    Result<void> read = eachRow(m_c, kMessageIdsByExternalId, query.value, [&](const Statement &s) {
        ids.append(s.qtext(0));
        return true;
    });
    for (qsizetype i = 0; read && i < ids.size(); ++i) {
        read = addById(ids[i], true);
    }
    return read;
}

Result<void> Walk::follow(const char *sql, const LineageMessage &from, bool down)
{
    QList<LineageEdge> found;
    Result<void> read = eachRow(m_c, sql, from.messageId, [&](const Statement &s) {
        const QString other = s.qtext(0);
        found.append(
            {down ? from.messageId : other, down ? other : from.messageId, s.qtext(1), s.qtext(2)});
        return true;
    });
    for (qsizetype i = 0; read && i < found.size(); ++i) {
        const LineageEdge &edge = found[i];
        if (!m_edgeSeen.contains({edge.parentId, edge.childId})) {
            m_edgeSeen.insert({edge.parentId, edge.childId});
            m_edges.append(edge);
        }
        read = addById(down ? edge.childId : edge.parentId);
    }
    return read;
}

Result<void> Walk::expand()
{
    while (!m_frontier.isEmpty()) {
        // A copy: adding messages may move the list's storage.
        const LineageMessage from = m_messages.at(m_frontier.dequeue());
        Result<void> read;
        // Once full, only the edges among the messages kept are still looked for.
        if (!m_truncated && !m_correlations.contains(from.correlationId)) {
            m_correlations.insert(from.correlationId);
            read = addRows(kMessagesByCorrelation, from.correlationId, false);
        }
        if (read) {
            read = follow(kChildren, from, true);
        }
        // A message without a causation id was ingested, not derived: no edge leads to it.
        if (read && !from.causationId.isEmpty()) {
            read = follow(kParents, from, false);
        }
        if (!read) {
            return read;
        }
    }
    return {};
}

Result<void> Walk::attachSteps()
{
    for (LineageMessage &m : m_messages) {
        Result<void> read = eachRow(m_c, kSteps, m.messageId, [&](const Statement &s) {
            m.steps.append({s.qtext(0),
                            int(s.int64(1)),
                            s.qtext(2),
                            s.qtext(3),
                            s.qtext(4),
                            s.int64(5),
                            s.int64(6)});
            return true;
        });
        if (!read) {
            return read;
        }
        // By commit order from the index; runs at two nodes at once may commit out of order.
        std::stable_sort(
            m.steps.begin(), m.steps.end(), [](const LineageStep &a, const LineageStep &b) {
                return a.startedAtMs < b.startedAtMs;
            });
    }
    return {};
}

Result<void> Walk::attachByCorrelation()
{
    QSet<QString> correlations;
    for (const LineageMessage &m : std::as_const(m_messages)) {
        correlations.insert(m.correlationId);
    }
    // A message of a correlation may be left out of a truncated graph: only the kept ones get
    // their effects and exceptions.
    const auto attach = [this](const QString &messageId, auto &&append) {
        if (const auto at = m_at.constFind(messageId); at != m_at.cend()) {
            append(m_messages[*at]);
        }
        return true;
    };
    for (const QString &correlationId : std::as_const(correlations)) {
        Result<void> read =
            eachRow(m_c, kEffectsByCorrelation, correlationId, [&](const Statement &s) {
                return attach(s.qtext(1),
                              [&](LineageMessage &m) { m.effects.append(effectFrom(s)); });
            });
        if (read) {
            read = eachRow(m_c, kExceptionsByCorrelation, correlationId, [&](const Statement &s) {
                return attach(s.qtext(1),
                              [&](LineageMessage &m) { m.exceptions.append(exceptionFrom(s)); });
            });
        }
        if (!read) {
            return read;
        }
    }
    for (LineageMessage &m : m_messages) {
        std::sort(
            m.effects.begin(), m.effects.end(), [](const LineageEffect &a, const LineageEffect &b) {
                return a.createdAtMs != b.createdAtMs ? a.createdAtMs < b.createdAtMs
                                                      : a.idempotencyKey < b.idempotencyKey;
            });
        std::sort(m.exceptions.begin(),
                  m.exceptions.end(),
                  [](const LineageException &a, const LineageException &b) { return a.id < b.id; });
        for (LineageException &exception : m.exceptions) {
            Result<void> read =
                eachRow(m_c, kExceptionEvents, exception.id, [&](const Statement &s) {
                    exception.events.append(
                        {s.int64(0), s.qtext(1), s.qtext(2), s.qtext(3), s.qtext(4)});
                    return true;
                });
            if (!read) {
                return read;
            }
        }
    }
    return {};
}

LineageGraph Walk::graph(const LineageQuery &query)
{
    LineageGraph g;
    g.key = query.key;
    g.value = query.value;
    g.maxMessages = m_max;
    g.truncated = m_truncated;
    for (const LineageEdge &edge : std::as_const(m_edges)) {
        if (m_at.contains(edge.parentId) && m_at.contains(edge.childId)) {
            g.edges.append(edge);
        }
    }
    std::sort(g.edges.begin(), g.edges.end(), [](const LineageEdge &a, const LineageEdge &b) {
        return a.parentId != b.parentId ? a.parentId < b.parentId : a.childId < b.childId;
    });
    g.messages = std::move(m_messages);
    std::sort(
        g.messages.begin(), g.messages.end(), [](const LineageMessage &a, const LineageMessage &b) {
            return a.createdAtMs != b.createdAtMs ? a.createdAtMs < b.createdAtMs
                                                  : a.messageId < b.messageId;
        });
    return g;
}

} // namespace

Result<void>
indexExternalIds(Connection &c, const QString &idempotencyKey, const QByteArray &externalIds)
{
    const QList<ExternalId> ids = externalIdsFrom(externalIds);
    for (const ExternalId &id : ids) {
        Result<Statement *> insert = c.cached(kIndexExternalId);
        if (!insert) {
            return insert.error();
        }
        (*insert)->bind(1, id.value).bind(2, id.name).bind(3, idempotencyKey);
        if (Result<void> r = (*insert)->run(); !r) {
            return r;
        }
    }
    return {};
}

Result<std::optional<LineageGraph>> readLineage(Connection &c, const LineageQuery &query)
{
    // One snapshot for every statement: a step committed meanwhile cannot half appear.
    if (Result<void> begun = c.exec("BEGIN"); !begun) {
        return begun.error();
    }
    Walk walk(c, std::clamp(query.maxMessages, 1, LineageQuery::kMostMessages));
    Result<void> read = walk.seed(query);
    if (read && !walk.empty()) {
        read = walk.expand();
    }
    if (read && !walk.empty()) {
        read = walk.attachSteps();
    }
    if (read && !walk.empty()) {
        read = walk.attachByCorrelation();
    }
    c.resetCached();
    (void)c.exec("COMMIT");
    if (!read) {
        return read.error();
    }
    if (walk.empty()) {
        return std::optional<LineageGraph>();
    }
    return std::optional<LineageGraph>(walk.graph(query));
}

std::span<const char *const> lineageStatements()
{
    return kStatements;
}

} // namespace syncline::engine::store
