#include "engine/store/auditjobs.h"
#include "engine/store/connection.h"
#include "engine/store/sqliteexceptionstore.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>

using namespace syncline::engine;
using namespace syncline::engine::store;

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

constexpr qint64 kStart = 1'800'000'000'000; // 2027-01-15
constexpr qint64 kHour = 3'600'000;

// What one generated exception is made of.
struct Spec
{
    QString flow;
    QString node;
    QString code;
    ExceptionCategory category = ExceptionCategory::Business;
    QString owner;
    QString businessKey;
    qint64 atMs = 0;
    qint64 id = 0;
};

// A deterministic spread over flows, nodes, codes, owners, keys and an hour per exception.
QList<Spec> specs()
{
    QList<Spec> out;
    const QStringList flows = {str("lead-to-cash"), str("invoice-issued"), str("usage")};
    const QStringList codes = {str("SCHEMA"),
                               str("LOOKUP_MISS"),
                               str("HTTP_4XX"),
                               str("MISSING_TAX_CODE"),
                               str("RETRIES_EXHAUSTED")};
    for (int i = 0; i < 60; ++i) {
        Spec s;
        s.flow = flows[i % 3];
        s.node = i % 2 == 0 ? str("post") : str("check");
        s.code = codes[i % 5];
        s.category = s.code == QLatin1String("RETRIES_EXHAUSTED") ? ExceptionCategory::Technical
                                                                  : ExceptionCategory::Business;
        s.owner = s.category == ExceptionCategory::Business ? str("finance") : str("admin");
        s.businessKey = i % 4 == 0 ? QString() : QStringLiteral("INV-%1").arg(i % 10);
        s.atMs = kStart + qint64(i) * kHour;
        out.append(s);
    }
    return out;
}

} // namespace

class TestExceptionQueue : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::atomic<qint64> m_now{kStart};
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<SqliteExceptionStore> m_exceptions;
    QList<Spec> m_specs;
    const Actor m_finance{str("fiona"), str("finance")};
    const Actor m_admin{str("ada"), str("admin")};

    // Stores a message at `node` and fails it there, as the executor would.
    qint64 raise(Spec &s, std::optional<NewException> exception = std::nullopt)
    {
        m_now = s.atMs;
        IngestRequest request;
        request.message = {s.flow,
                           1,
                           QString(),
                           QString(),
                           s.businessKey,
                           "{}",
                           R"({"number":"INV-1","amount":"12"})"};
        request.firstNodes = {s.node};
        Result<IngestResult> stored = m_store->ingest(request);
        Result<QList<WorkItem>> claimed = m_store->claim(s.flow, 1, s.node, 1, 60'000);
        if (!stored.ok() || !claimed.ok() || claimed->size() != 1) {
            qFatal("cannot set up a failed step");
        }
        StepResult step;
        step.workItemId = claimed->first().id;
        step.status = StepStatus::Failed;
        step.errorCode = s.code;
        step.errorDetail = QStringLiteral("%1 at %2").arg(s.code, s.node);
        step.startedAtMs = step.finishedAtMs = s.atMs;
        if (!exception) {
            exception = NewException{};
            exception->category = s.category;
            exception->ownerRole = s.owner;
            exception->slaMs = 24 * kHour;
        }
        step.exception = exception;
        if (Result<void> done = m_store->completeStep(step); !done.ok()) {
            qFatal("%s", qPrintable(done.error().message));
        }
        auto page = m_exceptions->list({}, std::nullopt, 1);
        s.id = page->items.first().id;
        return s.id;
    }

    QList<qint64> walk(const ExceptionFilter &filter, int pageSize)
    {
        QList<qint64> ids;
        std::optional<ExceptionCursor> after;
        for (int pages = 0; pages < 1000; ++pages) {
            Result<ExceptionPage> page = m_exceptions->list(filter, after, pageSize);
            if (!page.ok()) {
                qFatal("%s", qPrintable(page.error().message));
            }
            for (const ExceptionRecord &r : page->items) {
                ids.append(r.id);
            }
            if (!page->next) {
                break;
            }
            after = page->next;
        }
        return ids;
    }

    QList<qint64> expected(const std::function<bool(const Spec &)> &keep) const
    {
        QList<qint64> ids;
        for (const Spec &s : m_specs) {
            if (keep(s)) {
                ids.append(s.id);
            }
        }
        std::reverse(ids.begin(), ids.end()); // newest first
        return ids;
    }

private slots:
    void initTestCase()
    {
        SqliteStoreOptions options;
        options.clock = [this] { return m_now.load(); };
        m_store = std::move(*SqliteMessageStore::open(m_dir.filePath(str("q.db")), options));
        m_exceptions = std::make_unique<SqliteExceptionStore>(*m_store);
        m_specs = specs();
        for (Spec &s : m_specs) {
            raise(s);
        }
        m_now = kStart + 100 * kHour;
    }

    void filtersSelectTheirExceptions_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : {"all",
                                 "flow",
                                 "flow and node",
                                 "category",
                                 "reason",
                                 "owner",
                                 "business key",
                                 "older than",
                                 "newer than",
                                 "window",
                                 "reason and owner",
                                 "nothing"}) {
            QTest::newRow(name) << str(name);
        }
    }

    void filtersSelectTheirExceptions()
    {
        QFETCH(QString, name);
        ExceptionFilter f;
        std::function<bool(const Spec &)> keep = [](const Spec &) { return true; };
        const qint64 cut = kStart + 30 * kHour;
        if (name == QLatin1String("flow")) {
            f.flowId = str("usage");
            keep = [](const Spec &s) { return s.flow == QLatin1String("usage"); };
        } else if (name == QLatin1String("flow and node")) {
            f.flowId = str("invoice-issued");
            f.nodeId = str("check");
            keep = [](const Spec &s) {
                return s.flow == QLatin1String("invoice-issued") &&
                       s.node == QLatin1String("check");
            };
        } else if (name == QLatin1String("category")) {
            f.category = ExceptionCategory::Technical;
            keep = [](const Spec &s) { return s.category == ExceptionCategory::Technical; };
        } else if (name == QLatin1String("reason")) {
            f.reasonCode = str("LOOKUP_MISS");
            keep = [](const Spec &s) { return s.code == QLatin1String("LOOKUP_MISS"); };
        } else if (name == QLatin1String("owner")) {
            f.ownerRole = str("admin");
            keep = [](const Spec &s) { return s.owner == QLatin1String("admin"); };
        } else if (name == QLatin1String("business key")) {
            f.businessKey = str("INV-3");
            keep = [](const Spec &s) { return s.businessKey == QLatin1String("INV-3"); };
        } else if (name == QLatin1String("older than")) {
            f.createdBeforeMs = cut;
            keep = [cut](const Spec &s) { return s.atMs < cut; };
        } else if (name == QLatin1String("newer than")) {
            f.createdAfterMs = cut;
            keep = [cut](const Spec &s) { return s.atMs > cut; };
        } else if (name == QLatin1String("window")) {
            f.createdAfterMs = kStart + 10 * kHour;
            f.createdBeforeMs = kStart + 20 * kHour;
            f.nodeId = str("post");
            keep = [](const Spec &s) {
                return s.atMs > kStart + 10 * kHour && s.atMs < kStart + 20 * kHour &&
                       s.node == QLatin1String("post");
            };
        } else if (name == QLatin1String("reason and owner")) {
            f.reasonCode = str("HTTP_4XX");
            f.ownerRole = str("finance");
            f.states = ExceptionFilter::States::Unresolved;
            keep = [](const Spec &s) { return s.code == QLatin1String("HTTP_4XX"); };
        } else if (name == QLatin1String("nothing")) {
            f.businessKey = str("INV-none");
            keep = [](const Spec &) { return false; };
        }
        const QList<qint64> want = expected(keep);
        QCOMPARE(walk(f, 7), want);
        Result<qint64> counted = m_exceptions->count(f);
        QVERIFY(counted.ok());
        QCOMPARE(*counted, qint64(want.size()));
    }

    void pagesWalkEveryExceptionOnceNewestFirst()
    {
        const QList<qint64> firstPages = walk({}, 13);
        QCOMPARE(firstPages.size(), m_specs.size());
        QCOMPARE(firstPages, expected([](const Spec &) { return true; }));
        // Exceptions arriving while someone pages do not shift the pages after the cursor.
        Result<ExceptionPage> first = m_exceptions->list({}, std::nullopt, 5);
        Spec late{str("usage"),
                  str("post"),
                  str("SCHEMA"),
                  ExceptionCategory::Business,
                  str("finance"),
                  str("INV-late"),
                  kStart + 200 * kHour};
        raise(late);
        Result<ExceptionPage> second = m_exceptions->list({}, first->next, 5);
        QCOMPARE(second->items.first().id, firstPages[5]);
        QCOMPARE(m_exceptions->list({}, std::nullopt, 1)->items.first().id, late.id);
        m_specs.append(late);
        // The last page says so.
        Result<ExceptionPage> tail =
            m_exceptions->list({}, ExceptionCursor{kStart + kHour, m_specs[1].id}, 5);
        QCOMPARE(tail->items.size(), 1);
        QVERIFY(!tail->next);
    }

    void countsPerGroupAgreeWithAScan_data()
    {
        QTest::addColumn<int>("group");
        for (ExceptionGroup g : {ExceptionGroup::Reason,
                                 ExceptionGroup::Flow,
                                 ExceptionGroup::Node,
                                 ExceptionGroup::State,
                                 ExceptionGroup::Category,
                                 ExceptionGroup::Owner}) {
            QTest::newRow(qPrintable(exceptionGroupName(g))) << int(g);
        }
    }

    void countsPerGroupAgreeWithAScan()
    {
        QFETCH(int, group);
        ExceptionFilter tallied;
        tallied.states = ExceptionFilter::States::Unresolved;
        ExceptionFilter scanned = tallied;
        scanned.createdAfterMs = 0; // the same set, but answered from the exceptions themselves
        Result<QList<GroupCount>> fast = m_exceptions->countBy(tallied, ExceptionGroup(group));
        Result<QList<GroupCount>> slow = m_exceptions->countBy(scanned, ExceptionGroup(group));
        QVERIFY(fast.ok() && slow.ok());
        QVERIFY(!fast->isEmpty());
        QCOMPARE(fast->size(), slow->size());
        qint64 total = 0;
        for (qsizetype i = 0; i < fast->size(); ++i) {
            QCOMPARE((*fast)[i].key, (*slow)[i].key);
            QCOMPARE((*fast)[i].flowId, (*slow)[i].flowId);
            QCOMPARE((*fast)[i].count, (*slow)[i].count);
            total += (*fast)[i].count;
        }
        QCOMPARE(total, *m_exceptions->count(tallied));
        if (ExceptionGroup(group) == ExceptionGroup::Reason) {
            QCOMPARE(fast->first().key, str("SCHEMA")); // most first: 12 + the late one
            QCOMPARE(fast->first().count, qint64(13));
        }
    }

    void actionsKeepTheirHistoryAndAuditTrail()
    {
        const qint64 id = m_specs[2].id; // a finance one
        Result<ExceptionRecord> assigned = m_exceptions->assign(id, m_finance, str("fiona"));
        QVERIFY(assigned.ok());
        QCOMPARE(assigned->state, ExceptionState::Assigned);
        ExceptionFilter assignedOnes;
        assignedOnes.states = ExceptionFilter::States::Assigned;
        QCOMPARE(*m_exceptions->count(assignedOnes), qint64(1));
        QVERIFY(m_exceptions->comment(id, m_finance, str("customer asked to wait")).ok());
        Result<RepairVersion> v1 = m_exceptions->repair(
            id, m_finance, R"({"number":"INV-1","amount":"12.00"})", str("amount needs cents"));
        Result<RepairVersion> v2 = m_exceptions->repair(
            id, m_finance, R"({"number":"INV-1","amount":"12.50"})", QString());
        QVERIFY(v1.ok() && v2.ok());
        QCOMPARE(v2->version, 2);
        Result<ExceptionRecord> discarded =
            m_exceptions->discard(id, m_admin, str("posted by hand"));
        QVERIFY(discarded.ok());
        QCOMPARE(discarded->resolution, Resolution::Discarded);
        QCOMPARE(discarded->resolvedBy, str("ada"));

        // Resolved: no more changes.
        Result<ExceptionRecord> again = m_exceptions->assign(id, m_admin, str("ada"));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, QString::fromLatin1(kExceptionResolved));
        QCOMPARE(m_exceptions->replay(id, m_admin, str("again")).error().code,
                 QString::fromLatin1(kExceptionResolved));

        Result<std::optional<ExceptionDetail>> detail = m_exceptions->get(id);
        QVERIFY(detail.ok() && detail->has_value());
        QStringList kinds;
        for (const ExceptionEvent &e : (*detail)->events) {
            kinds.append(e.kind);
        }
        QCOMPARE(kinds,
                 (QStringList{str("created"),
                              str("assigned"),
                              str("comment"),
                              str("repaired"),
                              str("repaired"),
                              str("discarded")}));
        QCOMPARE((*detail)->repairs.size(), 2);
        QCOMPARE((*detail)->repairs[0].payload,
                 QByteArray(R"({"number":"INV-1","amount":"12.00"})"));
        QCOMPARE((*detail)->input, QByteArray(R"({"number":"INV-1","amount":"12"})")); // kept
        QCOMPARE((*detail)->record.repairs, 2);

        Result<Connection> c = m_store->reader();
        Result<QList<AuditEntry>> audit = readAudit(*c, 0, 100);
        QVERIFY(audit.ok());
        QStringList actions;
        for (const AuditEntry &entry : *audit) {
            QCOMPARE(entry.record.objectType, str("exception"));
            QCOMPARE(entry.record.objectId, QString::number(id));
            actions.append(entry.record.action + u'/' + entry.record.actor);
        }
        QCOMPARE(actions,
                 (QStringList{str("assign/fiona"),
                              str("comment/fiona"),
                              str("repair/fiona"),
                              str("repair/fiona"),
                              str("discard/ada")}));
        QCOMPARE(audit->last().record.reason, str("posted by hand"));
        Result<AuditVerification> chain = verifyAudit(*c);
        QVERIFY(chain.ok());
        QVERIFY(!chain->firstBrokenSequence);
        // A discarded exception's message waits nowhere any more: 61 parked, one let go.
        qint64 parked = 0;
        const QList<QueueDepth> depths = *m_store->queueDepths();
        for (const QueueDepth &d : depths) {
            parked += d.failed;
        }
        QCOMPARE(parked, qint64(60));
    }

    void aReplayQueuesTheInputAtTheFailedNode()
    {
        Spec s{str("lead-to-cash"),
               str("post"),
               str("HTTP_4XX"),
               ExceptionCategory::Business,
               str("finance"),
               str("INV-replay"),
               kStart + 300 * kHour};
        const qint64 plain = raise(s);
        Result<ReplayTicket> ticket = m_exceptions->replay(plain, m_finance, str("target fixed"));
        QVERIFY(ticket.ok());
        QCOMPARE(ticket->nodeId, str("post"));
        QCOMPARE(ticket->repairVersion, 0);
        Result<QList<WorkItem>> ready =
            m_store->claim(str("lead-to-cash"), 1, str("post"), 10, 1000);
        QVERIFY(ready.ok());
        QCOMPARE(ready->size(), 1);
        QCOMPARE(ready->first().message.messageId, ticket->messageId);
        QCOMPARE(ready->first().attempts, 0);
        QCOMPARE((*m_exceptions->get(plain))->record.resolution, Resolution::Replayed);
        // It fails again: the new exception points back at the replayed one.
        StepResult step;
        step.workItemId = ready->first().id;
        step.status = StepStatus::Failed;
        step.errorCode = str("HTTP_4XX");
        QVERIFY(m_store->completeStep(step).ok());
        const ExceptionRecord next = m_exceptions->list({}, std::nullopt, 1)->items.first();
        QCOMPARE(next.previousId, plain);
        QCOMPARE(next.ownerRole, str("finance")); // derived from the code when not given
        QCOMPARE(next.slaDueAtMs, next.createdAtMs + 24 * kHour);

        // Repaired: the newest version goes, and the exception is resolved as repaired. A long
        // input is stored compressed and comes back as it was written.
        const QByteArray fixed = "{\"number\":\"INV-1\",\"amount\":\"1.00\",\"note\":\""
                                 + QByteArray(600, 'n') + "\"}";
        QVERIFY(m_exceptions->repair(next.id, m_finance, fixed, QString()).ok());
        QCOMPARE((*m_exceptions->get(next.id))->repairs.first().payload, fixed);
        Result<ReplayTicket> repaired = m_exceptions->replay(next.id, m_finance, str("fixed"));
        QVERIFY(repaired.ok());
        QCOMPARE(repaired->repairVersion, 1);
        QVERIFY(repaired->messageId != ticket->messageId);
        const auto again = m_store->claim(str("lead-to-cash"), 1, str("post"), 10, 1000);
        QCOMPARE(again->first().message.payload, fixed);
        QCOMPARE(again->first().message.correlationId, next.correlationId);
        QCOMPARE((*m_exceptions->get(next.id))->record.resolution, Resolution::Repaired);
    }

    void aReplayOfAnUncertainCallSendsItAgain()
    {
        Spec s{str("invoice-issued"),
               str("post"),
               str("UNCERTAIN"),
               ExceptionCategory::Uncertain,
               str("admin"),
               str("INV-unsure"),
               kStart + 400 * kHour};
        const qint64 id = raise(s);
        const ExceptionRecord record = (*m_exceptions->get(id))->record;
        EffectIntent intent{str("key-unsure"),
                            record.messageId,
                            record.correlationId,
                            record.flowId,
                            record.nodeId,
                            record.businessKey,
                            str("erp"),
                            str("POST"),
                            str("http://erp/invoices")};
        QVERIFY(m_store->beginEffect(intent).ok());
        QVERIFY(
            m_store
                ->finishEffect({str("key-unsure"), EffectState::Uncertain, 0, {}, str("timeout")})
                .ok());
        Result<ReplayTicket> ticket =
            m_exceptions->replay(id, m_admin, str("ERP has no such document"));
        QVERIFY(ticket.ok());
        QCOMPARE(ticket->rearmedEffects, 1);
        QCOMPARE((*m_store->effect(str("key-unsure")))->state, EffectState::Failed);
    }

    void anUnreadableInputIsParkedAndTheQueueGoesOn()
    {
        // Two messages wait at one node; the first one's stored payload is damaged.
        const QString flow = str("damaged-store");
        QList<QString> ids;
        for (const char *number : {"INV-D1", "INV-D2"}) {
            IngestRequest request;
            request.message = {flow, 1, QString(), QString(), str(number), "{}",
                               "{\"number\":\"" + QByteArray(number) + "\",\"note\":\""
                                   + QByteArray(800, 'n') + "\"}"};
            request.firstNodes = {str("post")};
            ids.append(m_store->ingest(request)->messageId);
        }
        {
            Result<Connection> c = Connection::open(m_dir.filePath(str("q.db")));
            Result<Statement> damage =
                c->prepare("UPDATE messages SET payload = substr(payload, 1, 30) WHERE message_id = ?");
            damage->bind(1, ids[0]);
            QVERIFY(damage->run());
        }

        // The claim hands over the second message and parks the first as a technical exception.
        Result<QList<WorkItem>> claimed = m_store->claim(flow, 1, str("post"), 10, 60'000);
        QVERIFY2(claimed.ok(), claimed.ok() ? "" : qPrintable(claimed.error().message));
        QCOMPARE(claimed->size(), 1);
        QCOMPARE(claimed->first().message.messageId, ids[1]);
        QVERIFY(m_store->claim(flow, 1, str("post"), 10, 60'000)->isEmpty());

        ExceptionFilter mine;
        mine.flowId = flow;
        const QList<ExceptionRecord> parked = m_exceptions->list(mine, std::nullopt, 10)->items;
        QCOMPARE(parked.size(), 1);
        const ExceptionRecord &record = parked.first();
        QCOMPARE(record.reasonCode, str("STORE_PAYLOAD"));
        QCOMPARE(record.category, ExceptionCategory::Technical);
        QCOMPARE(record.messageId, ids[0]);
        QCOMPARE(record.nodeId, str("post"));
        QCOMPARE(record.businessKey, str("INV-D1"));
        QVERIFY2(record.detail.contains(ids[0]), qPrintable(record.detail));

        // Its detail opens, without the input and with the reason it has none.
        const ExceptionDetail detail = **m_exceptions->get(record.id);
        QVERIFY(detail.input.isEmpty());
        QVERIFY2(detail.inputError.contains(ids[0]), qPrintable(detail.inputError));

        // An admin supplies the payload again; the replay runs it at the node.
        const QByteArray again = "{\"number\":\"INV-D1\"}";
        QVERIFY(m_exceptions->repair(record.id, m_admin, again, str("re-sent by billing")).ok());
        Result<ReplayTicket> ticket = m_exceptions->replay(record.id, m_admin, str("repaired"));
        QVERIFY2(ticket.ok(), ticket.ok() ? "" : qPrintable(ticket.error().message));
        const QList<WorkItem> replayed = *m_store->claim(flow, 1, str("post"), 10, 60'000);
        QCOMPARE(replayed.size(), 1);
        QCOMPARE(replayed.first().message.payload, again);
    }

    void unknownExceptionsAreNamed()
    {
        QCOMPARE(m_exceptions->assign(999999, m_admin, str("ada")).error().code,
                 QString::fromLatin1(kExceptionNotFound));
        QVERIFY(!m_exceptions->get(999999)->has_value());
    }
};

QTEST_GUILESS_MAIN(TestExceptionQueue)
#include "tst_exceptionqueue.moc"
