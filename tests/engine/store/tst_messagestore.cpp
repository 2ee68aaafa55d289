#include "engine/store/connection.h"
#include "engine/store/migrations.h"
#include "engine/store/payloadcodec.h"
#include "engine/store/sqlitemessagestore.h"
#include "engine/store/storeschema.h"

#include <QDateTime>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace syncline::engine;
using namespace syncline::engine::store;

namespace {

template<typename T>
QByteArray why(const Result<T> &result)
{
    return result.ok() ? QByteArray() : result.error().message.toUtf8();
}

NewMessage invoice(const QString &number)
{
    NewMessage m;
    m.flowId = QStringLiteral("invoice-issued");
    m.flowVersion = 1;
    m.businessKey = number;
    m.headers = R"({"content-type":"application/json"})";
    m.payload = QStringLiteral(R"({"number":"%1","amount":"19.99"})").arg(number).toUtf8();
    return m;
}

// An invoice of `lines` lines, about 150 bytes of JSON each.
QByteArray largeInvoice(const QString &number, int lines)
{
    QByteArray text = "{\"number\":\"" + number.toUtf8() + "\",\"lines\":[";
    for (int i = 0; i < lines; ++i) {
        text += QStringLiteral(R"(%1{"sku":"PLAN-%2","description":"Subscription seat %2",)"
                               R"("quantity":%3,"unitPrice":"12.50","currency":"EUR"})")
                    .arg(QLatin1String(i == 0 ? "" : ","))
                    .arg(i)
                    .arg(i % 7 + 1)
                    .toUtf8();
    }
    return text + "]}";
}

IngestRequest delivery(const QString &number, const char *deliveryId)
{
    return {invoice(number), QStringLiteral("invoice-issued/webhook"),
            QString::fromLatin1(deliveryId),
            {QStringLiteral("validate")},
            {}};
}

} // namespace

class TestMessageStore : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_now = 1'700'000'000'000;
        m_store = openStore();
    }

    void cleanup() { m_store.reset(); }

    void deployedFlowsGetIncreasingVersions()
    {
        QCOMPARE(*m_store->latestFlowVersion(QStringLiteral("f")), 0);
        QCOMPARE(*m_store->deployFlow(QStringLiteral("f"), "{\"v\":1}"), 1);
        QCOMPARE(*m_store->deployFlow(QStringLiteral("f"), "{\"v\":2}"), 2);
        QCOMPARE(*m_store->deployFlow(QStringLiteral("g"), "{}"), 1);
        QCOMPARE(*m_store->latestFlowVersion(QStringLiteral("f")), 2);
        QCOMPARE(m_store->flowVersion(QStringLiteral("f"), 1)->value(), QByteArray("{\"v\":1}"));
        QVERIFY(!m_store->flowVersion(QStringLiteral("f"), 3)->has_value());
    }

    void ingestStoresOnceAndRecognisesARepeatedDelivery()
    {
        Result<IngestResult> first = m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"));
        QVERIFY2(first.ok(), why(first).constData());
        QVERIFY(!first->duplicate);
        QVERIFY(!first->correlationId.isEmpty());

        Result<IngestResult> again = m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"));
        QVERIFY(again.ok());
        QVERIFY(again->duplicate);
        QCOMPARE(again->messageId, first->messageId);
        QCOMPARE(again->correlationId, first->correlationId);

        const QList<QueueDepth> depths = *m_store->queueDepths();
        QCOMPARE(depths.size(), 1);
        QCOMPARE(depths[0].nodeId, QStringLiteral("validate"));
        QCOMPARE(depths[0].ready, 1);
        QCOMPARE(depths[0].bytes, invoice(QStringLiteral("INV-1")).payload.size());

        auto stored = m_store->message(first->messageId);
        QVERIFY(stored.ok() && stored->has_value());
        QCOMPARE((*stored)->payload, invoice(QStringLiteral("INV-1")).payload);
        QCOMPARE((*stored)->businessKey, QStringLiteral("INV-1"));
    }

    void newIdsSortInTheOrderTheyWereMade()
    {
        // Operators sort lists by id; and the store's id indexes stay append-only this way.
        QStringList ids;
        for (int i = 0; i < 2000; ++i) {
            const QByteArray event = "evt_" + QByteArray::number(i);
            Result<IngestResult> r =
                m_store->ingest(delivery(QStringLiteral("INV-%1").arg(i), event.constData()));
            QVERIFY2(r.ok(), why(r).constData());
            ids << r->messageId << r->correlationId;
        }
        QStringList sorted = ids;
        sorted.sort();
        QCOMPARE(sorted, ids);
        QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), ids.size());
        // RFC 9562 version 7 (Qt 6.4's QUuid::version() knows only 1 to 5).
        QCOMPARE(QUuid(ids.first()).variant(), QUuid::DCE);
        QCOMPARE(ids.first().at(14), QLatin1Char('7'));
        const QString hexMs = ids.first().left(8) + ids.first().mid(9, 4);
        const qint64 stampMs = qint64(hexMs.toULongLong(nullptr, 16));
        QVERIFY(qAbs(stampMs - QDateTime::currentMSecsSinceEpoch()) < 60'000);
    }

    void senderCorrelationIdIsKept()
    {
        IngestRequest request = delivery(QStringLiteral("INV-2"), "");
        request.message.correlationId = QStringLiteral("trace-abc");
        QCOMPARE(m_store->ingest(request)->correlationId, QStringLiteral("trace-abc"));
        // Without a delivery id nothing counts as a duplicate.
        QVERIFY(!m_store->ingest(request)->duplicate);
    }

    void aClaimedItemIsNotHandedOutTwice()
    {
        QVERIFY(m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1")).ok());
        QList<WorkItem> claimed = *claimValidate();
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].message.businessKey, QStringLiteral("INV-1"));
        QCOMPARE(claimed[0].attempts, 0);
        QVERIFY(claimValidate()->isEmpty());
        QCOMPARE(m_store->queueDepths()->at(0).inFlight, 1);
    }

    void aStepCommitsOutputsAndLineageTogether()
    {
        const IngestResult source = *m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"));
        const WorkItem item = claimValidate()->at(0);

        NewMessage mapped = invoice(QStringLiteral("INV-1"));
        mapped.payload = R"({"invoiceNumber":"INV-1"})";
        StepResult step;
        step.workItemId = item.id;
        step.startedAtMs = m_now;
        step.finishedAtMs = m_now + 3;
        step.outputs = {{QStringLiteral("audit"), std::nullopt},
                        {QStringLiteral("post-to-erp"), mapped}};
        Result<void> done = m_store->completeStep(step);
        QVERIFY2(done.ok(), why(done).constData());

        // Back pressure counts the bytes waiting: the source message passed on, and the child.
        QList<QueueDepth> depths = *m_store->queueDepths();
        QCOMPARE(depths.size(), 2);
        QCOMPARE(depths[0].nodeId, QStringLiteral("audit"));
        QCOMPARE(depths[0].bytes, invoice(QStringLiteral("INV-1")).payload.size());
        QCOMPARE(depths[1].nodeId, QStringLiteral("post-to-erp"));
        QCOMPARE(depths[1].bytes, mapped.payload.size());

        QList<WorkItem> toErp = *m_store->claim(QStringLiteral("invoice-issued"), 1,
                                                QStringLiteral("post-to-erp"), 10, 30'000);
        QCOMPARE(toErp.size(), 1);
        QCOMPARE(toErp[0].message.payload, mapped.payload);
        QCOMPARE(toErp[0].message.correlationId, source.correlationId);
        QCOMPARE(toErp[0].message.causationId, source.messageId);
        QList<WorkItem> toAudit = *m_store->claim(QStringLiteral("invoice-issued"), 1,
                                                  QStringLiteral("audit"), 10, 30'000);
        QCOMPARE(toAudit.size(), 1);
        QCOMPARE(toAudit[0].message.messageId, source.messageId); // moved on, not copied

        Result<Connection> c = Connection::open(m_dir->filePath(QStringLiteral("s.db")),
                                                OpenMode::ReadOnly);
        Result<Statement> edges = c->prepare("SELECT parent_id, child_id, node_id FROM lineage");
        QVERIFY(*edges->step());
        QCOMPARE(edges->qtext(0), source.messageId);
        QCOMPARE(edges->qtext(1), toErp[0].message.messageId);
        QCOMPARE(edges->qtext(2), QStringLiteral("validate"));
        Result<Statement> steps = c->prepare("SELECT node_id, status, attempt FROM steps");
        QVERIFY(*steps->step());
        QCOMPARE(steps->qtext(1), QStringLiteral("succeeded"));
        QCOMPARE(steps->int64(2), 1);
    }

    void aRetryWaitsForItsTime()
    {
        QVERIFY(m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1")).ok());
        const WorkItem item = claimValidate()->at(0);
        StepResult step{item.id, StepStatus::Retrying, QStringLiteral("HTTP_503"),
                        QStringLiteral("ERP unavailable"), m_now, m_now, m_now + 2'000, {}, {}};
        QVERIFY(m_store->completeStep(step).ok());
        QVERIFY(claimValidate()->isEmpty());
        QCOMPARE(m_store->queueDepths()->at(0).delayed, 1);
        m_now += 2'000;
        QList<WorkItem> again = *claimValidate();
        QCOMPARE(again.size(), 1);
        QCOMPARE(again[0].attempts, 1);
    }

    void aFailedStepIsParked()
    {
        QVERIFY(m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1")).ok());
        const WorkItem item = claimValidate()->at(0);
        StepResult step{item.id, StepStatus::Failed, QStringLiteral("SCHEMA"),
                        QStringLiteral("/lines/0/amount: must be a decimal string"), m_now, m_now,
                        0, {}, {}};
        QVERIFY(m_store->completeStep(step).ok());
        m_now += 60'000;
        QVERIFY(claimValidate()->isEmpty());
        QCOMPARE(m_store->queueDepths()->at(0).failed, 1);
    }

    void anExpiredClaimIsHandedOutAgainAndTheOldOneIsRefused()
    {
        QVERIFY(m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1")).ok());
        const WorkItem stale = claimValidate()->at(0);
        m_now += 31'000; // the worker died; its 30 s lease ran out
        QCOMPARE(*m_store->releaseExpiredClaims(), 1);
        const WorkItem fresh = claimValidate()->at(0);
        QCOMPARE(fresh.id, stale.id);

        StepResult late;
        late.workItemId = stale.id;
        late.outputs = {{QStringLiteral("post-to-erp"), std::nullopt}};
        QVERIFY(m_store->completeStep(late).ok()); // same item, now claimed again: accepted once
        Result<void> twice = m_store->completeStep(late);
        QVERIFY(!twice.ok());
        QCOMPARE(twice.error().code, QString::fromLatin1(kStaleClaim));
        QCOMPARE(m_store->claim(QStringLiteral("invoice-issued"), 1,
                                QStringLiteral("post-to-erp"), 10, 30'000)
                     ->size(),
                 1); // the output was queued once, not twice
    }

    void workSurvivesARestart()
    {
        const IngestResult source = *m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"));
        QCOMPARE(claimValidate()->size(), 1);
        m_store.reset(); // the engine stops (or crashes) with the item claimed
        m_now += 60'000;
        m_store = openStore();
        QCOMPARE(*m_store->releaseExpiredClaims(), 1);
        QList<WorkItem> claimed = *claimValidate();
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].message.messageId, source.messageId);
        QVERIFY(m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"))->duplicate);
    }

    void theEffectLedgerNeverRepeatsASucceededEffect()
    {
        const QString messageId = m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"))
                                      ->messageId;
        EffectIntent intent{QStringLiteral("corr-1:post-to-erp:INV-1"), messageId,
                            QStringLiteral("corr-1"), QStringLiteral("invoice-issued"),
                            QStringLiteral("post-to-erp"), QStringLiteral("INV-1"),
                            QStringLiteral("erp"), QStringLiteral("POST"),
                            QStringLiteral("http://127.0.0.1/erp/invoices")};
        Result<EffectRecord> first = m_store->beginEffect(intent);
        QVERIFY2(first.ok(), why(first).constData());
        QCOMPARE(first->state, EffectState::Pending);
        QCOMPARE(first->attempts, 1);

        // The first attempt timed out; the retry reuses the key.
        QVERIFY(m_store->finishEffect({intent.idempotencyKey, EffectState::Failed, 0, {},
                                       QStringLiteral("timeout")})
                    .ok());
        QCOMPARE(m_store->beginEffect(intent)->attempts, 2);
        QVERIFY(m_store->finishEffect({intent.idempotencyKey, EffectState::Succeeded, 201,
                                       R"({"erpDocument":"AR-1001"})", {}})
                    .ok());

        Result<EffectRecord> replay = m_store->beginEffect(intent);
        QCOMPARE(replay->state, EffectState::Succeeded);
        QCOMPARE(replay->attempts, 2);
        QCOMPARE(replay->externalIds, QByteArray(R"({"erpDocument":"AR-1001"})"));
        // A late failure report of an earlier attempt cannot undo the success.
        QVERIFY(m_store->finishEffect({intent.idempotencyKey, EffectState::Failed, 500, {}, {}})
                    .ok());
        QCOMPARE(m_store->effect(intent.idempotencyKey)->value().state, EffectState::Succeeded);

        Result<void> unknown = m_store->finishEffect({QStringLiteral("nope"),
                                                      EffectState::Succeeded, 200, {}, {}});
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code, QString::fromLatin1(kUnknownEffect));
    }

    void noCallIsBegunForAMessageTheStoreDoesNotHold()
    {
        // A claim answered before its transaction failed to commit can name a message whose
        // ingest was rolled back; its sender heard 503 and sends it again.
        const QString held = m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"))->messageId;
        EffectIntent good{QStringLiteral("k-held"), held, QStringLiteral("c1"),
                          QStringLiteral("invoice-issued"), QStringLiteral("post"),
                          QStringLiteral("INV-1"), QStringLiteral("erp"), QStringLiteral("POST"),
                          QStringLiteral("u")};
        EffectIntent phantom = good;
        phantom.idempotencyKey = QStringLiteral("k-phantom");
        phantom.messageId = QStringLiteral("0000-never-stored");
        Result<QList<EffectRecord>> begun = m_store->beginEffects({good, phantom});
        QVERIFY(!begun);
        QCOMPARE(begun.error().code, QString::fromLatin1(kStaleClaim));
        QVERIFY2(begun.error().message.contains(phantom.messageId), why(begun));
        QVERIFY(!m_store->effect(good.idempotencyKey)->has_value()); // all or nothing
        QVERIFY(!m_store->effect(phantom.idempotencyKey)->has_value());
        QVERIFY(m_store->beginEffects({good}));
    }

    void anEffectRecordedBeforeTheLedgerMovedIsStillNeverRepeated()
    {
        // A database of schema version 8, when the ledger was keyed by the idempotency key: one
        // effect succeeded, one was sent and never answered.
        m_store.reset();
        const QString file = m_dir->filePath(QStringLiteral("old.db"));
        {
            Result<Connection> c = Connection::open(file);
            QVERIFY(c);
            QVERIFY(migrate(*c, messageStoreMigrations().first(8)));
            QVERIFY(c->exec(
                "INSERT INTO effects(idempotency_key, message_id, correlation_id, flow_id,"
                " node_id, business_key, target, method, url, state, attempts, http_status,"
                " external_ids, created_at, updated_at) VALUES"
                " ('syn-done', 'm1', 'c1', 'f', 'post', 'INV-1', 'erp', 'POST', 'u',"
                "  'succeeded', 1, 201, CAST('{\"erpDocument\":\"AR-7\"}' AS BLOB), 1, 2),"
                " ('syn-sent', 'm2', 'c2', 'f', 'post', 'INV-2', 'erp', 'POST', 'u',"
                "  'uncertain', 1, NULL, NULL, 1, 3);"
                "INSERT INTO messages(message_id, flow_id, flow_version, correlation_id,"
                " payload, created_at) VALUES ('m1', 'f', 1, 'c1', CAST('{}' AS BLOB), 1);"));
        }
        m_store = openStore(file);

        EffectIntent done{QStringLiteral("syn-done"), QStringLiteral("m1"), QStringLiteral("c1"),
                          QStringLiteral("f"), QStringLiteral("post"), QStringLiteral("INV-1"),
                          QStringLiteral("erp"), QStringLiteral("POST"), QStringLiteral("u")};
        Result<EffectRecord> again = m_store->beginEffect(done);
        QVERIFY2(again, why(again));
        QCOMPARE(again->state, EffectState::Succeeded);
        QCOMPARE(again->attempts, 1);
        QCOMPARE(again->externalIds, QByteArray(R"({"erpDocument":"AR-7"})"));
        Result<std::optional<EffectRecord>> sent = m_store->effect(QStringLiteral("syn-sent"));
        QVERIFY2(sent, why(sent));
        QVERIFY(sent->has_value());
        QCOMPARE(sent->value().state, EffectState::Uncertain);
        QCOMPARE(sent->value().createdAtMs, 1);

        // Effects begun after the move go after the moved ones, and keys stay unique.
        EffectIntent next = done;
        next.idempotencyKey = QStringLiteral("syn-next");
        QVERIFY(m_store->beginEffect(next));
        QVERIFY(m_store->beginEffect(next));
        Result<Connection> reader = Connection::open(file, OpenMode::ReadOnly);
        QVERIFY(reader);
        Result<Statement> order = reader->prepare("SELECT idempotency_key FROM effects ORDER BY id");
        QVERIFY(order);
        QStringList keys;
        while (*order->step()) {
            keys.append(order->qtext(0));
        }
        QCOMPARE(keys, (QStringList{QStringLiteral("syn-done"), QStringLiteral("syn-sent"),
                                    QStringLiteral("syn-next")}));
    }

    void itemsQueuedBeforeTheyCarriedTheirSizeAreCountedAfterTheUpgrade()
    {
        m_store.reset();
        const QString file = m_dir->filePath(QStringLiteral("v9.db"));
        {
            Result<Connection> c = Connection::open(file);
            QVERIFY(c);
            QVERIFY(migrate(*c, messageStoreMigrations().first(9)));
            QVERIFY(c->exec(
                "INSERT INTO messages(message_id, flow_id, flow_version, correlation_id, payload,"
                " created_at) VALUES ('m1', 'f', 1, 'c1', CAST('{\"n\":12345}' AS BLOB), 1);"
                "INSERT INTO work_items(message_id, flow_id, flow_version, node_id, state,"
                " available_at) VALUES ('m1', 'f', 1, 'post', 'ready', 1),"
                " ('gone', 'f', 1, 'post', 'ready', 1);"));
        }
        m_store = openStore(file);
        const QList<QueueDepth> depths = *m_store->queueDepths();
        QCOMPARE(depths.size(), 1);
        QCOMPARE(depths[0].ready, 2);
        QCOMPARE(depths[0].bytes, qint64(sizeof("{\"n\":12345}") - 1));
    }

    void largePayloadsAreStoredCompressedAndReadBackExactly()
    {
        IngestRequest large = delivery(QStringLiteral("INV-L"), "evt_large");
        large.message.payload = largeInvoice(QStringLiteral("INV-L"), 40);
        IngestRequest small = delivery(QStringLiteral("INV-S"), "evt_small");
        QVERIFY(small.message.payload.size() < kCompressFrom);
        QVERIFY(m_store->ingest(large).ok());
        QVERIFY(m_store->ingest(small).ok());

        Result<Connection> c = Connection::open(m_dir->filePath(QStringLiteral("s.db")),
                                                OpenMode::ReadOnly);
        Result<Statement> rows = c->prepare("SELECT business_key, payload_encoding,"
                                            " length(payload) FROM messages ORDER BY id");
        QVERIFY(*rows->step());
        QCOMPARE(rows->qtext(0), QStringLiteral("INV-L"));
        QCOMPARE(rows->int64(1), qint64(PayloadEncoding::Zstd));
        QVERIFY2(rows->int64(2) * 4 < large.message.payload.size(),
                 QByteArray::number(qint64(rows->int64(2))));
        QVERIFY(*rows->step());
        QCOMPARE(rows->int64(1), qint64(PayloadEncoding::Text));
        QCOMPARE(rows->int64(2), small.message.payload.size());

        // Queues count the JSON text waiting, not the bytes on disk.
        QCOMPARE(m_store->queueDepths()->at(0).bytes,
                 large.message.payload.size() + small.message.payload.size());
        const QList<WorkItem> claimed = *claimValidate();
        QCOMPARE(claimed.size(), 2);
        QCOMPARE(claimed[0].message.payload, large.message.payload);
        QCOMPARE(claimed[1].message.payload, small.message.payload);
        Result<std::optional<StoredMessage>> read = m_store->message(claimed[0].message.messageId);
        QVERIFY2(read, why(read));
        QCOMPARE(read->value().payload, large.message.payload);
    }

    void aDamagedPayloadIsReportedWithItsMessage()
    {
        IngestRequest large = delivery(QStringLiteral("INV-L"), "evt_large");
        large.message.payload = largeInvoice(QStringLiteral("INV-L"), 40);
        const IngestResult stored = *m_store->ingest(large);
        {
            Result<Connection> c = Connection::open(m_dir->filePath(QStringLiteral("s.db")));
            QVERIFY(c->exec("UPDATE messages SET payload = substr(payload, 1, 40)"));
        }
        Result<std::optional<StoredMessage>> read = m_store->message(stored.messageId);
        QVERIFY(!read);
        QCOMPARE(read.error().code, QStringLiteral("STORE_PAYLOAD"));
        QVERIFY2(read.error().message.contains(stored.messageId), why(read));
        // The claim does not fail on it: the item is parked (tst_exceptionqueue).
        Result<QList<WorkItem>> claimed = claimValidate();
        QVERIFY2(claimed, why(claimed));
        QVERIFY(claimed->isEmpty());
        {
            Result<Connection> c = Connection::open(m_dir->filePath(QStringLiteral("s.db")));
            QVERIFY(c->exec("UPDATE messages SET payload_encoding = 7"));
        }
        read = m_store->message(stored.messageId);
        QVERIFY(!read);
        QVERIFY2(read.error().message.contains(QStringLiteral("unknown encoding 7")), why(read));
    }

    void aParkedUnreadableMessageLetsTheNextOfItsKeyGo()
    {
        IngestRequest first = delivery(QStringLiteral("INV-O1"), "evt_o1");
        first.message.payload = largeInvoice(QStringLiteral("INV-O1"), 40);
        first.message.orderingKey = QStringLiteral("sub-1");
        IngestRequest second = delivery(QStringLiteral("INV-O2"), "evt_o2");
        second.message.orderingKey = QStringLiteral("sub-1");
        const IngestResult damaged = *m_store->ingest(first);
        QVERIFY(m_store->ingest(second));
        {
            Result<Connection> c = Connection::open(m_dir->filePath(QStringLiteral("s.db")));
            Result<Statement> damage = c->prepare(
                "UPDATE messages SET payload = substr(payload, 1, 40) WHERE message_id = ?");
            damage->bind(1, damaged.messageId);
            QVERIFY(damage->run());
        }
        QVERIFY(claimValidate()->isEmpty()); // the first is parked; the second waited its turn
        const QList<WorkItem> next = *claimValidate();
        QCOMPARE(next.size(), 1);
        QCOMPARE(next[0].message.businessKey, QStringLiteral("INV-O2"));
    }

    void messagesStoredBeforeCompressionAreReadAsTheyWere()
    {
        m_store.reset();
        const QString file = m_dir->filePath(QStringLiteral("v11.db"));
        const QByteArray text = largeInvoice(QStringLiteral("INV-OLD"), 40);
        {
            Result<Connection> c = Connection::open(file);
            QVERIFY(c);
            QVERIFY(migrate(*c, messageStoreMigrations().first(11)));
            Result<Statement> insert = c->prepare(
                "INSERT INTO messages(message_id, flow_id, flow_version, correlation_id, payload,"
                " created_at) VALUES ('m1', 'invoice-issued', 1, 'c1', ?, 1)");
            insert->bindBlob(1, bytesOf(text));
            QVERIFY(insert->run());
            QVERIFY(c->exec("INSERT INTO work_items(message_id, flow_id, flow_version, node_id,"
                            " state, available_at, payload_bytes) VALUES"
                            " ('m1', 'invoice-issued', 1, 'validate', 'ready', 1, 6322)"));
        }
        m_store = openStore(file);
        const QList<WorkItem> claimed = *claimValidate();
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].message.payload, text);
    }

    void nodeStateCommitsWithTheStepThatWroteIt()
    {
        const IngestResult source = *m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1"));
        const WorkItem item = claimValidate()->at(0);
        const QString scope = QStringLiteral("dedupe/invoice-issued/validate");
        StepResult step{item.id, StepStatus::Succeeded, {}, {}, m_now, m_now, 0, {}, {}};
        step.stateWrites = {{scope, QStringLiteral("INV-1"), source.messageId.toUtf8(),
                             m_now + 60'000}};
        QVERIFY(m_store->completeStep(step).ok());
        QCOMPARE(m_store->state(scope, QStringLiteral("INV-1"))->value(), source.messageId.toUtf8());

        // A step refused as stale writes nothing.
        StepResult stale = step;
        stale.stateWrites = {{scope, QStringLiteral("INV-2"), QByteArray("x"), 0}};
        QVERIFY(!m_store->completeStep(stale).ok());
        QVERIFY(!m_store->state(scope, QStringLiteral("INV-2"))->has_value());

        m_now += 60'000; // the window has passed: the key reads as absent and is purged
        QVERIFY(!m_store->state(scope, QStringLiteral("INV-1"))->has_value());
        QCOMPARE(*m_store->purgeExpiredState(), 1);
    }

    void nodeStateEntriesAreListedAndDeletedByScope()
    {
        const QString bucket = QStringLiteral("aggregate/usage/sum/acct-1");
        QVERIFY(m_store->writeState({{bucket, QStringLiteral("m2"), QByteArray("2"), 0},
                                     {bucket, QStringLiteral("m1"), QByteArray("1"), 0},
                                     {QStringLiteral("other"), QStringLiteral("k"), QByteArray("v"), 0}})
                    .ok());
        QList<StateEntry> entries = *m_store->stateEntries(bucket);
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries[0].key, QStringLiteral("m1"));
        QCOMPARE(entries[1].value, QByteArray("2"));
        QVERIFY(m_store->writeState({{bucket, {}, std::nullopt, 0}}).ok());
        QVERIFY(m_store->stateEntries(bucket)->isEmpty());
        QCOMPARE(m_store->state(QStringLiteral("other"), QStringLiteral("k"))->value(), QByteArray("v"));
    }

    void anIngestCommitsItsCursorWithTheMessage()
    {
        IngestRequest request = delivery(QStringLiteral("INV-1"), "evt_1");
        request.stateWrites = {{QStringLiteral("poll/f/t"), QStringLiteral("cursor"), QByteArray("p2"), 0}};
        QVERIFY(m_store->ingest(request).ok());
        QCOMPARE(m_store->state(QStringLiteral("poll/f/t"), QStringLiteral("cursor"))->value(),
                 QByteArray("p2"));
    }

    void anOutputCanWaitUntilItsTime()
    {
        QVERIFY(m_store->ingest(delivery(QStringLiteral("INV-1"), "evt_1")).ok());
        const WorkItem item = claimValidate()->at(0);
        StepResult step{item.id, StepStatus::Succeeded, {}, {}, m_now, m_now, 0, {}, {}};
        StepOutput later{QStringLiteral("post"), std::nullopt};
        later.availableAtMs = m_now + 5'000;
        step.outputs = {later};
        QVERIFY(m_store->completeStep(step).ok());
        const auto claimPost = [this] {
            return *m_store->claim(QStringLiteral("invoice-issued"), 1, QStringLiteral("post"), 10,
                                   30'000);
        };
        QVERIFY(claimPost().isEmpty());
        m_now += 5'000;
        QCOMPARE(claimPost().size(), 1);
    }

private:
    // The store on `file` (the test's own database by default), upgraded as opening does.
    std::unique_ptr<SqliteMessageStore> openStore(const QString &file = {})
    {
        SqliteStoreOptions options;
        options.clock = [this] { return m_now; };
        auto store = SqliteMessageStore::open(
            file.isEmpty() ? m_dir->filePath(QStringLiteral("s.db")) : file, options);
        if (!store) {
            qFatal("cannot open store: %s", qPrintable(store.error().message));
        }
        return std::move(*store);
    }

    Result<QList<WorkItem>> claimValidate()
    {
        return m_store->claim(QStringLiteral("invoice-issued"), 1, QStringLiteral("validate"), 10,
                              30'000);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    qint64 m_now = 0;
};

QTEST_GUILESS_MAIN(TestMessageStore)
#include "tst_messagestore.moc"
