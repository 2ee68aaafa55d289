#include "harness.h"

#include "engine/runtime/delaynode.h"
#include "engine/runtime/errorbranch.h"

#include <QDateTime>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using flownodes::Failing;
using flownodes::Harness;
using flownodes::Sink;

namespace {

QString str(const char *latin1)
{
    return QString::fromLatin1(latin1);
}

QString text(const nlohmann::json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

nlohmann::json delayFlow(const nlohmann::json &settings)
{
    return {{"id", "postings"},
            {"name", "Postings"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "first"}, {"type", "delay"}, {"settings", settings}},
              {{"id", "sink"}, {"type", "map"}}}},
            {"edges", {{{"from", "in"}, {"to", "first"}}, {{"from", "first"}, {"to", "sink"}}}}};
}

// in → first (fails) → sink; first -error→ branch (errorBranch) → repair.
nlohmann::json errorFlow(const nlohmann::json &branchSettings, bool errorEdge = true)
{
    nlohmann::json document = {
        {"id", "invoices"},
        {"name", "Invoices"},
        {"nodes",
         {{{"id", "in"}, {"type", "webhook"}},
          {{"id", "first"},
           {"type", "http"},
           {"settings", {{"retry", {{"maxAttempts", 2}, {"initialDelayMs", 0}, {"jitter", 0}}}}}},
          {{"id", "sink"}, {"type", "map"}},
          {{"id", "branch"}, {"type", "errorBranch"}, {"settings", branchSettings}},
          {{"id", "repair"}, {"type", "map"}}}},
        {"edges",
         {{{"from", "in"}, {"to", "first"}},
          {{"from", "first"}, {"to", "sink"}},
          {{"from", "branch"}, {"to", "repair"}}}}};
    if (errorEdge) {
        document["edges"].push_back({{"from", "first"}, {"to", "branch"}, {"output", "error"}});
    }
    return document;
}

qint64 at(const char *isoLocal, const char *zone)
{
    return QDateTime(QDateTime::fromString(QString::fromLatin1(isoLocal), Qt::ISODate).date(),
                     QDateTime::fromString(QString::fromLatin1(isoLocal), Qt::ISODate).time(),
                     QTimeZone(zone))
        .toMSecsSinceEpoch();
}

} // namespace

class TestControlNodes : public QObject
{
    Q_OBJECT

private slots:
    void aDelayHoldsDurablyThenPasses()
    {
        Harness h;
        auto plan = h.plan(delayFlow({{"durationMs", 30'000}}));
        auto sink = std::make_shared<Sink>();
        auto delay = [&] { return *DelayNode::create(*plan->node(str("first")), h.clock()); };
        h.start(plan, {{str("first"), delay()}, {str("sink"), sink}});
        const QString id = h.ingest(R"({"posting":"P-1"})");
        QTRY_COMPARE(h.store().queueDepths()->value(0).delayed, 1);
        QVERIFY(h.rows("SELECT error_detail FROM steps WHERE message_id = ?", id)
                    .value(0)
                    .value(0)
                    .startsWith(str("held until ")));
        QCOMPARE(sink->count(), 0);

        // The hold is in the store: a restart neither loses nor shortens it.
        h.restart();
        h.start(plan, {{str("first"), delay()}, {str("sink"), sink}});
        h.advance(29'000);
        QTRY_COMPARE(h.store().queueDepths()->value(0).delayed, 1);
        QCOMPARE(sink->count(), 0);
        h.advance(1'000); // the hold is over
        // After a restart the executor finds held work on its ten-second sweep; the test's
        // clock stands still, so move it on while waiting (the ticker may start late).
        QTRY_VERIFY((h.advance(1'000), sink->count() == 1));
        QCOMPARE(sink->messages().at(0).messageId, id); // the message itself, unchanged
    }

    void aPostingWindowOpensAtTheRightLocalTime_data()
    {
        QTest::addColumn<QByteArray>("window");
        QTest::addColumn<qint64>("arrives");
        QTest::addColumn<qint64>("released");
        const QByteArray weekdays = R"({"days":["mon","tue","wed","thu","fri"],"from":"08:00",
                                       "to":"18:00","timeZone":"Europe/Berlin"})";
        const QByteArray nightly = R"({"from":"22:00","to":"06:00","timeZone":"America/New_York"})";
        QTest::newRow("inside") << weekdays << at("2027-01-13T10:00:00", "Europe/Berlin")
                                << at("2027-01-13T10:00:00", "Europe/Berlin");
        QTest::newRow("before opening") << weekdays << at("2027-01-13T06:30:00", "Europe/Berlin")
                                        << at("2027-01-13T08:00:00", "Europe/Berlin");
        QTest::newRow("friday evening") << weekdays << at("2027-01-15T19:00:00", "Europe/Berlin")
                                        << at("2027-01-18T08:00:00", "Europe/Berlin");
        QTest::newRow("summer time") << weekdays << at("2027-03-27T12:00:00", "Europe/Berlin")
                                     << at("2027-03-29T08:00:00", "Europe/Berlin");
        QTest::newRow("past midnight") << nightly << at("2027-01-13T03:00:00", "America/New_York")
                                       << at("2027-01-13T03:00:00", "America/New_York");
        QTest::newRow("before night") << nightly << at("2027-01-13T07:00:00", "America/New_York")
                                      << at("2027-01-13T22:00:00", "America/New_York");
    }

    void aPostingWindowOpensAtTheRightLocalTime()
    {
        QFETCH(QByteArray, window);
        QFETCH(qint64, arrives);
        QFETCH(qint64, released);
        Harness h;
        auto plan = h.plan(delayFlow({{"window", nlohmann::json::parse(window.toStdString())}}));
        auto delay = *DelayNode::create(*plan->node(str("first")), h.clock());
        QCOMPARE(QDateTime::fromMSecsSinceEpoch(delay->releaseAt(arrives), Qt::UTC),
                 QDateTime::fromMSecsSinceEpoch(released, Qt::UTC));
    }

    void delaySettingsAreChecked()
    {
        Harness h;
        for (const char *settings : {R"({})", R"({"window":{"from":"8","to":"18:00"}})",
                                     R"({"window":{"from":"08:00","to":"18:00","timeZone":"Mars/Olympus"}})",
                                     R"({"window":{"days":["sunday"],"from":"08:00","to":"18:00"}})"}) {
            auto plan = h.plan(delayFlow(nlohmann::json::parse(settings)));
            QVERIFY2(!DelayNode::create(*plan->node(str("first")), h.clock()).ok(), settings);
        }
    }

    void aBusinessFailureBecomesTheErrorBranchsException()
    {
        Harness h;
        auto plan = h.plan(errorFlow({{"reasonCode", "TAX_CODE_MISSING"},
                                      {"ownerRole", "finance"},
                                      {"reason", "the ERP needs a tax code for this country"}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan,
                {{str("first"), std::make_shared<Failing>(NodeOutcome::fail(
                                    str("HTTP_4XX"), str("erp refused the request with 422")))},
                 {str("sink"), sink},
                 {str("branch"), *ErrorBranchNode::create((*plan->node(str("branch"))).settings)},
                 {str("repair"), std::make_shared<Sink>()}});
        const QString id = h.ingest(R"({"invoice":"INV-9"})");
        QTRY_COMPARE(h.parked(), 1);
        QCOMPARE(sink->count(), 0);
        // The failing step is recorded with its own code; the message went on down "error".
        const auto failed = h.rows("SELECT status, error_code FROM steps WHERE message_id = ?",
                                   id);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed[0][0], str("succeeded"));
        QCOMPARE(failed[0][1], str("HTTP_4XX"));
        const auto copy = h.rows("SELECT child_id FROM lineage WHERE parent_id = ? AND kind = 'error'",
                                 id);
        QCOMPARE(copy.size(), 1);
        // The exception is parked at the branch with its reason code, owner and the cause.
        const auto raised = h.rows("SELECT node_id, status, error_code, error_detail FROM steps"
                                   " WHERE message_id = ?",
                                   copy[0][0]);
        QCOMPARE(raised.size(), 1);
        QCOMPARE(raised[0][0], str("branch"));
        QCOMPARE(raised[0][1], str("failed"));
        QCOMPARE(raised[0][2], str("TAX_CODE_MISSING"));
        const auto exception = h.rows("SELECT owner_role, reason_code, node_id, raised_at_node,"
                                      " message_id, category FROM exceptions",
                                      QString());
        QCOMPARE(exception.size(), 1);
        QCOMPARE(exception[0], (QStringList{str("finance"), str("TAX_CODE_MISSING"), str("first"),
                                            str("branch"), id, str("business")}));
        QVERIFY2(raised[0][3].contains(str("node first failed with HTTP_4XX: erp refused")),
                 qPrintable(raised[0][3]));
        auto stored = h.store().message(copy[0][0])->value_or(store::StoredMessage());
        QVERIFY(stored.payload == QByteArray(R"({"invoice":"INV-9"})"));
        QVERIFY(stored.headers.contains(R"("syncline:error-code":"HTTP_4XX")"));
    }

    void exhaustedRetriesCanContinueOnACompensatingPath()
    {
        Harness h;
        auto plan = h.plan(errorFlow({{"action", "continue"}, {"errorField", "failure"}}));
        auto repair = std::make_shared<Sink>();
        h.start(plan,
                {{str("first"), std::make_shared<Failing>(
                                    NodeOutcome::retry(str("HTTP_503"), str("erp is down")))},
                 {str("sink"), std::make_shared<Sink>()},
                 {str("branch"), *ErrorBranchNode::create((*plan->node(str("branch"))).settings)},
                 {str("repair"), repair}});
        h.ingest(R"({"invoice":"INV-10","amount":100.10})");
        QTRY_COMPARE(repair->count(), 1);
        const nlohmann::json payload = repair->payloads().at(0);
        QCOMPARE(text(payload["failure"]["code"]), str("RETRIES_EXHAUSTED"));
        QCOMPARE(text(payload["failure"]["node"]), str("first"));
        QVERIFY(repair->messages().at(0).payload.contains("100.10"));
        QTRY_COMPARE(h.unfinished(), 0);
    }

    void uncertainAndUnconnectedFailuresStayParkedAtTheNode_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("errorEdge");
        QTest::newRow("uncertain") << str("UNCERTAIN") << true;
        QTest::newRow("no error edge") << str("SCHEMA") << false;
    }

    void uncertainAndUnconnectedFailuresStayParkedAtTheNode()
    {
        QFETCH(QString, code);
        QFETCH(bool, errorEdge);
        Harness h;
        auto plan = h.plan(errorFlow(nlohmann::json::object(), errorEdge));
        auto repair = std::make_shared<Sink>();
        h.start(plan, {{str("first"), std::make_shared<Failing>(NodeOutcome::fail(code, str("x")))},
                       {str("sink"), std::make_shared<Sink>()},
                       {str("branch"), *ErrorBranchNode::create(nlohmann::json::object())},
                       {str("repair"), repair}});
        const QString id = h.ingest(R"({"invoice":"INV-11"})");
        QTRY_COMPARE(h.parked(), 1);
        QCOMPARE(h.rows("SELECT node_id, status FROM steps WHERE message_id = ?", id).value(0),
                 QStringList({str("first"), str("failed")}));
        QCOMPARE(h.rows("SELECT child_id FROM lineage").size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestControlNodes)
#include "tst_controlnodes.moc"
