#include "engine/store/connection.h"
#include "engine/store/lineagejobs.h"
#include "engine/store/lineagetext.h"
#include "engine/store/migrations.h"
#include "engine/store/sqlitelineagestore.h"
#include "engine/store/sqlitemessagestore.h"
#include "engine/store/storeschema.h"

#include <QTemporaryDir>
#include <QTest>

using namespace syncline::engine;
using namespace syncline::engine::store;

namespace {

template<typename T>
QByteArray why(const Result<T> &result)
{
    return result.ok() ? QByteArray() : result.error().message.toUtf8();
}

QList<QStringList> rows(const QString &path, const char *sql, int columns)
{
    QList<QStringList> out;
    Result<Connection> c = Connection::open(path, OpenMode::ReadOnly);
    if (!c) {
        return out;
    }
    Result<Statement> s = c->prepare(sql);
    while (s && *s->step()) {
        QStringList row;
        for (int i = 0; i < columns; ++i) {
            row.append(s->qtext(i));
        }
        out.append(row);
    }
    return out;
}

} // namespace

class TestLineageStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    qint64 m_now = 1'800'000'000'000;

    QString path() const { return m_dir.filePath(QStringLiteral("engine.db")); }

    void open()
    {
        SqliteStoreOptions options;
        options.clock = [this] { return m_now; };
        auto opened = SqliteMessageStore::open(path(), options);
        QVERIFY2(opened, why(opened));
        m_store = std::move(*opened);
    }

    QString
    ingest(const QString &correlationId, const QString &businessKey, const QByteArray &payload)
    {
        IngestRequest request;
        request.message.flowId = QStringLiteral("invoices");
        request.message.flowVersion = 1;
        request.message.correlationId = correlationId;
        request.message.businessKey = businessKey;
        request.message.headers = "{}";
        request.message.payload = payload;
        request.firstNodes = {QStringLiteral("split")};
        Result<IngestResult> stored = m_store->ingest(request);
        return stored ? stored->messageId : QString();
    }

    // Runs the split node by hand: one child per line, each queued at "post".
    QStringList split(int lines)
    {
        Result<QList<WorkItem>> items =
            m_store->claim(QStringLiteral("invoices"), 1, QStringLiteral("split"), 1, 60'000);
        if (!items || items->isEmpty()) {
            return {};
        }
        StepResult step;
        step.workItemId = items->first().id;
        step.startedAtMs = m_now;
        step.finishedAtMs = m_now + 3;
        for (int i = 1; i <= lines; ++i) {
            NewMessage child;
            child.flowId = QStringLiteral("invoices");
            child.flowVersion = 1;
            child.businessKey = QStringLiteral("L-%1").arg(i);
            child.headers = "{}";
            child.payload = QStringLiteral(R"({"line":%1,"amount":"19.990"})").arg(i).toUtf8();
            step.outputs.append({QStringLiteral("post"), child, QStringLiteral("split")});
        }
        m_now += 10;
        if (!m_store->completeStep(step)) {
            return {};
        }
        QStringList children;
        for (const QStringList &row :
             rows(path(), "SELECT child_id FROM lineage ORDER BY child_id", 1)) {
            children.append(row.first());
        }
        return children;
    }

    // Posts one waiting line the way the HTTP node does: intent, outcome with ids, step.
    void post(const QByteArray &externalIds, EffectState state = EffectState::Succeeded)
    {
        Result<QList<WorkItem>> items =
            m_store->claim(QStringLiteral("invoices"), 1, QStringLiteral("post"), 1, 60'000);
        QVERIFY(items && !items->isEmpty());
        const StoredMessage &m = items->first().message;
        const EffectIntent intent{QStringLiteral("key-") + m.businessKey,
                                  m.messageId,
                                  m.correlationId,
                                  m.flowId,
                                  QStringLiteral("post"),
                                  m.businessKey,
                                  QStringLiteral("erp"),
                                  QStringLiteral("POST"),
                                  QStringLiteral("http://erp/lines")};
        QVERIFY(m_store->beginEffect(intent));
        QVERIFY(m_store->finishEffect({intent.idempotencyKey, state, 201, externalIds, {}}));
        StepResult step;
        step.workItemId = items->first().id;
        step.startedAtMs = m_now;
        step.finishedAtMs = m_now + 12;
        m_now += 20;
        QVERIFY(m_store->completeStep(step));
    }

    LineageGraph lineage(LineageKey key, const QString &value, int maxMessages = 1000)
    {
        SqliteLineageStore store(*m_store);
        Result<std::optional<LineageGraph>> graph = store.lineage({key, value, maxMessages});
        if (!graph || !*graph) {
            return {};
        }
        return **graph;
    }

private slots:
    void init()
    {
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
            QFile::remove(path() + suffix);
        }
        open();
    }
    void cleanup() { m_store.reset(); }

    void externalIdsAreIndexedWithTheOutcome()
    {
        ingest(QStringLiteral("c-1"), QStringLiteral("INV-1"), R"({"number":"INV-1"})");
        QCOMPARE(split(2).size(), 2);
        post(R"({"erpLine":"ERPL-1","erpBatch":"B-7"})");
        post({}, EffectState::Failed);
        QCOMPARE(rows(path(), "SELECT external_id, name FROM effect_external_ids ORDER BY 1", 2),
                 (QList<QStringList>{{QStringLiteral("B-7"), QStringLiteral("erpBatch")},
                                     {QStringLiteral("ERPL-1"), QStringLiteral("erpLine")}}));

        // A late outcome for a succeeded effect changes nothing, its ids included.
        QVERIFY(m_store->finishEffect({QStringLiteral("key-L-1"),
                                       EffectState::Succeeded,
                                       201,
                                       R"({"erpLine":"OTHER"})",
                                       {}}));
        QCOMPARE(rows(path(), "SELECT count(*) FROM effect_external_ids", 1).first().first(),
                 QStringLiteral("2"));
        const LineageGraph graph = lineage(LineageKey::ExternalId, QStringLiteral("ERPL-1"));
        QCOMPARE(graph.messages.size(), 3);
        QCOMPARE(graph.effectCount(), 2);

        // The store still passes its check at the next start (SQLite 3.40's quick_check misreads
        // a WITHOUT ROWID table whose key is not in column order).
        m_store.reset();
        open();
        QCOMPARE(lineage(LineageKey::ExternalId, QStringLiteral("B-7")).messages.size(), 3);
    }

    void theMigrationIndexesEffectsStoredBefore()
    {
        m_store.reset();
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
            QFile::remove(path() + suffix);
        }
        // A database from before the index: its effects already hold external ids.
        {
            Result<Connection> c = Connection::open(path());
            QVERIFY(c);
            std::span<const Migration> all = messageStoreMigrations();
            QVERIFY(migrate(*c, all.first(3)));
            QVERIFY(c->exec(
                "INSERT INTO messages(message_id, flow_id, flow_version, correlation_id,"
                " causation_id, business_key, headers, payload, created_at)"
                " VALUES ('m1', 'f', 1, 'c1', '', 'INV-9', '{}', '{}', 1);"
                "INSERT INTO effects(idempotency_key, message_id, correlation_id, flow_id,"
                " node_id, target, method, url, state, attempts, external_ids, created_at,"
                " updated_at) VALUES"
                " ('k1', 'm1', 'c1', 'f', 'post', 'erp', 'POST', 'u', 'succeeded', 1,"
                "  CAST('{\"erpDocument\":\"SO-1\",\"number\":42,\"empty\":\"\",\"nested\":{}}'"
                "  AS BLOB), 1, 1),"
                " ('k2', 'm1', 'c1', 'f', 'post', 'erp', 'POST', 'u', 'failed', 1, '', 1, 1),"
                " ('k3', 'm1', 'c1', 'f', 'post', 'erp', 'POST', 'u', 'succeeded', 1, 'not json',"
                "  1, 1),"
                " ('k4', 'm1', 'c1', 'f', 'post', 'erp', 'POST', 'u', 'succeeded', 1, '[\"A\"]',"
                "  1, 1),"
                " ('k5', 'm1', 'c1', 'f', 'post', 'erp', 'POST', 'u', 'pending', 1, NULL, 1, 1);"));
        }
        open();
        QCOMPARE(
            rows(path(),
                 "SELECT external_id, name, idempotency_key FROM effect_external_ids"
                 " ORDER BY 1",
                 3),
            (QList<QStringList>{
                {QStringLiteral("42"), QStringLiteral("number"), QStringLiteral("k1")},
                {QStringLiteral("SO-1"), QStringLiteral("erpDocument"), QStringLiteral("k1")}}));
        const LineageGraph graph = lineage(LineageKey::ExternalId, QStringLiteral("SO-1"));
        QCOMPARE(graph.messages.size(), 1);
        QVERIFY(graph.messages.first().matched);
    }

    void everyLookupIsIndexed()
    {
        Result<Connection> c = Connection::open(path(), OpenMode::ReadOnly);
        QVERIFY(c);
        for (const char *sql : lineageStatements()) {
            Result<Statement> plan = c->prepare(std::string("EXPLAIN QUERY PLAN ") + sql);
            QVERIFY2(plan, why(plan));
            QStringList steps;
            while (*plan->step()) {
                steps.append(plan->qtext(3));
            }
            QVERIFY2(!steps.isEmpty(), sql);
            for (const QString &step : std::as_const(steps)) {
                // A SEARCH uses an index to find rows; a SCAN (even of an index) reads them all.
                QVERIFY2(
                    step.startsWith(QLatin1String("SEARCH")),
                    qPrintable(QStringLiteral("%1\n  → %2")
                                   .arg(QLatin1String(sql), steps.join(QStringLiteral("; ")))));
            }
        }
    }

    void aTruncatedGraphKeepsWhatIsNearest()
    {
        const QString source = ingest(QStringLiteral("c-big"), QStringLiteral("INV-BIG"), "{}");
        QCOMPARE(split(30).size(), 30);
        const LineageGraph graph = lineage(LineageKey::BusinessKey, QStringLiteral("INV-BIG"), 10);
        QVERIFY(graph.truncated);
        QCOMPARE(graph.messages.size(), 10);
        QVERIFY(graph.message(source));
        QVERIFY(graph.message(source)->matched);
        QCOMPARE(graph.edges.size(), 9); // only edges between messages kept
        QVERIFY(lineageText(graph).contains(QStringLiteral("Truncated")));
        QVERIFY(!lineage(LineageKey::BusinessKey, QStringLiteral("INV-BIG"), 31).truncated);
    }

    void unknownKeysFindNothing()
    {
        ingest(QStringLiteral("c-1"), QStringLiteral("INV-1"), "{}");
        SqliteLineageStore store(*m_store);
        for (LineageKey key :
             {LineageKey::CorrelationId, LineageKey::BusinessKey, LineageKey::ExternalId}) {
            Result<std::optional<LineageGraph>> graph =
                store.lineage({key, QStringLiteral("nope")});
            QVERIFY2(graph, why(graph));
            QVERIFY(!graph->has_value());
        }
        // A message without a business key is not found by an empty one.
        ingest(QStringLiteral("c-2"), QString(), "{}");
        QVERIFY(!store.lineage({LineageKey::BusinessKey, QString()})->has_value());
    }

    void theJsonFormRoundTripsExactly()
    {
        ingest(QStringLiteral("c-1"),
               QStringLiteral("INV-1"),
               R"({"number":"INV-1","total":19.990,"big":12345678901234567890})");
        split(2);
        post(R"({"erpLine":"ERPL-1"})");
        const LineageGraph graph = lineage(LineageKey::CorrelationId, QStringLiteral("c-1"));
        QCOMPARE(graph.messages.size(), 3);
        const QByteArray text = graph.toJson();
        QVERIFY2(text.contains(R"("total":19.990,"big":12345678901234567890)"), text.constData());
        QVERIFY(text.contains(R"("amount":"19.990")"));
        QVERIFY(text.startsWith(R"({"format":"syncline-lineage/1","query":{"by":"correlationId",)"
                                R"("value":"c-1"})"));
        Result<LineageGraph> back = LineageGraph::fromJson(text);
        QVERIFY2(back, why(back));
        QCOMPARE(back->toJson(), text);
        QCOMPARE(back->toJson(2), graph.toJson(2));
        QVERIFY(!LineageGraph::fromJson(R"({"format":"other"})"));
        QVERIFY(!LineageGraph::fromJson("{"));
    }

    void payloadsComeBackAsTheyArrived()
    {
        const QByteArray large =
            "{\"number\":\"INV-9\",\"note\":\"" + QByteArray(2000, 'x') + "\"}";
        ingest(QStringLiteral("c-9"), QStringLiteral("INV-9"), large);
        QCOMPARE(rows(path(), "SELECT payload_encoding FROM messages", 1),
                 (QList<QStringList>{{QStringLiteral("1")}})); // kept compressed
        const LineageGraph graph = lineage(LineageKey::BusinessKey, QStringLiteral("INV-9"));
        QCOMPARE(graph.messages.size(), 1);
        QCOMPARE(graph.messages.first().payload, large);
    }

    void theTreeShowsStepsEffectsAndIds()
    {
        ingest(QStringLiteral("c-1"), QStringLiteral("INV-1"), R"({"number":"INV-1"})");
        split(1);
        post(R"({"erpLine":"ERPL-1"})");
        const QString text = lineageText(lineage(LineageKey::BusinessKey, QStringLiteral("INV-1")));
        QVERIFY2(text.startsWith(QStringLiteral("Lineage by business key INV-1: 2 messages in 1 "
                                                "flow, 1 effect, 0 failed\n")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("[source event, matched]")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("split attempt 1: succeeded, 3 ms")));
        QVERIFY(text.contains(QStringLiteral("└── split at split → invoices v1 · message ")));
        QVERIFY(text.contains(QStringLiteral("post attempt 1: succeeded, 12 ms")));
        QVERIFY(text.contains(QStringLiteral("effect erp POST http://erp/lines → 201 succeeded, "
                                             "1 attempt, key key-L-1")));
        QVERIFY(text.contains(QStringLiteral("erpLine = ERPL-1")));
    }
};

QTEST_GUILESS_MAIN(TestLineageStore)
#include "tst_lineagestore.moc"
