#include "harness.h"

#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/transformnodes.h"

#include <atomic>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using flownodes::Harness;
using flownodes::Sink;

namespace {

using Runners = QHash<QString, std::shared_ptr<NodeRunner>>;

// in → first (route) → shape (map) → sink; the route sends small orders to "other".
const nlohmann::json kFlow = nlohmann::json::parse(
    R"({"id": "orders", "name": "orders",)"
    R"("nodes": [{"id": "in", "type": "webhook"}, {"id": "first", "type": "route"},)"
    R"({"id": "shape", "type": "map"}, {"id": "sink", "type": "map"},)"
    R"({"id": "other", "type": "map"}],)"
    R"("edges": [{"from": "in", "to": "first"},)"
    R"({"from": "first", "to": "shape", "output": "large"},)"
    R"({"from": "first", "to": "other", "output": "small"},)"
    R"({"from": "shape", "to": "sink"}]})");

} // namespace

class TestArrival : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_harness = std::make_unique<Harness>();
        m_sink = std::make_shared<Sink>();
        m_other = std::make_shared<Sink>();
        auto route = RouteNode::create(nlohmann::json::parse(
            R"({"routes": [{"output": "large", "condition": "$abs(amount) >= 100"}],)"
            R"("otherwise": "small"})"));
        QVERIFY(route.ok());
        // A negative amount fails the mapping (a business failure: code MAPPING).
        auto shape = MapNode::create(QStringLiteral("order-shape"), nlohmann::json::parse(
            R"json({"total": "amount >= 0 ? amount : $error('negative amount')", "id": "id"})json"));
        QVERIFY(shape.ok());
        m_harness->start(m_harness->plan(kFlow), Runners{{QStringLiteral("first"), *route},
                                                         {QStringLiteral("shape"), *shape},
                                                         {QStringLiteral("sink"), m_sink},
                                                         {QStringLiteral("other"), m_other}});
    }
    void cleanup() { m_harness.reset(); }

    void anArrivingMessageIsStoredPastItsPureNodes()
    {
        const QString id = m_harness->arrive(R"({"id": "o-1", "amount": 250})");
        QTRY_COMPARE_WITH_TIMEOUT(m_sink->count(), 1, 5000);
        QVERIFY(m_sink->payloads().constFirst()
                == nlohmann::json::parse(R"({"total": 250, "id": "o-1"})"));
        // Route and map ran before the message was stored: one step each, recorded on the
        // arriving message, and the mapped child is linked to it in the lineage.
        const QList<QStringList> steps = m_harness->rows(
            "SELECT node_id, status, attempt FROM steps WHERE message_id = ? ORDER BY id", id);
        QCOMPARE(steps.size(), 2);
        QCOMPARE(steps[0], (QStringList{QStringLiteral("first"), QStringLiteral("succeeded"), QStringLiteral("1")}));
        QCOMPARE(steps[1], (QStringList{QStringLiteral("shape"), QStringLiteral("succeeded"), QStringLiteral("1")}));
        const QList<QStringList> children = m_harness->rows(
            "SELECT node_id, kind FROM lineage WHERE parent_id = ?", id);
        QCOMPARE(children, (QList<QStringList>{{QStringLiteral("shape"), QStringLiteral("next")}}));
        QTRY_COMPARE_WITH_TIMEOUT(m_harness->unfinished(), qint64(0), 5000);
    }

    void aRoutedMessageMovesOnUnchanged()
    {
        const QString id = m_harness->arrive(R"({"id": "o-2", "amount": 5})");
        QTRY_COMPARE_WITH_TIMEOUT(m_other->count(), 1, 5000);
        QCOMPARE(m_other->messages().constFirst().messageId, id);
        QCOMPARE(m_sink->count(), 0);
    }

    void aPureNodeThatFailsLeavesTheMessageBeforeIt()
    {
        const QString id = m_harness->arrive(R"({"id": "o-3", "amount": -300})");
        // The route ran inline; the map failed inline, so the message waited before it and
        // failed there like any queued message: one failed step, parked for the exception queue.
        QTRY_COMPARE_WITH_TIMEOUT(m_harness->parked(), qint64(1), 5000);
        const QList<QStringList> steps = m_harness->rows(
            "SELECT node_id, status, error_code FROM steps WHERE message_id = ? ORDER BY id", id);
        QCOMPARE(steps.size(), 2);
        QCOMPARE(steps[0].first(), QStringLiteral("first"));
        QCOMPARE(steps[1], (QStringList{QStringLiteral("shape"), QStringLiteral("failed"), QStringLiteral("MAPPING")}));
        QCOMPARE(m_sink->count(), 0);
    }

    void splitChildrenWithoutAKeyExpressionGetKeysOfTheirOwn()
    {
        // Not about arrival, but about what the effect ledger needs from a split: children that
        // shared their parent's business key would share one idempotency key downstream.
        Harness harness;
        auto split = SplitNode::create(nlohmann::json::parse(R"({"items": "lines"})"));
        QVERIFY(split.ok());
        auto sink = std::make_shared<Sink>();
        harness.start(harness.plan(flownodes::singleNodeFlow("lines", "split", {{"items", "lines"}})),
                      Runners{{QStringLiteral("first"), *split}, {QStringLiteral("sink"), sink}});
        harness.ingest(R"({"lines": [{"n": 1}, {"n": 2}, {"n": 3}]})", QStringLiteral("INV-9"));
        QTRY_COMPARE_WITH_TIMEOUT(sink->count(), 3, 5000);
        QStringList keys;
        for (const store::StoredMessage &m : sink->messages()) {
            keys.append(m.businessKey);
        }
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("INV-9/1"), QStringLiteral("INV-9/2"),
                                    QStringLiteral("INV-9/3")}));
    }

    void childrenDerivingOneEffectKeyAreACollisionNotUncertain()
    {
        // A split whose key expression gives two lines the same business key: both children
        // derive one idempotency key at the POST. The first is delivered; the second must not be
        // sent, nor be taken for an uncertain call — it is a business exception naming the key.
        std::atomic<int> calls{0};
        net::HttpServer erp;
        QVERIFY(erp.listen({}, [&calls](net::ServerRequest, net::Responder respond) {
                       ++calls;
                       respond(net::ServerResponse::json(201, R"({"DocumentNumber":"SO-1"})"));
                   })
                    .ok());
        Harness harness;
        const nlohmann::json document = nlohmann::json::parse(
            R"({"id": "lines", "name": "lines", "nodes": [{"id": "in", "type": "webhook"},)"
            R"({"id": "first", "type": "split", "settings": {"items": "lines", "businessKey": "sku"}},)"
            R"({"id": "post", "type": "http", "settings": {"system": "erp", "method": "POST",)"
            R"("path": "/salesOrders"}}, {"id": "sink", "type": "map"}],)"
            R"("edges": [{"from": "in", "to": "first"}, {"from": "first", "to": "post"},)"
            R"({"from": "post", "to": "sink"}]})");
        auto plan = harness.plan(document);
        auto split = SplitNode::create(plan->node(QStringLiteral("first"))->settings);
        QVERIFY(split.ok());
        Result<SystemTarget> target = SystemTarget::fromDocument(
            {{"id", "erp"},
             {"baseUrl", QStringLiteral("http://127.0.0.1:%1").arg(erp.port()).toStdString()},
             {"auth", {{"type", "none"}}}},
            {});
        QVERIFY(target.ok());
        const PlannedNode &postNode = *plan->node(QStringLiteral("post"));
        net::HttpClient client;
        auto post = std::make_shared<HttpNode>(postNode, *HttpNodeSettings::fromJson(postNode.settings),
                                               *target, harness.store(), client, harness.clock());
        auto sink = std::make_shared<Sink>();
        harness.start(plan, Runners{{QStringLiteral("first"), *split},
                                    {QStringLiteral("post"), post},
                                    {QStringLiteral("sink"), sink}});
        harness.ingest(R"({"lines": [{"sku": "PRO", "n": 1}, {"sku": "PRO", "n": 2}]})",
                       QStringLiteral("SO-9"));
        QTRY_COMPARE_WITH_TIMEOUT(harness.parked(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(sink->count(), 1, 5000);
        harness.stop();
        QCOMPARE(calls.load(), 1);
        const auto parked = harness.rows(
            "SELECT category, reason_code, node_id, message_id, detail FROM exceptions");
        QCOMPARE(parked.size(), 1);
        QCOMPARE(parked[0][0], QStringLiteral("business"));
        QCOMPARE(parked[0][1], QStringLiteral("EFFECT_KEY_COLLISION"));
        QCOMPARE(parked[0][2], QStringLiteral("post"));
        const auto effect = harness.rows("SELECT idempotency_key, message_id FROM effects");
        QCOMPARE(effect.size(), 1);
        QVERIFY(effect[0][1] != parked[0][3]); // the delivered sibling holds the key
        const QString detail = parked[0][4];
        QVERIFY2(detail.contains(QStringLiteral("node post")), qPrintable(detail));
        QVERIFY2(detail.contains(effect[0][0]), qPrintable(detail));
        QVERIFY2(detail.contains(effect[0][1]), qPrintable(detail));
        QCOMPARE(harness.rows("SELECT count(*) FROM effects WHERE state = 'uncertain'")[0][0],
                 QStringLiteral("0"));
    }

private:
    std::unique_ptr<Harness> m_harness;
    std::shared_ptr<Sink> m_sink;
    std::shared_ptr<Sink> m_other;
};

QTEST_GUILESS_MAIN(TestArrival)
#include "tst_arrival.moc"
