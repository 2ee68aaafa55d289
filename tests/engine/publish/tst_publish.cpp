#include "engine/runtime/publishnode.h"
#include "engine/runtime/topicregistry.h"
#include "engine/store/connection.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

class TestPublish : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    std::shared_ptr<TopicRegistry> m_topics;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("engine.db")); }

    static Subscription subscriber(const char *flow, int version)
    {
        return {QStringLiteral("invoice.posted"), QLatin1String(flow), version,
                QStringLiteral("in"), {QStringLiteral("sink")}};
    }

    // A message at the publish node of flow "orders", claimed as a worker would.
    store::WorkItem claimedAtPublish(const QByteArray &headers = "{}")
    {
        store::IngestRequest request;
        request.source = QStringLiteral("orders/hook");
        request.firstNodes = {QStringLiteral("pub")};
        request.message.flowId = QStringLiteral("orders");
        request.message.flowVersion = 1;
        request.message.businessKey = QStringLiteral("INV-7");
        request.message.headers = headers;
        request.message.payload = R"({"number":"INV-7","amount":"12.30"})";
        if (!m_store->ingest(request)) {
            return {};
        }
        Result<QList<store::WorkItem>> items = m_store->claim(QStringLiteral("orders"), 1,
                                                              QStringLiteral("pub"), 1, 60'000);
        return items && !items->isEmpty() ? items->first() : store::WorkItem{};
    }

    // Commits the node's outcome as the executor does: an output without a node goes to the
    // publish node's own successor ("audit").
    void commit(const store::WorkItem &item, const NodeOutcome &outcome)
    {
        store::StepResult step;
        step.workItemId = item.id;
        for (store::StepOutput output : outcome.outputs) {
            if (output.nodeId.isEmpty()) {
                output.nodeId = QStringLiteral("audit");
            }
            step.outputs.append(output);
        }
        QVERIFY(m_store->completeStep(step));
    }

    QList<store::WorkItem> take(const char *flow, int version, const char *node)
    {
        Result<QList<store::WorkItem>> items = m_store->claim(QLatin1String(flow), version,
                                                              QLatin1String(node), 100, 60'000);
        return items ? *items : QList<store::WorkItem>();
    }

    QStringList lineageKinds(const QString &parentId)
    {
        Result<store::Connection> c = store::Connection::open(dbPath(),
                                                              store::OpenMode::ReadOnly);
        if (!c) {
            return {};
        }
        Result<store::Statement> s = c->prepare(
            "SELECT kind FROM lineage WHERE parent_id = ? ORDER BY kind");
        if (!s) {
            return {};
        }
        s->bind(1, parentId);
        QStringList kinds;
        while (true) {
            Result<bool> row = s->step();
            if (!row || !*row) {
                break;
            }
            kinds.append(s->qtext(0));
        }
        return kinds;
    }

private slots:
    void init()
    {
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
            QFile::remove(dbPath() + suffix);
        }
        auto opened = store::SqliteMessageStore::open(dbPath());
        QVERIFY(opened);
        m_store = std::move(*opened);
        m_topics = std::make_shared<TopicRegistry>();
    }
    void cleanup() { m_store.reset(); }

    void reachesEverySubscriberInOneStep()
    {
        m_topics->setSubscriptions({subscriber("billing", 2), subscriber("crm", 1)});
        Result<std::shared_ptr<PublishNode>> node = PublishNode::create(
            {{"topic", "invoice.posted"}}, m_topics);
        QVERIFY(node);
        const store::WorkItem item = claimedAtPublish();
        QVERIFY(item.id > 0);
        const NodeOutcome outcome = (*node)->run(item);
        QCOMPARE(int(outcome.kind), int(NodeOutcome::Kind::Continue));
        commit(item, outcome);

        for (const auto &[flow, version] : {std::pair{"billing", 2}, std::pair{"crm", 1}}) {
            const QList<store::WorkItem> got = take(flow, version, "sink");
            QCOMPARE(got.size(), 1);
            const store::StoredMessage &child = got[0].message;
            QCOMPARE(child.flowId, QLatin1String(flow));
            QCOMPARE(child.flowVersion, version);
            QCOMPARE(child.correlationId, item.message.correlationId);
            QCOMPARE(child.causationId, item.message.messageId);
            QCOMPARE(child.businessKey, QStringLiteral("INV-7"));
            QCOMPARE(child.payload, item.message.payload);
            const nlohmann::json headers = nlohmann::json::parse(child.headers.toStdString());
            QCOMPARE(headers.value("publishHops", 0), 1);
            QVERIFY(headers.value("topic", "") == "invoice.posted");
        }
        // The publisher's own path goes on with the input itself.
        const QList<store::WorkItem> audit = take("orders", 1, "audit");
        QCOMPARE(audit.size(), 1);
        QCOMPARE(audit[0].message.messageId, item.message.messageId);
        QCOMPARE(lineageKinds(item.message.messageId),
                 (QStringList{QStringLiteral("publish"), QStringLiteral("publish")}));
    }

    void subscribersFollowDeploys()
    {
        Result<std::shared_ptr<PublishNode>> node = PublishNode::create(
            {{"topic", "invoice.posted"}}, m_topics);
        m_topics->setSubscriptions({subscriber("billing", 1)});
        store::WorkItem item = claimedAtPublish();
        commit(item, (*node)->run(item));
        QCOMPARE(take("billing", 1, "sink").size(), 1);

        // billing is redeployed as v2 and crm stops subscribing: new messages follow.
        m_topics->setSubscriptions({subscriber("billing", 2)});
        item = claimedAtPublish();
        commit(item, (*node)->run(item));
        QCOMPARE(take("billing", 1, "sink").size(), 0);
        QCOMPARE(take("billing", 2, "sink").size(), 1);
        QCOMPARE(m_topics->topics(), QStringList{QStringLiteral("invoice.posted")});
    }

    void noSubscribersStillGoesOn()
    {
        Result<std::shared_ptr<PublishNode>> node = PublishNode::create({{"topic", "nobody"}},
                                                                        m_topics);
        const store::WorkItem item = claimedAtPublish();
        const NodeOutcome outcome = (*node)->run(item);
        QCOMPARE(int(outcome.kind), int(NodeOutcome::Kind::Continue));
        QCOMPARE(outcome.outputs.size(), 1); // only the input moving on
        commit(item, outcome);
        QCOMPARE(take("orders", 1, "audit").size(), 1);
        QVERIFY(lineageKinds(item.message.messageId).isEmpty());
    }

    void publishLoopsStop()
    {
        m_topics->setSubscriptions({subscriber("orders", 1)});
        Result<std::shared_ptr<PublishNode>> node = PublishNode::create(
            {{"topic", "invoice.posted"}}, m_topics);
        const store::WorkItem item = claimedAtPublish(R"({"publishHops":8})");
        const NodeOutcome outcome = (*node)->run(item);
        QCOMPARE(int(outcome.kind), int(NodeOutcome::Kind::Fail));
        QCOMPARE(outcome.errorCode, QStringLiteral("PUBLISH_LOOP"));
    }

    void settingsNeedATopic()
    {
        QVERIFY(!PublishNode::create(nlohmann::json::object(), m_topics));
        QVERIFY(!PublishNode::create({{"topic", ""}}, m_topics));
        QVERIFY(!PublishNode::create({{"topic", "x"}}, nullptr));
    }
};

QTEST_GUILESS_MAIN(TestPublish)
#include "tst_publish.moc"
