#include "engine/store/lineagejobs.h"

#include "engine/json/intake.h"
#include "engine/json/value.h"

#include <QHash>
#include <QQueue>
#include <QSet>

#include <algorithm>

namespace syncline::engine::store {

namespace {

// Every statement finds its rows through an index (tests/engine/lineagestore checks the plans).
constexpr const char *kMessagesByCorrelation =
    "SELECT message_id, flow_id, flow_version, correlation_id, causation_id, business_key,"
    " headers, payload, created_at FROM messages WHERE correlation_id = ?1 ORDER BY id";
constexpr const char *kMessagesByBusinessKey =
    "SELECT message_id, flow_id, flow_version, correlation_id, causation_id, business_key,"
    " headers, payload, created_at FROM messages"
    " WHERE business_key = ?1 AND business_key <> '' ORDER BY id"; // the partial index's terms
constexpr const char *kMessageById =
    "SELECT message_id, flow_id, flow_version, correlation_id, causation_id, business_key,"
    " headers, payload, created_at FROM messages WHERE message_id = ?1";
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
                                       kEffectsByCorrelation};

QByteArray blob(const Statement &s, int column)
{
    const std::string text = s.text(column);
    return QByteArray(text.data(), qsizetype(text.size()));
}

LineageMessage messageFrom(const Statement &s)
{
    LineageMessage m;
    m.messageId = s.qtext(0);
    m.flowId = s.qtext(1);
    m.flowVersion = int(s.int64(2));
    m.correlationId = s.qtext(3);
    m.causationId = s.qtext(4);
    m.businessKey = s.qtext(5);
    m.headers = blob(s, 6);
    m.payload = blob(s, 7);
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
    Result<void> attachStepsAndEffects();
    bool empty() const { return m_messages.isEmpty(); }
    LineageGraph graph(const LineageQuery &query);

private:
    // Adds a message unless known or the graph is full (then marks it truncated).
    void add(LineageMessage message);
    Result<void> addById(const QString &messageId);
    Result<void> addRows(Statement &s, bool matched);
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

void Walk::add(LineageMessage message)
{
    if (m_at.contains(message.messageId)) {
        if (message.matched) {
            m_messages[m_at.value(message.messageId)].matched = true;
        }
        return;
    }
    if (m_messages.size() >= m_max) {
        m_truncated = true;
        return;
    }
    m_at.insert(message.messageId, m_messages.size());
    m_frontier.enqueue(m_messages.size());
    m_messages.append(std::move(message));
}

Result<void> Walk::addRows(Statement &s, bool matched)
{
    for (;;) {
        Result<bool> row = s.step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return {};
        }
        LineageMessage m = messageFrom(s);
        m.matched = matched;
        add(std::move(m));
        if (m_truncated) {
            return {}; // full: the rest is not read
        }
    }
}

Result<void> Walk::addById(const QString &messageId)
{
    if (m_at.contains(messageId)) {
        return {};
    }
    if (m_messages.size() >= m_max) {
        m_truncated = true;
        return {};
    }
    Result<Statement *> s = m_c.cached(kMessageById);
    if (!s) {
        return s.error();
    }
    (*s)->bind(1, messageId);
    return addRows(**s, false);
}

Result<void> Walk::seed(const LineageQuery &query)
{
    if (query.key == LineageKey::ExternalId) {
        Result<Statement *> s = m_c.cached(kMessageIdsByExternalId);
        if (!s) {
            return s.error();
        }
        (*s)->bind(1, query.value);
        QStringList ids;
        for (;;) {
            Result<bool> row = (*s)->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            ids.append((*s)->qtext(0));
        }
        for (const QString &id : std::as_const(ids)) {
            if (Result<void> r = addById(id); !r) {
                return r;
            }
            if (const auto at = m_at.find(id); at != m_at.end()) {
                m_messages[*at].matched = true;
            }
        }
        return {};
    }
    Result<Statement *> s = m_c.cached(
        query.key == LineageKey::BusinessKey ? kMessagesByBusinessKey : kMessagesByCorrelation);
    if (!s) {
        return s.error();
    }
    (*s)->bind(1, query.value);
    if (query.key == LineageKey::CorrelationId) {
        m_correlations.insert(query.value);
    }
    return addRows(**s, true);
}

Result<void> Walk::follow(const char *sql, const LineageMessage &from, bool down)
{
    Result<Statement *> s = m_c.cached(sql);
    if (!s) {
        return s.error();
    }
    (*s)->bind(1, from.messageId);
    QList<LineageEdge> found;
    for (;;) {
        Result<bool> row = (*s)->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const QString other = (*s)->qtext(0);
        found.append({down ? from.messageId : other,
                      down ? other : from.messageId,
                      (*s)->qtext(1),
                      (*s)->qtext(2)});
    }
    for (const LineageEdge &edge : std::as_const(found)) {
        if (!m_edgeSeen.contains({edge.parentId, edge.childId})) {
            m_edgeSeen.insert({edge.parentId, edge.childId});
            m_edges.append(edge);
        }
        if (Result<void> r = addById(down ? edge.childId : edge.parentId); !r) {
            return r;
        }
    }
    return {};
}

Result<void> Walk::expand()
{
    while (!m_frontier.isEmpty()) {
        // A copy: adding messages may move the list's storage.
        const LineageMessage from = m_messages.at(m_frontier.dequeue());
        if (!m_correlations.contains(from.correlationId)) {
            m_correlations.insert(from.correlationId);
            Result<Statement *> s = m_c.cached(kMessagesByCorrelation);
            if (!s) {
                return s.error();
            }
            (*s)->bind(1, from.correlationId);
            if (Result<void> r = addRows(**s, false); !r) {
                return r;
            }
        }
        if (Result<void> r = follow(kChildren, from, true); !r) {
            return r;
        }
        if (Result<void> r = follow(kParents, from, false); !r) {
            return r;
        }
    }
    return {};
}

Result<void> Walk::attachStepsAndEffects()
{
    QSet<QString> correlations;
    for (LineageMessage &m : m_messages) {
        correlations.insert(m.correlationId);
        Result<Statement *> s = m_c.cached(kSteps);
        if (!s) {
            return s.error();
        }
        (*s)->bind(1, m.messageId);
        for (;;) {
            Result<bool> row = (*s)->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            m.steps.append({(*s)->qtext(0),
                            int((*s)->int64(1)),
                            (*s)->qtext(2),
                            (*s)->qtext(3),
                            (*s)->qtext(4),
                            (*s)->int64(5),
                            (*s)->int64(6)});
        }
        // By commit order from the index; runs at two nodes at once may commit out of order.
        std::stable_sort(
            m.steps.begin(), m.steps.end(), [](const LineageStep &a, const LineageStep &b) {
                return a.startedAtMs < b.startedAtMs;
            });
    }
    for (const QString &correlationId : std::as_const(correlations)) {
        Result<Statement *> s = m_c.cached(kEffectsByCorrelation);
        if (!s) {
            return s.error();
        }
        (*s)->bind(1, correlationId);
        for (;;) {
            Result<bool> row = (*s)->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            const auto at = m_at.find((*s)->qtext(1));
            if (at == m_at.end()) {
                continue; // a message of this correlation left out of a truncated graph
            }
            const Statement &r = **s;
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
            e.externalIds = externalIdsFrom(blob(r, 10));
            e.detail = r.qtext(11);
            e.createdAtMs = r.int64(12);
            e.updatedAtMs = r.int64(13);
            m_messages[*at].effects.append(std::move(e));
        }
    }
    for (LineageMessage &m : m_messages) {
        std::sort(
            m.effects.begin(), m.effects.end(), [](const LineageEffect &a, const LineageEffect &b) {
                return a.createdAtMs != b.createdAtMs ? a.createdAtMs < b.createdAtMs
                                                      : a.idempotencyKey < b.idempotencyKey;
            });
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
        read = walk.attachStepsAndEffects();
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
