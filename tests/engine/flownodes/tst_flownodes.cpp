#include "harness.h"

#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/delaynode.h"
#include "engine/runtime/errorbranch.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/lookupnode.h"
#include "engine/runtime/writenode.h"

#include <QFile>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using flownodes::Failing;
using flownodes::Harness;
using flownodes::Sink;

namespace {

using Runners = QHash<QString, std::shared_ptr<NodeRunner>>;

// in → first (the node under test) → sink; "other" hangs off `output` when given.
nlohmann::json flow(const char *type, const nlohmann::json &settings, const char *output = nullptr)
{
    nlohmann::json document = {
        {"id", "orders"},
        {"name", "Orders"},
        {"nodes",
         {{{"id", "in"}, {"type", "webhook"}},
          {{"id", "first"}, {"type", type}, {"settings", settings}},
          {{"id", "sink"}, {"type", "map"}},
          {{"id", "other"}, {"type", "map"}}}},
        {"edges", {{{"from", "in"}, {"to", "first"}}, {{"from", "first"}, {"to", "sink"}}}}};
    if (output) {
        document["edges"].push_back({{"from", "first"}, {"to", "other"}, {"output", output}});
    }
    return document;
}

const PlannedNode &node(const std::shared_ptr<const FlowPlan> &plan, const char *id = "first")
{
    return *plan->node(QString::fromLatin1(id));
}

QString text(const nlohmann::json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

const nlohmann::json kTerms = nlohmann::json::parse(R"({
  "id": "payment-terms", "name": "Payment terms", "key": "crm",
  "columns": [{"name": "crm"}, {"name": "erp"}, {"name": "billing"}],
  "rows": [{"crm": "Net 30", "erp": "N30", "billing": "net_30"},
           {"crm": "Net 60", "erp": "N60"}]
})");

QString str(const char *latin1)
{
    return QString::fromLatin1(latin1);
}

} // namespace

class TestFlowNodes : public QObject
{
    Q_OBJECT

private slots:
    void lookupWritesTheCounterpartIntoTheMessage()
    {
        Harness h;
        auto plan = h.plan(flow("lookup", {{"lookup", "payment-terms"}, {"input", "/terms"},
                                           {"valueColumn", "erp"}, {"target", "erp.terms"}}));
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("first"), *LookupNode::create(node(plan), kTerms, h.store())},
                       {str("sink"), sink}});
        h.ingest(R"({"order":"O-1","terms":"Net 60","amount":12.345678901234567})");
        QTRY_COMPARE(sink->count(), 1);
        const QByteArray payload = sink->messages().at(0).payload;
        QVERIFY2(payload.contains(R"("erp":{"terms":"N60"})"), payload.constData());
        QVERIFY2(payload.contains("12.345678901234567"), payload.constData()); // exact text kept
    }

    void aLookupMissIsABusinessFailureOrTheMissOutput()
    {
        Harness h;
        nlohmann::json settings = {{"lookup", "payment-terms"}, {"input", "terms"},
                                   {"valueColumns", {"erp", "billing"}}, {"target", "terms"}};
        auto plan = h.plan(flow("lookup", settings));
        h.start(plan, {{str("first"), *LookupNode::create(node(plan), kTerms, h.store())},
                       {str("sink"), std::make_shared<Sink>()}});
        // "Net 60" has no billing counterpart: a miss as much as an unknown value.
        const QString partial = h.ingest(R"({"terms":"Net 60"})");
        const QString unknown = h.ingest(R"({"terms":"Net 90"})");
        QTRY_COMPARE(h.parked(), 2);
        for (const QString &id : {partial, unknown}) {
            const auto step = h.rows("SELECT status, error_code, error_detail FROM steps"
                                     " WHERE message_id = ?",
                                     id);
            QCOMPARE(step.size(), 1); // never retried
            QCOMPARE(step[0][0], str("failed"));
            QCOMPARE(step[0][1], str("LOOKUP_MISS"));
        }
        h.stop();

        Harness h2;
        auto routed = h2.plan(flow("lookup", settings, "miss"));
        auto sink = std::make_shared<Sink>();
        auto misses = std::make_shared<Sink>();
        h2.start(routed, {{str("first"), *LookupNode::create(node(routed), kTerms, h2.store())},
                          {str("sink"), sink},
                          {str("other"), misses}});
        h2.ingest(R"({"terms":"Net 30"})");
        h2.ingest(R"({"terms":"Net 90"})");
        QTRY_COMPARE(misses->count(), 1);
        QTRY_COMPARE(sink->count(), 1);
        QCOMPARE(text(sink->payloads().at(0)["terms"]), str(R"({"billing":"net_30","erp":"N30"})"));
        QCOMPARE(h2.parked(), 0);
    }

    void lookupSettingsAreChecked_data()
    {
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<QString>("complaint");
        QTest::newRow("both sources") << QByteArray(R"({"lookup":"payment-terms","idMap":"x",
            "target":"t","valueColumn":"erp"})") << str("either");
        QTest::newRow("unknown column") << QByteArray(R"({"lookup":"payment-terms",
            "target":"t","valueColumn":"sap"})") << str("no column \"sap\"");
        QTest::newRow("no target") << QByteArray(R"({"idMap":"x"})") << str("settings/target");
    }

    void lookupSettingsAreChecked()
    {
        QFETCH(QByteArray, settings);
        QFETCH(QString, complaint);
        Harness h;
        auto plan = h.plan(flow("lookup", nlohmann::json::parse(settings.toStdString())));
        auto made = LookupNode::create(node(plan), kTerms, h.store());
        QVERIFY(!made.ok());
        QVERIFY2(made.error().message.contains(complaint), qPrintable(made.error().message));
    }

    void anIdLearnedFromAResponseIsFoundByALaterLookup()
    {
        net::HttpServer erp;
        QVERIFY(erp.listen({}, [](net::ServerRequest request, net::Responder respond) {
                       const bool first = request.body.contains("ACC-1");
                       respond(net::ServerResponse::json(
                           201, first ? R"({"customerNumber":"C-1001"})" : R"({})"));
                   })
                    .ok());
        Harness h;
        nlohmann::json document = {
            {"id", "accounts"},
            {"name", "Accounts"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "first"},
               {"type", "http"},
               {"settings",
                {{"system", "erp"}, {"path", "/customers"}, {"businessKey", "/accountId"},
                 {"externalIds", {{"erpCustomer", "/customerNumber"}}},
                 {"idMap", {{"name", "crm-account-to-erp-customer"}, {"key", "/accountId"},
                            {"externalId", "erpCustomer"}}}}}},
              {{"id", "find"},
               {"type", "lookup"},
               {"settings", {{"idMap", "crm-account-to-erp-customer"}, {"input", "/accountId"},
                             {"target", "erpCustomer"}}}},
              {{"id", "sink"}, {"type", "map"}}}},
            {"edges",
             {{{"from", "in"}, {"to", "first"}},
              {{"from", "first"}, {"to", "find"}},
              {{"from", "find"}, {"to", "sink"}}}}};
        auto plan = h.plan(document);
        nlohmann::json system = {{"id", "erp"},
                                 {"baseUrl", QStringLiteral("http://127.0.0.1:%1")
                                                 .arg(erp.port())
                                                 .toStdString()},
                                 {"auth", {{"type", "none"}}}};
        net::HttpClient client;
        auto http = std::make_shared<HttpNode>(node(plan), *HttpNodeSettings::fromJson(
                                                               node(plan).settings),
                                               *SystemTarget::fromDocument(system, {}), h.store(),
                                               client, h.clock());
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("first"), http},
                       {str("find"), *LookupNode::create(node(plan, "find"), {}, h.store())},
                       {str("sink"), sink}});
        h.ingest(R"({"accountId":"ACC-1"})");
        QTRY_COMPARE(sink->count(), 1);
        QCOMPARE(text(sink->payloads().at(0)["erpCustomer"]), str("C-1001"));
        QCOMPARE(h.store()
                     .state(LookupNode::idMapScope(str("crm-account-to-erp-customer")),
                            str("ACC-1"))
                     ->value_or(QByteArray()),
                 QByteArray("C-1001"));
        // The target returned no id for this one: nothing learned, so the lookup misses.
        const QString unknown = h.ingest(R"({"accountId":"ACC-2"})");
        QTRY_COMPARE(h.parked(), 1);
        QCOMPARE(h.rows("SELECT error_code FROM steps WHERE message_id = ? AND node_id = 'find'",
                        unknown)
                     .value(0)
                     .value(0),
                 str("LOOKUP_MISS"));
    }
};

QTEST_GUILESS_MAIN(TestFlowNodes)
#include "tst_flownodes.moc"
