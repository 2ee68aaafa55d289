#include "harness.h"

#include "engine/runtime/aggregatenode.h"
#include "engine/runtime/dedupenode.h"

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using flownodes::Harness;
using flownodes::Sink;

namespace {

nlohmann::json flow(const char *type, const nlohmann::json &settings, const char *output = nullptr)
{
    return flownodes::singleNodeFlow("usage", type, settings, output);
}

QByteArray usage(const char *event, const char *subscription, const char *quantity)
{
    return QStringLiteral(R"({"event":"%1","subscription":"%2","quantity":%3})")
        .arg(QLatin1String(event), QLatin1String(subscription), QLatin1String(quantity))
        .toUtf8();
}

// A JSON member as text (strings without quotes), for QCOMPARE.
QString text(const nlohmann::json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

const PlannedNode &firstNode(const std::shared_ptr<const FlowPlan> &plan)
{
    return *plan->node(QStringLiteral("first"));
}

} // namespace

class TestStateNodes : public QObject
{
    Q_OBJECT

private slots:
    void dedupeLetsTheFirstThroughAndShowsRepeats()
    {
        Harness h;
        auto plan = h.plan(flow("dedupe", {{"key", "/event"}, {"windowMs", 60'000}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *DedupeNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        const QString first = h.ingest(usage("e-1", "S1", "1"));
        QTRY_COMPARE(sink->count(), 1);
        const QString repeat = h.ingest(usage("e-1", "S1", "1"));
        h.ingest(usage("e-2", "S1", "1"));
        QTRY_COMPARE(sink->count(), 2);
        QTRY_COMPARE(h.unfinished(), 0);
        QCOMPARE(sink->messages().at(0).messageId, first);

        // Never silent: the repeat's step says what it was and which message came first.
        const auto steps = h.rows("SELECT status, error_code, error_detail FROM steps"
                                  " WHERE message_id = ?",
                                  repeat);
        QCOMPARE(steps.size(), 1);
        QCOMPARE(steps[0][0], QStringLiteral("succeeded"));
        QCOMPARE(steps[0][1], QStringLiteral("DUPLICATE_EVENT"));
        QVERIFY2(steps[0][2].contains(first), qPrintable(steps[0][2]));

        // After the window the key is new again.
        h.advance(60'001);
        h.ingest(usage("e-1", "S1", "1"));
        QTRY_COMPARE(sink->count(), 3);
    }

    void dedupeSendsRepeatsToTheDuplicateOutput()
    {
        Harness h;
        auto plan = h.plan(flow("dedupe", {{"key", "event & '/' & subscription"},
                                           {"windowMs", 60'000}},
                                "duplicate"));
        auto sink = std::make_shared<Sink>();
        auto duplicates = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *DedupeNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink},
                       {QStringLiteral("other"), duplicates}});
        h.ingest(usage("e-1", "S1", "1"));
        QTRY_COMPARE(sink->count(), 1);
        h.ingest(usage("e-1", "S1", "2"));
        h.ingest(usage("e-1", "S2", "1"));
        QTRY_COMPARE(duplicates->count(), 1);
        QTRY_COMPARE(sink->count(), 2);
        QCOMPARE(text(duplicates->payloads().at(0)["quantity"]), QStringLiteral("2"));
    }

    void dedupeLetsExactlyOneOfManyConcurrentRepeatsThrough()
    {
        Harness h;
        nlohmann::json settings = {{"key", "/event"}, {"windowMs", 60'000}, {"concurrency", 8}};
        auto plan = h.plan(flow("dedupe", settings));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *DedupeNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        for (int i = 0; i < 200; ++i) {
            h.ingest(usage(i % 2 ? "odd" : "even", "S1", "1"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.unfinished(), 0, 20000);
        QCOMPARE(sink->count(), 2);
        QCOMPARE(h.rows("SELECT message_id FROM steps WHERE error_code = 'DUPLICATE_EVENT'")
                     .size(),
                 198);
    }

    void dedupeKeysSurviveARestartAndARunAgainIsNotItsOwnDuplicate()
    {
        Harness h;
        auto plan = h.plan(flow("dedupe", {{"key", "/event"}, {"windowMs", 3'600'000}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *DedupeNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        const QString first = h.ingest(usage("e-1", "S1", "1"));
        QTRY_COMPARE(h.unfinished(), 0);

        h.restart();
        h.advance(60'000);
        auto runner = *DedupeNode::create(firstNode(plan), h.store(), h.clock());
        h.start(plan, {{QStringLiteral("first"), runner}, {QStringLiteral("sink"), sink}});
        const QString repeat = h.ingest(usage("e-1", "S1", "1"));
        QTRY_COMPARE(h.unfinished(), 0);
        QCOMPARE(sink->count(), 1);
        QCOMPARE(h.rows("SELECT error_code FROM steps WHERE message_id = ?", repeat).at(0).at(0),
                 QStringLiteral("DUPLICATE_EVENT"));

        // The first message running again (its commit lost in a crash) goes on again.
        store::WorkItem again;
        again.nodeId = QStringLiteral("first");
        again.message = h.store().message(first)->value_or(store::StoredMessage());
        const NodeOutcome outcome = runner->run(again);
        QCOMPARE(outcome.kind, NodeOutcome::Kind::Continue);
        QVERIFY(outcome.errorCode.isEmpty());
        QVERIFY(outcome.passInput);
    }

    void dedupeWithoutAKeyIsABusinessFailure()
    {
        Harness h;
        auto plan = h.plan(flow("dedupe", {{"key", "/missing"}, {"windowMs", 1000}}));
        h.start(plan, {{QStringLiteral("first"), *DedupeNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), std::make_shared<Sink>()}});
        const QString id = h.ingest(usage("e-1", "S1", "1"));
        QTRY_COMPARE(h.parked(), 1);
        QCOMPARE(h.rows("SELECT error_code FROM steps WHERE message_id = ?", id).at(0).at(0),
                 QStringLiteral("DEDUPE_KEY_MISSING"));
    }

    void aggregateSumsExactlyAndLinksEveryMember()
    {
        Harness h;
        auto plan = h.plan(flow("aggregate", {{"groupBy", "subscription"},
                                              {"value", "quantity"},
                                              {"count", 3}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *AggregateNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        QStringList members;
        members << h.ingest(usage("e-1", "S1", "12.10")) << h.ingest(usage("e-2", "S1", "0.20"));
        h.ingest(usage("e-3", "S2", "5"));
        members << h.ingest(usage("e-4", "S1", "\"7.005\""));
        QTRY_COMPARE(sink->count(), 1);
        const nlohmann::json total = sink->payloads().at(0);
        QCOMPARE(text(total["group"]), QStringLiteral("S1"));
        QCOMPARE(text(total["count"]), QStringLiteral("3"));
        QCOMPARE(text(total["sum"]), QStringLiteral("19.305"));
        QCOMPARE(text(total["min"]), QStringLiteral("0.20"));
        QCOMPARE(text(total["max"]), QStringLiteral("12.10"));
        QCOMPARE(text(total["closedBy"]), QStringLiteral("count"));
        QCOMPARE(sink->messages().at(0).businessKey, QStringLiteral("S1"));

        const QString child = sink->messages().at(0).messageId;
        QStringList parents;
        for (const QStringList &row : h.rows("SELECT parent_id FROM lineage WHERE child_id = ?"
                                             " AND kind = 'aggregate'",
                                             child)) {
            parents.append(row[0]);
        }
        parents.sort();
        members.sort();
        QCOMPARE(parents, members);
        // S2 is still open, kept as node state.
        QCOMPARE(h.store().stateEntries(AggregateNode::scopeOf(QStringLiteral("usage"), QStringLiteral("first")))->size(), 1);
    }

    void aggregateSumsManyDecimalsWithoutRounding()
    {
        Harness h;
        auto plan = h.plan(flow("aggregate", {{"value", "quantity"}, {"count", 10}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *AggregateNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        for (int i = 0; i < 10; ++i) {
            h.ingest(usage("e", "S", "0.1"));
        }
        QTRY_COMPARE(sink->count(), 1);
        QCOMPARE(text(sink->payloads().at(0)["sum"]), QStringLiteral("1.0")); // a double sum would give 0.9999999999999999
    }

    void aTimeWindowClosesWithoutAnotherMessage()
    {
        Harness h;
        auto plan = h.plan(flow("aggregate", {{"groupBy", "subscription"},
                                              {"value", "quantity"},
                                              {"functions", {"sum"}},
                                              {"windowMs", 60'000}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *AggregateNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        h.ingest(usage("e-1", "S1", "2"));
        h.ingest(usage("e-2", "S1", "3"));
        QTRY_COMPARE(h.store().stateEntries(AggregateNode::scopeOf(QStringLiteral("usage"), QStringLiteral("first")))->size(), 2);
        QCOMPARE(sink->count(), 0);
        h.advance(59'000);
        // Not yet: the window's timer waits at the node as delayed work.
        QTRY_COMPARE(h.store().queueDepths()->value(0).delayed, 1);
        QCOMPARE(sink->count(), 0);
        h.advance(1'000);
        QTRY_COMPARE(sink->count(), 1);
        const nlohmann::json total = sink->payloads().at(0);
        QCOMPARE(text(total["count"]), QStringLiteral("2"));
        QCOMPARE(text(total["sum"]), QStringLiteral("5"));
        QCOMPARE(text(total["closedBy"]), QStringLiteral("window"));
        QVERIFY(!total.contains("min"));
        QTRY_COMPARE(h.unfinished(), 0);
        QCOMPARE(h.store().stateEntries(AggregateNode::scopeOf(QStringLiteral("usage"), QStringLiteral("first")))->size(), 0);
    }

    void aggregateMembersSurviveARestart()
    {
        Harness h;
        nlohmann::json settings = {{"groupBy", "subscription"}, {"value", "quantity"},
                                   {"count", 3}, {"windowMs", 3'600'000}};
        auto plan = h.plan(flow("aggregate", settings));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *AggregateNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        QStringList members;
        members << h.ingest(usage("e-1", "S1", "1.5")) << h.ingest(usage("e-2", "S1", "2.5"));
        QTRY_COMPARE(h.store().stateEntries(AggregateNode::scopeOf(QStringLiteral("usage"), QStringLiteral("first")))->size(), 2);

        h.restart();
        auto runner = *AggregateNode::create(firstNode(plan), h.store(), h.clock());
        h.start(plan, {{QStringLiteral("first"), runner}, {QStringLiteral("sink"), sink}});
        members << h.ingest(usage("e-3", "S1", "1"));
        QTRY_COMPARE(sink->count(), 1);
        QCOMPARE(text(sink->payloads().at(0)["sum"]), QStringLiteral("5.0"));
        QCOMPARE(h.rows("SELECT parent_id FROM lineage WHERE child_id = ?",
                        sink->messages().at(0).messageId)
                     .size(),
                 3);

        // A member whose own step runs again after the group closed is not counted twice.
        store::WorkItem again;
        again.nodeId = QStringLiteral("first");
        again.message = h.store().message(members.first())->value_or(store::StoredMessage());
        const NodeOutcome outcome = runner->run(again);
        QCOMPARE(outcome.kind, NodeOutcome::Kind::Continue);
        QVERIFY(outcome.outputs.isEmpty());
        QVERIFY(!outcome.passInput);
        QVERIFY(outcome.errorDetail.startsWith(QStringLiteral("already aggregated")));

        // The window's timer of the closed group finds nothing left to close.
        // (Queued before the restart, it is found on the executor's ten-second sweep: move the
        // clock on while waiting.)
        h.advance(3'600'000);
        QTRY_VERIFY((h.advance(1'000), h.unfinished() == 0));
        QCOMPARE(sink->count(), 1);
    }

    void aMemberRowCommittedAfterItsGroupClosedIsNotCountedAgain()
    {
        Harness h;
        auto plan = h.plan(flow("aggregate", {{"value", "quantity"}, {"count", 2}}));
        const QString scope = AggregateNode::scopeOf(QStringLiteral("usage"), QStringLiteral("first"));
        // What two concurrent steps can leave: the member's row (its step committed last) and
        // the marker of the close that already counted it.
        const QByteArray row = R"({"opener":"m-0","openedAt":1,"messageId":"m-0","correlationId":"c",
                                   "value":"5","at":1})";
        QVERIFY(h.store()
                    .writeState({{scope, QStringLiteral("\x1fm-0"), row, 0},
                                 {AggregateNode::closedScopeOf(QStringLiteral("usage"),
                                                               QStringLiteral("first")),
                                  QStringLiteral("m-0"), QByteArray("closed"), 0}})
                    .ok());
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{QStringLiteral("first"), *AggregateNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), sink}});
        h.ingest(usage("e-1", "S1", "1"));
        h.ingest(usage("e-2", "S1", "2"));
        QTRY_COMPARE_WITH_TIMEOUT(sink->count(), 1, 20000);
        QCOMPARE(text(sink->payloads().at(0)["sum"]), QStringLiteral("3"));
        QTRY_COMPARE_WITH_TIMEOUT(h.store().stateEntries(scope)->size(), 0, 20000);
    }

    void aggregateRefusesAValueThatIsNotANumber()
    {
        Harness h;
        auto plan = h.plan(flow("aggregate", {{"value", "quantity"}, {"count", 2}}));
        h.start(plan, {{QStringLiteral("first"), *AggregateNode::create(firstNode(plan), h.store(), h.clock())},
                       {QStringLiteral("sink"), std::make_shared<Sink>()}});
        const QString id = h.ingest(usage("e-1", "S1", "\"lots\""));
        QTRY_COMPARE(h.parked(), 1);
        QCOMPARE(h.rows("SELECT error_code FROM steps WHERE message_id = ?", id).at(0).at(0),
                 QStringLiteral("AGGREGATE_VALUE"));
    }

    void aggregateSettingsAreChecked_data()
    {
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<QString>("complaint");
        QTest::newRow("no threshold") << QByteArray(R"({"value": "q"})") << QStringLiteral("neither is set");
        QTest::newRow("sum without value") << QByteArray(R"({"count": 2, "functions": ["sum"]})")
                                           << QStringLiteral("needs settings/value");
        QTest::newRow("unknown function")
            << QByteArray(R"({"count": 2, "value": "q", "functions": ["avg"]})") << QStringLiteral("\"avg\"");
        QTest::newRow("bad expression") << QByteArray(R"({"count": 2, "groupBy": "a +"})")
                                        << QStringLiteral("settings/groupBy");
    }

    void aggregateSettingsAreChecked()
    {
        QFETCH(QByteArray, settings);
        QFETCH(QString, complaint);
        Harness h;
        auto plan = h.plan(flow("aggregate", nlohmann::json::parse(settings.toStdString())));
        auto made = AggregateNode::create(firstNode(plan), h.store(), h.clock());
        QVERIFY(!made.ok());
        QVERIFY2(made.error().message.contains(complaint), qPrintable(made.error().message));
    }
};

QTEST_GUILESS_MAIN(TestStateNodes)
#include "tst_statenodes.moc"
