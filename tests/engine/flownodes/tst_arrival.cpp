#include "harness.h"

#include "engine/runtime/transformnodes.h"

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

private:
    std::unique_ptr<Harness> m_harness;
    std::shared_ptr<Sink> m_sink;
    std::shared_ptr<Sink> m_other;
};

QTEST_GUILESS_MAIN(TestArrival)
#include "tst_arrival.moc"
