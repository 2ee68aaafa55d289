#include "engine/store/sqlitemessagestore.h"

#include "engine/store/deployjobs.h"
#include "engine/store/exceptionjobs.h"
#include "engine/store/lineagejobs.h"
#include "engine/store/messagejobs.h"
#include "engine/store/orderingjobs.h"
#include "engine/store/payloadcodec.h"
#include "engine/store/statejobs.h"
#include "engine/store/storeschema.h"

#include "engine/core/timeorderedid.h"

#include <QDateTime>

#include <algorithm>

namespace syncline::engine::store {

namespace {

Result<StoredMessage> readMessage(const Statement &s, int first)
{
    StoredMessage m;
    m.messageId = s.qtext(first);
    m.flowId = s.qtext(first + 1);
    m.flowVersion = int(s.int64(first + 2));
    m.correlationId = s.qtext(first + 3);
    m.causationId = s.qtext(first + 4);
    m.businessKey = s.qtext(first + 5);
    m.headers = s.bytes(first + 6);
    Result<QByteArray> payload = readPayload(s, first + 7, first + 9, m.messageId);
    if (!payload) {
        return payload.error();
    }
    m.payload = std::move(*payload);
    m.createdAtMs = s.int64(first + 8);
    return m;
}

constexpr auto kMessageColumns = "m.message_id, m.flow_id, m.flow_version, m.correlation_id,"
                                 " m.causation_id, m.business_key, m.headers, m.payload,"
                                 " m.created_at, m.payload_encoding";

QString stepStatusName(StepStatus status)
{
    switch (status) {
    case StepStatus::Succeeded:
        return QStringLiteral("succeeded");
    case StepStatus::Retrying:
        return QStringLiteral("retrying");
    case StepStatus::Failed:
        return QStringLiteral("failed");
    case StepStatus::Deferred:
        return QStringLiteral("deferred");
    }
    return {};
}

EffectRecord readEffect(const Statement &s)
{
    EffectRecord r;
    r.intent.idempotencyKey = s.qtext(0);
    r.intent.messageId = s.qtext(1);
    r.intent.correlationId = s.qtext(2);
    r.intent.flowId = s.qtext(3);
    r.intent.nodeId = s.qtext(4);
    r.intent.businessKey = s.qtext(5);
    r.intent.target = s.qtext(6);
    r.intent.method = s.qtext(7);
    r.intent.url = s.qtext(8);
    r.state = effectStateFromName(s.qtext(9)).value_or(EffectState::Pending);
    r.attempts = int(s.int64(10));
    r.httpStatus = int(s.int64(11));
    const std::string ids = s.text(12);
    r.externalIds = QByteArray(ids.data(), qsizetype(ids.size()));
    r.detail = s.qtext(13);
    r.createdAtMs = s.int64(14);
    r.updatedAtMs = s.int64(15);
    return r;
}

constexpr auto kEffectColumns = "idempotency_key, message_id, correlation_id, flow_id, node_id,"
                                " business_key, target, method, url, state, attempts,"
                                " http_status, external_ids, detail, created_at, updated_at";

Result<std::optional<EffectRecord>> findEffect(Connection &c, const QString &key)
{
    const std::string sql = std::string("SELECT ") + kEffectColumns
                            + " FROM effects WHERE idempotency_key = ?";
    Result<Statement *> select = c.cached(sql);
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, key);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<EffectRecord>();
    }
    return std::optional<EffectRecord>(readEffect(**select));
}

// A value of store_settings, read once when the store opens; empty when it is not set.
Result<QString> readSetting(const QString &path, std::string_view name)
{
    Result<Connection> c = Connection::open(path, OpenMode::ReadOnly);
    if (!c) {
        return c.error();
    }
    Result<Statement> s = c->prepare("SELECT value FROM store_settings WHERE name = ?");
    if (!s) {
        return s.error();
    }
    s->bind(1, QString::fromLatin1(name.data(), qsizetype(name.size())));
    Result<bool> row = s->step();
    if (!row) {
        return row.error();
    }
    return *row ? s->qtext(0) : QString();
}

} // namespace

Result<void> insertMessage(Connection &c, const StoredMessage &m, const EncodedPayload &payload)
{
    Result<Statement *> insert = c.cached(
        "INSERT INTO messages(message_id, flow_id, flow_version, correlation_id, causation_id,"
        " business_key, headers, payload, created_at, payload_encoding)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert) {
        return insert.error();
    }
    Statement &s = **insert;
    s.bind(1, m.messageId).bind(2, m.flowId).bind(3, m.flowVersion);
    s.bind(4, m.correlationId).bind(5, m.causationId).bind(6, m.businessKey);
    s.bindBlob(7, bytesOf(m.headers)).bindBlob(8, bytesOf(payload.bytes)).bind(9, m.createdAtMs);
    s.bind(10, int(payload.encoding));
    return s.run();
}

Result<void> enqueue(Connection &c, const QString &messageId, qint64 payloadBytes,
                     const QString &flowId, int flowVersion, const QString &nodeId,
                     qint64 availableAtMs, qint64 orderSeq)
{
    Result<Statement *> insert = c.cached(
        "INSERT INTO work_items(message_id, flow_id, flow_version, node_id, state, available_at,"
        " order_seq, payload_bytes) VALUES (?, ?, ?, ?, 'ready', ?, ?, ?)");
    if (!insert) {
        return insert.error();
    }
    (*insert)->bind(1, messageId).bind(2, flowId).bind(3, flowVersion);
    (*insert)->bind(4, nodeId).bind(5, availableAtMs);
    if (orderSeq > 0) {
        (*insert)->bind(6, orderSeq);
    } else {
        (*insert)->bindNull(6);
    }
    (*insert)->bind(7, payloadBytes);
    return (*insert)->run();
}

Result<qint64> payloadBytes(Connection &c, const QString &messageId)
{
    Result<Statement *> select = c.cached(
        "SELECT payload, payload_encoding FROM messages WHERE message_id = ?");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, messageId);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    return *row ? payloadTextBytes((*select)->view(0), int((*select)->int64(1)), messageId)
                : Result<qint64>(qint64(0));
}

QString effectStateName(EffectState state)
{
    switch (state) {
    case EffectState::Pending:
        return QStringLiteral("pending");
    case EffectState::Succeeded:
        return QStringLiteral("succeeded");
    case EffectState::Failed:
        return QStringLiteral("failed");
    case EffectState::Uncertain:
        return QStringLiteral("uncertain");
    }
    return {};
}

std::optional<EffectState> effectStateFromName(const QString &name)
{
    for (EffectState state : {EffectState::Pending, EffectState::Succeeded, EffectState::Failed,
                              EffectState::Uncertain}) {
        if (effectStateName(state) == name) {
            return state;
        }
    }
    return std::nullopt;
}

SqliteMessageStore::SqliteMessageStore(QString path, std::unique_ptr<Writer> writer,
                                       SqliteStoreOptions options, QString orderedEffectKeysAfter)
    : m_path(std::move(path))
    , m_writer(std::move(writer))
    , m_options(std::move(options))
    , m_orderedEffectKeysAfter(std::move(orderedEffectKeysAfter))
{
    if (!m_options.clock) {
        m_options.clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    }
}

SqliteMessageStore::~SqliteMessageStore()
{
    m_writer->stop();
}

Result<std::unique_ptr<SqliteMessageStore>> SqliteMessageStore::open(const QString &path,
                                                                     SqliteStoreOptions options)
{
    Result<std::unique_ptr<Writer>> writer = Writer::start(path, messageStoreMigrations(),
                                                           options.writer);
    if (!writer) {
        return writer.error();
    }
    Result<QString> orderedAfter = readSetting(path, "ordered_effect_keys_after");
    if (!orderedAfter) {
        return orderedAfter.error();
    }
    return std::unique_ptr<SqliteMessageStore>(new SqliteMessageStore(
        path, std::move(*writer), std::move(options), std::move(*orderedAfter)));
}

qint64 SqliteMessageStore::now() const
{
    return m_options.clock();
}

Result<Connection> SqliteMessageStore::reader() const
{
    return Connection::open(m_path, OpenMode::ReadOnly);
}

bool SqliteMessageStore::acceptingWrites() const
{
    return m_writer->healthy();
}

WriterSnapshot SqliteMessageStore::writerSnapshot() const
{
    return m_writer->snapshot();
}

Result<int> SqliteMessageStore::deployFlow(const QString &flowId, const QByteArray &document)
{
    int version = 0;
    const qint64 at = now();
    Result<void> done = m_writer
                            ->submit([&](Connection &c) -> Result<void> {
                                Result<int> inserted = insertFlowVersion(c, flowId, document, at);
                                if (!inserted) {
                                    return inserted.error();
                                }
                                version = *inserted;
                                return {};
                            })
                            .get();
    if (!done) {
        return done.error();
    }
    return version;
}

Result<QList<int>> SqliteMessageStore::deployFlows(const QList<FlowDocument> &flows,
                                                   const AuditRecord &audit)
{
    QList<int> versions;
    const qint64 at = now();
    Result<void> done = m_writer
                            ->submit([&](Connection &c) -> Result<void> {
                                Result<QList<int>> inserted = insertDeployment(c, flows, audit, at);
                                if (!inserted) {
                                    return inserted.error();
                                }
                                versions = std::move(*inserted);
                                return {};
                            })
                            .get();
    if (!done) {
        return done.error();
    }
    return versions;
}

Result<std::optional<QByteArray>> SqliteMessageStore::flowVersion(const QString &flowId,
                                                                  int version)
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    Result<Statement> select = c->prepare(
        "SELECT document FROM flow_versions WHERE flow_id = ? AND version = ?");
    if (!select) {
        return select.error();
    }
    select->bind(1, flowId).bind(2, version);
    Result<bool> row = select->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<QByteArray>();
    }
    const std::string document = select->text(0);
    return std::optional<QByteArray>(QByteArray(document.data(), qsizetype(document.size())));
}

Result<int> SqliteMessageStore::latestFlowVersion(const QString &flowId)
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    Result<Statement> select = c->prepare(
        "SELECT coalesce(max(version), 0) FROM flow_versions WHERE flow_id = ?");
    if (!select) {
        return select.error();
    }
    select->bind(1, flowId);
    if (Result<bool> row = select->step(); !row) {
        return row.error();
    }
    return int(select->int64(0));
}

namespace {

struct StepRecord
{
    QString messageId;
    QString flowId;
    int flowVersion = 0;
    QString nodeId;
    int attempt = 1;
    StepStatus status = StepStatus::Succeeded;
    QString errorCode;
    QString errorDetail;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;
};

Result<void> recordStep(Connection &c, const StepRecord &step)
{
    Result<Statement *> record = c.cached(
        "INSERT INTO steps(message_id, flow_id, flow_version, node_id, attempt, status,"
        " error_code, error_detail, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!record) {
        return record.error();
    }
    Statement &s = **record;
    s.bind(1, step.messageId).bind(2, step.flowId).bind(3, step.flowVersion).bind(4, step.nodeId);
    s.bind(5, step.attempt).bind(6, stepStatusName(step.status));
    s.bind(7, step.errorCode).bind(8, step.errorDetail);
    s.bind(9, step.startedAtMs).bind(10, step.finishedAtMs);
    return s.run();
}

// The message a step ran on, and where: what its outputs derive from.
struct OutputSource
{
    QString messageId;
    QString correlationId;
    QString flowId;
    int flowVersion = 0;
    QString nodeId;
    qint64 orderSeq = 0; // the ordering turn it is part of; 0 for none
    bool held = false;   // the turn waits for an earlier one of its key
    qint64 payloadBytes = 0; // the message's, for an output that passes it on
};

// The payloads of a step's child messages, encoded on the calling thread before the step goes
// to the writer: one per output, empty for an output that passes its source on.
QList<EncodedPayload> encodeOutputs(const QList<StepOutput> &outputs)
{
    QList<EncodedPayload> encoded;
    encoded.reserve(outputs.size());
    for (const StepOutput &output : outputs) {
        encoded.append(output.message ? encodePayload(output.message->payload) : EncodedPayload());
    }
    return encoded;
}

// Stores a step's child messages with their lineage and queues every output at its node.
// Outputs inside the flow stay in the source's ordering turn; a message entering a flow with an
// ordering key (a subscriber's) starts a turn of its own. `encoded` is encodeOutputs(outputs).
Result<void> queueOutputs(Connection &c, const OutputSource &from,
                          const QList<StepOutput> &outputs, const QList<EncodedPayload> &encoded,
                          qint64 at)
{
    for (qsizetype i = 0; i < outputs.size(); ++i) {
        const StepOutput &output = outputs[i];
        QString target = from.messageId;
        qint64 bytes = from.payloadBytes;
        if (output.message) {
            bytes = encoded[i].textBytes;
            StoredMessage child;
            static_cast<NewMessage &>(child) = *output.message;
            child.messageId = newTimeOrderedId();
            child.createdAtMs = at;
            if (child.correlationId.isEmpty()) {
                child.correlationId = from.correlationId;
            }
            if (child.causationId.isEmpty()) {
                child.causationId = from.messageId;
            }
            if (Result<void> r = insertMessage(c, child, encoded[i]); !r) {
                return r;
            }
            Result<Statement *> edge = c.cached(
                "INSERT OR IGNORE INTO lineage(parent_id, child_id, node_id, kind)"
                " VALUES (?, ?, ?, ?)");
            if (!edge) {
                return edge.error();
            }
            for (qsizetype p = -1; p < output.alsoFrom.size(); ++p) {
                (*edge)->reset(true);
                (*edge)->bind(1, p < 0 ? from.messageId : output.alsoFrom[p]);
                (*edge)->bind(2, child.messageId).bind(3, from.nodeId).bind(4, output.edgeKind);
                if (Result<void> r = (*edge)->run(); !r) {
                    return r;
                }
            }
            target = child.messageId;
        }
        const QString targetFlow = output.message ? output.message->flowId : from.flowId;
        const int targetVersion = output.message ? output.message->flowVersion : from.flowVersion;
        if (output.nodeId.isEmpty()) {
            continue; // a child recorded for lineage only (e.g. handed to another flow)
        }
        OrderTurn turn{targetFlow == from.flowId ? from.orderSeq : 0, from.held};
        if (output.message && !output.message->orderingKey.isEmpty()) {
            Result<OrderTurn> opened = openTurn(c, targetFlow, output.message->orderingKey,
                                                target);
            if (!opened) {
                return opened.error();
            }
            turn = *opened;
        }
        if (Result<void> r = enqueue(c, target, bytes, targetFlow, targetVersion, output.nodeId,
                                     turn.held ? kHeldUntil : std::max(at, output.availableAtMs),
                                     turn.seq);
            !r) {
            return r;
        }
    }
    return {};
}

// An arriving message's payload and its inline outputs', encoded on the caller's thread.
struct EncodedArrival
{
    EncodedPayload message;
    QList<EncodedPayload> outputs; // encodeOutputs(request.inlineOutputs)
};

// Queues an arriving message at its first nodes, or records the inline steps it already went
// through and queues what the last of them produced.
Result<void> queueArrival(Connection &c, const IngestRequest &request,
                          const EncodedArrival &encoded, const StoredMessage &m, qint64 at)
{
    OrderTurn turn;
    const bool queued = request.inlineSteps.isEmpty()
                            ? !request.firstNodes.isEmpty()
                            : std::any_of(request.inlineOutputs.cbegin(),
                                          request.inlineOutputs.cend(),
                                          [](const StepOutput &o) { return !o.nodeId.isEmpty(); });
    if (!m.orderingKey.isEmpty() && queued) {
        Result<OrderTurn> opened = openTurn(c, m.flowId, m.orderingKey, m.messageId);
        if (!opened) {
            return opened.error();
        }
        turn = *opened;
    }
    if (request.inlineSteps.isEmpty()) {
        for (const QString &node : request.firstNodes) {
            if (Result<void> r = enqueue(c, m.messageId, encoded.message.textBytes, m.flowId,
                                         m.flowVersion, node,
                                         turn.held ? kHeldUntil : at, turn.seq);
                !r) {
                return r;
            }
        }
        return {};
    }
    for (const InlineStep &step : request.inlineSteps) {
        StepRecord record;
        record.messageId = m.messageId;
        record.flowId = m.flowId;
        record.flowVersion = m.flowVersion;
        record.nodeId = step.nodeId;
        record.startedAtMs = step.startedAtMs;
        record.finishedAtMs = step.finishedAtMs;
        if (Result<void> r = recordStep(c, record); !r) {
            return r;
        }
    }
    const OutputSource from{m.messageId,
                            m.correlationId,
                            m.flowId,
                            m.flowVersion,
                            request.inlineSteps.constLast().nodeId,
                            turn.seq,
                            turn.held,
                            encoded.message.textBytes};
    return queueOutputs(c, from, request.inlineOutputs, encoded.outputs, at);
}

Result<void> ingestJob(Connection &c, const IngestRequest &request, const EncodedArrival &encoded,
                       qint64 at, IngestResult &result)
{
    if (!request.deliveryId.isEmpty()) {
        Result<Statement *> seen = c.cached(
            "SELECT d.message_id, m.correlation_id FROM deliveries d"
            " JOIN messages m ON m.message_id = d.message_id"
            " WHERE d.source = ? AND d.delivery_id = ?");
        if (!seen) {
            return seen.error();
        }
        (*seen)->bind(1, request.source).bind(2, request.deliveryId);
        Result<bool> row = (*seen)->step();
        if (!row) {
            return row.error();
        }
        if (*row) {
            result = {(*seen)->qtext(0), (*seen)->qtext(1), true};
            return {};
        }
    }
    StoredMessage m;
    static_cast<NewMessage &>(m) = request.message;
    m.messageId = newTimeOrderedId();
    m.createdAtMs = at;
    if (m.correlationId.isEmpty()) {
        m.correlationId = newTimeOrderedId();
    }
    if (Result<void> inserted = insertMessage(c, m, encoded.message); !inserted) {
        return inserted;
    }
    if (!request.deliveryId.isEmpty()) {
        Result<Statement *> remember = c.cached(
            "INSERT INTO deliveries(source, delivery_id, message_id) VALUES (?, ?, ?)");
        if (!remember) {
            return remember.error();
        }
        (*remember)->bind(1, request.source).bind(2, request.deliveryId).bind(3, m.messageId);
        if (Result<void> r = (*remember)->run(); !r) {
            return r;
        }
    }
    if (Result<void> r = queueArrival(c, request, encoded, m, at); !r) {
        return r;
    }
    if (Result<void> r = applyStateWrites(c, request.stateWrites, at); !r) {
        return r;
    }
    result = {m.messageId, m.correlationId, false};
    return {};
}

} // namespace

void SqliteMessageStore::ingestAsync(IngestRequest request,
                                     std::function<void(Result<IngestResult>)> done)
{
    struct State
    {
        IngestRequest request;
        EncodedArrival encoded;
        IngestResult result;
    };
    EncodedArrival encoded{encodePayload(request.message.payload),
                           encodeOutputs(request.inlineOutputs)};
    auto state = std::make_shared<State>(State{std::move(request), std::move(encoded), {}});
    const qint64 at = now();
    m_writer->submit(
        [state, at](Connection &c) {
            return ingestJob(c, state->request, state->encoded, at, state->result);
        },
        [state, done = std::move(done)](Result<void> committed) {
            if (!committed) {
                done(committed.error());
                return;
            }
            done(state->result);
        });
}

namespace {

// A claimed item whose message is stored but cannot be read back.
struct UnreadableItem
{
    const WorkItem &item;
    QString messageId;
    QString flowId;
    int flowVersion = 0;
    QString correlationId;
    QString businessKey;
};

// Fails the item with a technical exception (the payload's reason names the message), so that
// the rest of its node's queue goes on: left ready, it would fail every claim of its node.
Result<void> parkUnreadable(Connection &c, const UnreadableItem &u, const Error &why, qint64 at)
{
    Result<Statement *> fail = c.cached("UPDATE work_items SET state = 'failed',"
                                        " attempts = attempts + 1, lease_until = NULL"
                                        " WHERE id = ? RETURNING order_seq");
    if (!fail) {
        return fail.error();
    }
    (*fail)->bind(1, u.item.id);
    Result<bool> updated = (*fail)->step();
    if (!updated) {
        return updated.error();
    }
    const qint64 orderSeq = *updated && !(*fail)->isNull(0) ? (*fail)->int64(0) : 0;
    (*fail)->reset(true);
    const int attempt = u.item.attempts + 1;
    if (Result<void> r = recordStep(c, {u.messageId, u.flowId, u.flowVersion, u.item.nodeId,
                                        attempt, StepStatus::Failed, why.code, why.message, at,
                                        at});
        !r) {
        return r;
    }
    StepResult step;
    step.workItemId = u.item.id;
    step.status = StepStatus::Failed;
    step.errorCode = why.code;
    step.errorDetail = why.message;
    step.startedAtMs = step.finishedAtMs = at;
    const FailedStep failed{u.item.id,    u.messageId, u.flowId,        u.flowVersion,
                            u.item.nodeId, attempt,     u.correlationId, u.businessKey};
    if (Result<void> r = insertException(c, failed, step, at); !r) {
        return r;
    }
    // Like any failed step: the next message of its business key takes its turn.
    return orderSeq > 0 ? settleTurn(c, orderSeq, at) : Result<void>();
}

} // namespace

Result<QList<WorkItem>> SqliteMessageStore::claim(const QString &flowId, int flowVersion,
                                                  const QString &nodeId, int limit,
                                                  qint64 leaseMs)
{
    QList<WorkItem> items;
    const qint64 at = now();
    Result<void> done = m_writer->submit([&](Connection &c) -> Result<void> {
        const std::string sql = std::string("UPDATE work_items SET state = 'claimed',"
                                            " lease_until = ?1 WHERE id IN ("
                                            " SELECT id FROM work_items WHERE flow_id = ?2"
                                            " AND flow_version = ?3 AND node_id = ?4"
                                            " AND state = 'ready' AND available_at <= ?5"
                                            " ORDER BY available_at, id LIMIT ?6)"
                                            " RETURNING id, node_id, attempts, message_id");
        Result<Statement *> update = c.cached(sql);
        if (!update) {
            return update.error();
        }
        (*update)->bind(1, at + leaseMs).bind(2, flowId).bind(3, flowVersion);
        (*update)->bind(4, nodeId).bind(5, at).bind(6, limit);
        QList<std::pair<WorkItem, QString>> claimed;
        for (;;) {
            Result<bool> row = (*update)->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            WorkItem item;
            item.id = (*update)->int64(0);
            item.nodeId = (*update)->qtext(1);
            item.attempts = int((*update)->int64(2));
            claimed.append({item, (*update)->qtext(3)});
        }
        const std::string select = std::string("SELECT ") + kMessageColumns
                                   + " FROM messages m WHERE m.message_id = ?";
        Result<Statement *> load = c.cached(select);
        if (!load) {
            return load.error();
        }
        for (auto &[item, messageId] : claimed) {
            (*load)->reset(true);
            (*load)->bind(1, messageId);
            Result<bool> row = (*load)->step();
            if (!row) {
                return row.error();
            }
            Result<StoredMessage> message = readMessage(**load, 0);
            if (!message && message.error().code == QLatin1String(kStorePayload)) {
                // kMessageColumns: 3 is the correlation id, 5 the business key.
                const UnreadableItem unreadable{item,          messageId,
                                                flowId,        flowVersion,
                                                (*load)->qtext(3), (*load)->qtext(5)};
                if (Result<void> parked = parkUnreadable(c, unreadable, message.error(), at);
                    !parked) {
                    return parked;
                }
                continue;
            }
            if (!message) {
                return message.error();
            }
            item.message = std::move(*message);
            items.append(std::move(item));
        }
        std::sort(items.begin(), items.end(),
                  [](const WorkItem &a, const WorkItem &b) { return a.id < b.id; });
        return {};
    }, Completion::Executed).get(); // a claim lost with its transaction is an expired lease
    if (!done) {
        return done.error();
    }
    return items;
}

namespace {

// Records how an effect ended. A succeeded effect stays succeeded: a late outcome of an earlier
// attempt cannot undo it.
Result<void> recordEffectOutcome(Connection &c, const EffectOutcome &outcome, qint64 at)
{
    Result<Statement *> update = c.cached(
        "UPDATE effects SET state = ?2, http_status = ?3, external_ids = ?4, detail = ?5,"
        " updated_at = ?6 WHERE idempotency_key = ?1 AND state <> 'succeeded'");
    if (!update) {
        return update.error();
    }
    Statement &s = **update;
    s.bind(1, outcome.idempotencyKey).bind(2, effectStateName(outcome.state));
    s.bind(3, outcome.httpStatus).bindBlob(4, bytesOf(outcome.externalIds));
    s.bind(5, outcome.detail).bind(6, at);
    if (Result<void> r = s.run(); !r) {
        return r;
    }
    if (c.changes() > 0) {
        // The ids the target returned become findable (lineage) in the outcome's transaction.
        return indexExternalIds(c, outcome.idempotencyKey, outcome.externalIds);
    }
    Result<std::optional<EffectRecord>> found = findEffect(c, outcome.idempotencyKey);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return Error::make(QString::fromLatin1(kUnknownEffect),
                           QStringLiteral("no effect with idempotency key %1 was begun")
                               .arg(outcome.idempotencyKey));
    }
    return {};
}

// Commits a step; `stale` is set (and nothing but the effect outcome recorded) when the work
// item is no longer claimed.
Result<void> completeStepJob(Connection &c, const StepResult &step,
                             const QList<EncodedPayload> &encoded, qint64 at, bool &stale)
{
    Result<Statement *> select = c.cached(
        "SELECT w.message_id, w.flow_id, w.flow_version, w.node_id, w.attempts,"
        " m.correlation_id, m.business_key, w.order_seq, w.payload_bytes"
        " FROM work_items w JOIN messages m ON m.message_id = w.message_id"
        " WHERE w.id = ? AND w.state = 'claimed'");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, step.workItemId);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    if (step.effect) {
        if (Result<void> r = recordEffectOutcome(c, *step.effect, at); !r) {
            return r;
        }
    }
    if (!*row) {
        stale = true;
        return {};
    }
    const QString messageId = (*select)->qtext(0);
    const QString flowId = (*select)->qtext(1);
    const int flowVersion = int((*select)->int64(2));
    const QString nodeId = (*select)->qtext(3);
    const int attempt = int((*select)->int64(4)) + 1;
    const QString correlationId = (*select)->qtext(5);
    const QString businessKey = (*select)->qtext(6);
    const qint64 orderSeq = (*select)->isNull(7) ? 0 : (*select)->int64(7);
    const qint64 bytes = (*select)->int64(8);

    Result<Statement *> update = c.cached(
        step.status == StepStatus::Succeeded
            ? "DELETE FROM work_items WHERE id = ?1"
            : "UPDATE work_items SET state = ?2, attempts = attempts + 1,"
              " available_at = ?3, lease_until = NULL WHERE id = ?1");
    if (!update) {
        return update.error();
    }
    (*update)->bind(1, step.workItemId);
    if (step.status != StepStatus::Succeeded) {
        (*update)->bind(2, std::string_view(step.status == StepStatus::Failed ? "failed"
                                                                              : "ready"));
        (*update)->bind(3, step.retryAtMs);
        (*update)->bind(4, step.status == StepStatus::Deferred ? 0 : 1);
    }
    if (Result<void> r = (*update)->run(); !r) {
        return r;
    }

    const StepRecord record{messageId,      flowId,           flowVersion,
                            nodeId,         attempt,          step.status,
                            step.errorCode, step.errorDetail, step.startedAtMs,
                            step.finishedAtMs};
    if (Result<void> r = recordStep(c, record); !r) {
        return r;
    }
    if (step.status == StepStatus::Failed) {
        const FailedStep failed{step.workItemId, messageId,     flowId,     flowVersion,
                                nodeId,          attempt,       correlationId, businessKey};
        if (Result<void> r = insertException(c, failed, step, at); !r) {
            return r;
        }
    }
    const OutputSource from{messageId, correlationId, flowId, flowVersion,
                            nodeId,    orderSeq,      false,  bytes};
    if (Result<void> r = queueOutputs(c, from, step.outputs, encoded, at); !r) {
        return r;
    }
    if (Result<void> r = applyStateWrites(c, step.stateWrites, at); !r) {
        return r;
    }
    return orderSeq > 0 ? settleTurn(c, orderSeq, at) : Result<void>();
}

} // namespace

void SqliteMessageStore::completeStepAsync(StepResult step, std::function<void(Result<void>)> done)
{
    struct State
    {
        StepResult step;
        QList<EncodedPayload> encoded;
        bool stale = false;
    };
    QList<EncodedPayload> encoded = encodeOutputs(step.outputs);
    auto state = std::make_shared<State>(State{std::move(step), std::move(encoded)});
    const qint64 at = now();
    m_writer->submit(
        [state, at](Connection &c) {
            return completeStepJob(c, state->step, state->encoded, at, state->stale);
        },
        [state, done = std::move(done)](Result<void> committed) {
            if (committed && state->stale) {
                done(Error::make(QString::fromLatin1(kStaleClaim),
                                 QStringLiteral("work item %1 is no longer claimed; its lease "
                                                "ran out and it was handed out again")
                                     .arg(state->step.workItemId)));
                return;
            }
            done(std::move(committed));
        });
}

Result<int> SqliteMessageStore::releaseExpiredClaims()
{
    int released = 0;
    const qint64 at = now();
    Result<void> done = m_writer->submit([&](Connection &c) -> Result<void> {
        Result<Statement *> update = c.cached(
            "UPDATE work_items SET state = 'ready', lease_until = NULL"
            " WHERE state = 'claimed' AND lease_until <= ?");
        if (!update) {
            return update.error();
        }
        (*update)->bind(1, at);
        if (Result<void> r = (*update)->run(); !r) {
            return r;
        }
        released = c.changes();
        return {};
    }).get();
    if (!done) {
        return done.error();
    }
    return released;
}

Result<int> SqliteMessageStore::recoverClaims()
{
    int released = 0;
    Result<void> done = m_writer->submit([&](Connection &c) -> Result<void> {
        if (Result<void> r = c.exec("UPDATE work_items SET state = 'ready', lease_until = NULL"
                                    " WHERE state = 'claimed'");
            !r) {
            return r;
        }
        released = c.changes();
        return {};
    }).get();
    if (!done) {
        return done.error();
    }
    return released;
}

Result<EffectRecord> SqliteMessageStore::beginEffect(const EffectIntent &intent)
{
    Result<QList<EffectRecord>> records = beginEffects({intent});
    if (!records) {
        return records.error();
    }
    return records->constFirst();
}

namespace {

// An intent may only be new for a message the store holds (see beginEffects).
Result<void> messageHeldOrKeyKnown(Connection &c, const EffectIntent &intent)
{
    Result<bool> held = c.anyRow("SELECT 1 FROM messages WHERE message_id = ?", intent.messageId);
    if (!held || *held) {
        return held ? Result<void>() : Result<void>(held.error());
    }
    Result<bool> known =
        c.anyRow("SELECT 1 FROM effects WHERE idempotency_key = ?", intent.idempotencyKey);
    if (!known || *known) {
        return known ? Result<void>() : Result<void>(known.error());
    }
    return Error::make(QString::fromLatin1(kStaleClaim),
                       QStringLiteral("message %1 is not in the store (its ingest was rolled "
                                      "back): the call under %2 is not made")
                           .arg(intent.messageId, intent.idempotencyKey));
}

} // namespace

Result<QList<EffectRecord>> SqliteMessageStore::beginEffects(const QList<EffectIntent> &intents)
{
    QList<EffectRecord> records;
    const qint64 at = now();
    Result<void> done = m_writer->submit([&](Connection &c) -> Result<void> {
        // RETURNING: the record as it now stands (new, or an earlier attempt's), without a
        // second lookup through the key's index.
        Result<Statement *> upsert = c.cached(
            std::string("INSERT INTO effects(idempotency_key, message_id, correlation_id, flow_id,"
                        " node_id, business_key, target, method, url, state, attempts,"
                        " created_at, updated_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', 1, ?10, ?10)"
                        " ON CONFLICT(idempotency_key) DO UPDATE SET"
                        "  attempts = attempts + (state <> 'succeeded'), updated_at = ?10"
                        " RETURNING ")
            + kEffectColumns);
        if (!upsert) {
            return upsert.error();
        }
        records.clear(); // the job runs once; cleared so that it could run again
        for (const EffectIntent &intent : intents) {
            if (Result<void> held = messageHeldOrKeyKnown(c, intent); !held) {
                return held;
            }
            Statement &s = **upsert;
            s.reset(true);
            s.bind(1, intent.idempotencyKey).bind(2, intent.messageId);
            s.bind(3, intent.correlationId).bind(4, intent.flowId).bind(5, intent.nodeId);
            s.bind(6, intent.businessKey).bind(7, intent.target).bind(8, intent.method);
            s.bind(9, intent.url).bind(10, at);
            Result<bool> row = s.step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                return Error::make(QString::fromLatin1(kStoreSql),
                                   QStringLiteral("the effect %1 was not recorded")
                                       .arg(intent.idempotencyKey));
            }
            records.append(readEffect(s));
            s.reset(true);
        }
        return {};
    }).get();
    if (!done) {
        return done.error();
    }
    return records;
}

Result<void> SqliteMessageStore::finishEffect(const EffectOutcome &outcome)
{
    const qint64 at = now();
    return m_writer->submit([&](Connection &c) { return recordEffectOutcome(c, outcome, at); },
                            Completion::Executed)
        .get(); // durable with the step commit the caller submits next
}

Result<std::optional<EffectRecord>> SqliteMessageStore::effect(const QString &idempotencyKey)
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    return findEffect(*c, idempotencyKey);
}

Result<QList<QueueDepth>> SqliteMessageStore::queueDepths()
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    Result<Statement> select = c->prepare(
        "SELECT flow_id, node_id,"
        " sum(state = 'ready' AND available_at <= ?1), sum(state = 'ready' AND available_at > ?1),"
        " sum(state = 'claimed'), sum(state = 'failed'),"
        " coalesce(sum(CASE WHEN state = 'ready' THEN payload_bytes END), 0)"
        " FROM work_items GROUP BY flow_id, node_id ORDER BY flow_id, node_id");
    if (!select) {
        return select.error();
    }
    select->bind(1, now());
    QList<QueueDepth> depths;
    for (;;) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        depths.append({select->qtext(0), select->qtext(1), select->int64(2), select->int64(3),
                       select->int64(4), select->int64(5), select->int64(6)});
    }
    return depths;
}

Result<QList<QPair<QString, int>>> SqliteMessageStore::activeFlowVersions()
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    Result<Statement> select = c->prepare("SELECT DISTINCT flow_id, flow_version FROM work_items"
                                          " WHERE state <> 'failed' ORDER BY 1, 2");
    if (!select) {
        return select.error();
    }
    QList<QPair<QString, int>> versions;
    for (;;) {
        Result<bool> row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        versions.append({select->qtext(0), int(select->int64(1))});
    }
    return versions;
}

Result<std::optional<StoredMessage>> SqliteMessageStore::message(const QString &messageId)
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    const std::string sql = std::string("SELECT ") + kMessageColumns
                            + " FROM messages m WHERE m.message_id = ?";
    Result<Statement> select = c->prepare(sql);
    if (!select) {
        return select.error();
    }
    select->bind(1, messageId);
    Result<bool> row = select->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<StoredMessage>();
    }
    Result<StoredMessage> message = readMessage(*select, 0);
    if (!message) {
        return message.error();
    }
    return std::optional<StoredMessage>(std::move(*message));
}

Result<std::optional<QByteArray>> SqliteMessageStore::state(const QString &scope,
                                                            const QString &key)
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    return readState(*c, scope, key, now());
}

Result<QList<StateEntry>> SqliteMessageStore::stateEntries(const QString &scope)
{
    Result<Connection> c = reader();
    if (!c) {
        return c.error();
    }
    return readStateEntries(*c, scope, now());
}

Result<void> SqliteMessageStore::writeState(const QList<StateWrite> &writes)
{
    const qint64 at = now();
    return m_writer->submit([writes, at](Connection &c) { return applyStateWrites(c, writes, at); })
        .get();
}

Result<int> SqliteMessageStore::purgeExpiredState()
{
    auto purged = std::make_shared<int>(0);
    const qint64 at = now();
    Result<void> done = m_writer
                            ->submit([purged, at](Connection &c) -> Result<void> {
                                Result<int> n = deleteExpiredState(c, at);
                                if (!n) {
                                    return n.error();
                                }
                                *purged = *n;
                                return {};
                            })
                            .get();
    if (!done) {
        return done.error();
    }
    return *purged;
}

} // namespace syncline::engine::store
