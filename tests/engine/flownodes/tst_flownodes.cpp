#include "harness.h"

#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/delaynode.h"
#include "engine/runtime/errorbranch.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/lookupnode.h"
#include "engine/runtime/nodefactory.h"
#include "engine/runtime/writenode.h"

#include <QFile>

#include <atomic>
#include <QTemporaryDir>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using flownodes::Failing;
using flownodes::Harness;
using flownodes::Sink;

namespace {

using Runners = QHash<QString, std::shared_ptr<NodeRunner>>;

nlohmann::json flow(const char *type, const nlohmann::json &settings, const char *output = nullptr)
{
    return flownodes::singleNodeFlow("orders", type, settings, output);
}

const PlannedNode &node(const std::shared_ptr<const FlowPlan> &plan, const char *id = "first")
{
    return *plan->node(QString::fromLatin1(id));
}

QString text(const nlohmann::json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

// A system without auth at a loopback server of the test.
Result<SystemTarget> loopbackTarget(const char *id, quint16 port)
{
    return SystemTarget::fromDocument(
        {{"id", id},
         {"baseUrl", QStringLiteral("http://127.0.0.1:%1").arg(port).toStdString()},
         {"auth", {{"type", "none"}}}},
        {});
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

    void anArrayInputLooksUpEachElement()
    {
        // A webhook's changedFields: the owner of each field it names, the unknown ones left out.
        Harness h;
        auto plan = h.plan(flow("lookup", {{"lookup", "payment-terms"}, {"input", "/changed"},
                                           {"valueColumn", "erp"}, {"target", "found"}},
                                "miss"));
        auto sink = std::make_shared<Sink>();
        auto misses = std::make_shared<Sink>();
        h.start(plan, {{str("first"), *LookupNode::create(node(plan), kTerms, h.store())},
                       {str("sink"), sink},
                       {str("other"), misses}});
        h.ingest(R"({"changed":["Net 60","Net 90","Net 30"]})");
        h.ingest(R"({"changed":["Net 90"]})");
        h.ingest(R"({"changed":[]})");
        QTRY_COMPARE(misses->count(), 2); // nothing of it known, or nothing to look up
        QTRY_COMPARE(sink->count(), 1);
        QCOMPARE(text(sink->payloads().at(0)["found"]), str(R"(["N60","N30"])"));
        QCOMPARE(h.parked(), 0);
    }

    void aGetCarriesWhatItFoundIntoTheMessage()
    {
        std::atomic<int> calls{0};
        net::HttpServer erp;
        QVERIFY(erp.listen({}, [&calls](net::ServerRequest request, net::Responder respond) {
                       ++calls;
                       const bool known = request.queryValue("ExternalReference") == "ACC-1";
                       respond(net::ServerResponse::json(
                           200,
                           known ? R"({"items":[{"CustomerNumber":"C-00042","Currency":"EUR"}]})"
                                 : R"({"items":[]})"));
                   })
                    .ok());
        Harness h;
        nlohmann::json document = {
            {"id", "customers"},
            {"name", "Customers"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "find"},
               {"type", "http"},
               {"settings",
                {{"system", "erp"}, {"method", "GET"},
                 {"path", "/customers?ExternalReference={/account}"},
                 {"externalIds",
                  {{"number", "/items/0/CustomerNumber"}, {"currency", "/items/0/Currency"}}},
                 {"into", "erp.customer"}}}},
              {{"id", "sink"}, {"type", "map"}}}},
            {"edges", {{{"from", "in"}, {"to", "find"}}, {{"from", "find"}, {"to", "sink"}}}}};
        auto plan = h.plan(document);
        net::HttpClient client;
        Result<SystemTarget> target = loopbackTarget("erp", erp.port());
        QVERIFY(target.ok());
        Result<HttpNodeSettings> settings = HttpNodeSettings::fromJson(node(plan, "find").settings);
        QVERIFY2(settings.ok(), qPrintable(settings.ok() ? QString() : settings.error().message));
        auto http = std::make_shared<HttpNode>(node(plan, "find"), *settings, *target, h.store(),
                                               client, h.clock());
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("find"), http}, {str("sink"), sink}});
        h.ingest(R"({"account":"ACC-1","amount":"10.00"})", {}, str("find"));
        h.ingest(R"({"account":"ACC-9","amount":"20.00"})", {}, str("find"));
        QTRY_COMPARE(sink->count(), 2);
        QHash<QString, QString> found;
        for (const nlohmann::json &payload : sink->payloads()) {
            found.insert(text(payload["account"]), text(payload["erp"]));
        }
        QCOMPARE(found.value(str("ACC-1")), str(R"({"customer":{"currency":"EUR","number":"C-00042"}})"));
        // Nothing found is an empty object: a route after it decides (e.g. UNKNOWN_CUSTOMER).
        QCOMPARE(found.value(str("ACC-9")), str(R"({"customer":{}})"));
        QCOMPARE(calls.load(), 2);
        QVERIFY(!HttpNodeSettings::fromJson({{"system", "erp"}, {"into", "x"}}).ok());
    }

    void aGetCarriesAListItFoundIntoTheMessage()
    {
        net::HttpServer billing;
        QVERIFY(billing.listen({}, [](net::ServerRequest, net::Responder respond) {
                           respond(net::ServerResponse::json(
                               200, R"({"data":[{"id":"price_1","lookup_key":"PRO_usd","unit_amount":19900},)"
                                    R"({"id":"price_2","lookup_key":"STD_usd","unit_amount":4900}],"count":2})"));
                       })
                        .ok());
        Harness h;
        nlohmann::json document = {
            {"id", "prices"},
            {"name", "Prices"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "find"},
               {"type", "http"},
               {"settings",
                {{"system", "billing"}, {"method", "GET"}, {"path", "/prices?q={/query}"},
                 {"externalIds", {{"prices", "/data"}, {"count", "/count"}, {"first", "/data/0/id"}}},
                 {"into", "billing"}}}},
              {{"id", "sink"}, {"type", "map"}}}},
            {"edges", {{{"from", "in"}, {"to", "find"}}, {{"from", "find"}, {"to", "sink"}}}}};
        auto plan = h.plan(document);
        net::HttpClient client;
        Result<SystemTarget> target = loopbackTarget("billing", billing.port());
        QVERIFY(target.ok());
        Result<HttpNodeSettings> settings = HttpNodeSettings::fromJson(node(plan, "find").settings);
        QVERIFY(settings.ok());
        auto http = std::make_shared<HttpNode>(node(plan, "find"), *settings, *target, h.store(),
                                               client, h.clock());
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("find"), http}, {str("sink"), sink}});
        h.ingest(R"({"query":"PRO"})", {}, str("find"));
        QTRY_COMPARE(sink->count(), 1);
        // The list arrives as JSON, exact amounts included, beside the scalar ids (as text).
        const nlohmann::json carried = sink->payloads().front()["billing"];
        QVERIFY2(carried["prices"].is_array() && carried["prices"].size() == 2, carried.dump().c_str());
        QVERIFY(carried["prices"][0]["unit_amount"] == 19900);
        QVERIFY(carried["prices"][1]["lookup_key"] == "STD_usd");
        QVERIFY(carried["count"] == "2");
        QVERIFY(carried["first"] == "price_1");
    }

    void aCallHeldByAnOpenCircuitIsMadeLaterNotTakenForUncertain()
    {
        std::atomic<int> calls{0};
        net::HttpServer erp;
        QVERIFY(erp.listen({}, [&calls](net::ServerRequest, net::Responder respond) {
                       ++calls;
                       respond(net::ServerResponse::json(201, R"({"DocumentNumber":"SO-000001"})"));
                   })
                    .ok());
        Harness h;
        nlohmann::json document = {
            {"id", "orders"},
            {"name", "Orders"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "post"},
               {"type", "http"},
               {"settings", {{"system", "erp"}, {"method", "POST"}, {"path", "/salesOrders"},
                             {"externalIds", {{"order", "/DocumentNumber"}}}}}},
              {{"id", "sink"}, {"type", "map"}}}},
            {"edges", {{{"from", "in"}, {"to", "post"}}, {{"from", "post"}, {"to", "sink"}}}}};
        auto plan = h.plan(document);
        net::HttpClient client;
        // A target without idempotency whose circuit is open (five failures in a row).
        Result<SystemTarget> target = SystemTarget::fromDocument(
            {{"id", "erp"},
             {"baseUrl", QStringLiteral("http://127.0.0.1:%1").arg(erp.port()).toStdString()},
             {"auth", {{"type", "none"}}},
             {"idempotency", {{"supported", false}}}},
            {});
        QVERIFY(target.ok());
        for (int i = 0; i < 5; ++i) {
            target->breaker->recordFailure(h.now());
        }
        QVERIFY(!target->breaker->allow(h.now()));
        Result<HttpNodeSettings> settings = HttpNodeSettings::fromJson(node(plan, "post").settings);
        QVERIFY(settings.ok());
        auto http = std::make_shared<HttpNode>(node(plan, "post"), *settings, *target, h.store(),
                                               client, h.clock());
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("post"), http}, {str("sink"), sink}});
        h.ingest(R"({"order":"OPP-1"})", {}, str("post"));
        // The clock moves on until the circuit lets a probe through: the held call is made then
        // (once), not parked as Uncertain.
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     h.advance(1'000);
                                     return sink->count() == 1 || h.parked() > 0;
                                 }()),
                                 20'000);
        QCOMPARE(h.parked(), qint64(0));
        QCOMPARE(sink->count(), 1);
        QCOMPARE(calls.load(), 1);
    }

    void aMappingBuildsTheBodyAndTheMessageGoesOnUnchanged()
    {
        QByteArray received;
        net::HttpServer crm;
        QVERIFY(crm.listen({}, [&received](net::ServerRequest request, net::Responder respond) {
                       received = request.body;
                       respond(net::ServerResponse::json(204, {}));
                   })
                    .ok());
        Harness h;
        nlohmann::json document = {
            {"id", "status"},
            {"name", "Status"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "first"},
               {"type", "http"},
               {"settings", {{"system", "crm"}, {"method", "PATCH"}, {"path", "/accounts/{/account}"}}}},
              {{"id", "sink"}, {"type", "map"}}}},
            {"edges", {{{"from", "in"}, {"to", "first"}}, {{"from", "first"}, {"to", "sink"}}}}};
        auto plan = h.plan(document);
        net::HttpClient client;
        Result<SystemTarget> target = loopbackTarget("crm", crm.port());
        QVERIFY(target.ok());
        auto http = std::make_shared<HttpNode>(node(plan), *HttpNodeSettings::fromJson(node(plan).settings),
                                               *target, h.store(), client, h.clock());
        auto body = MapNode::create(str("invoice-status"),
                                    {{"Last_Invoice__c", "invoice"},
                                     {"Last_Invoice_Total__c", "$moneyAdd(net, tax)"}});
        QVERIFY(body.ok());
        http->setBody(*body);
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("first"), http}, {str("sink"), sink}});
        h.ingest(R"({"account":"ACC-1","invoice":"SBX-1","net":"100.00","tax":"19.00"})");
        QTRY_COMPARE(sink->count(), 1);
        QVERIFY2(nlohmann::json::parse(received.toStdString())
                     == nlohmann::json({{"Last_Invoice__c", "SBX-1"}, {"Last_Invoice_Total__c", "119.00"}}),
                 received.constData());
        QCOMPARE(text(sink->payloads().at(0)["net"]), str("100.00")); // the message, unchanged
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
        net::HttpClient client;
        Result<SystemTarget> target = loopbackTarget("erp", erp.port());
        QVERIFY2(target.ok(), qPrintable(target.ok() ? QString() : target.error().message));
        Result<HttpNodeSettings> settings = HttpNodeSettings::fromJson(node(plan).settings);
        QVERIFY2(settings.ok(), qPrintable(settings.ok() ? QString() : settings.error().message));
        auto http = std::make_shared<HttpNode>(node(plan), *settings, *target, h.store(), client,
                                               h.clock());
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

    void sqliteRowsAreWrittenOncePerMessage()
    {
        Harness h;
        QTemporaryDir target;
        const QString db = target.filePath(QStringLiteral("platform.db"));
        nlohmann::json settings = {
            {"format", "sqlite"},
            {"path", db.toStdString()},
            {"table", "invoices"},
            {"columns",
             {{{"name", "number"}, {"value", "number"}},
              {{"name", "amount"}, {"value", "amount"}},
              {{"name", "lines"}, {"value", "lines"}},
              {{"name", "paid"}, {"value", "paid"}}}}};
        auto plan = h.plan(flow("write", settings));
        auto runner = *WriteNode::create(node(plan), h.store(), h.clock());
        auto sink = std::make_shared<Sink>();
        h.start(plan, {{str("first"), runner}, {str("sink"), sink}});
        const QString first = h.ingest(R"({"number":"INV-1","amount":1234.50,"lines":3,"paid":true})");
        h.ingest(R"({"number":"INV-2","amount":"0.10","lines":1})");
        QTRY_COMPARE(sink->count(), 2);

        // The same message again — a replay, or a run after a crash lost its step: no new row.
        store::WorkItem again;
        again.nodeId = str("first");
        again.message = h.store().message(first)->value_or(store::StoredMessage());
        const NodeOutcome outcome = runner->run(again);
        QCOMPARE(outcome.kind, NodeOutcome::Kind::Continue);
        QVERIFY(outcome.errorDetail.startsWith(str("already written")));

        auto platform = store::Connection::open(db, store::OpenMode::ReadOnly);
        QVERIFY(platform.ok());
        auto rows = platform->prepare("SELECT number, amount, typeof(amount), lines,"
                                      " typeof(lines), paid, syncline_message_id FROM invoices"
                                      " ORDER BY number");
        QVERIFY(rows.ok());
        QVERIFY(*rows->step());
        QCOMPARE(rows->qtext(0), str("INV-1"));
        QCOMPARE(rows->qtext(1), str("1234.50")); // exact decimal text, not a double
        QCOMPARE(rows->qtext(2), str("text"));
        QCOMPARE(rows->int64(3), 3);
        QCOMPARE(rows->qtext(4), str("integer"));
        QCOMPARE(rows->int64(5), 1);
        QCOMPARE(rows->qtext(6), first);
        QVERIFY(*rows->step());
        QVERIFY(rows->isNull(5));
        QVERIFY(!*rows->step());
    }

    void aFileLineWrittenBeforeACrashIsNotWrittenAgain_data()
    {
        QTest::addColumn<QByteArray>("format");
        QTest::newRow("csv") << QByteArray("csv");
        QTest::newRow("jsonl") << QByteArray("jsonl");
    }

    void aFileLineWrittenBeforeACrashIsNotWrittenAgain()
    {
        QFETCH(QByteArray, format);
        const bool csv = format == "csv";
        Harness h;
        QTemporaryDir target;
        const QString file = target.filePath(QStringLiteral("feed.") + QString::fromLatin1(format));
        nlohmann::json settings = {{"format", format.toStdString()}, {"path", file.toStdString()}};
        if (csv) {
            settings["columns"] = {{{"name", "number"}, {"value", "number"}},
                                   {{"name", "customer"}, {"value", "customer"}}};
        }
        auto plan = h.plan(flow("write", settings));
        h.start(plan, {}); // only for ingest; the runners are called by hand below
        h.stop();
        store::WorkItem one;
        one.nodeId = str("first");
        one.message = h.store()
                          .message(h.ingest("{\"number\":\"INV-1\",\"customer\":\"Acme, \\\"Intl\\\"\"}"))
                          ->value_or(store::StoredMessage());
        store::WorkItem two = one;
        two.message = h.store()
                          .message(h.ingest(R"({"number":"INV-2","customer":"Beta"})"))
                          ->value_or(store::StoredMessage());

        // The line is on disk, then the engine dies before the step (and the id) is committed.
        QCOMPARE((*WriteNode::create(node(plan), h.store(), h.clock()))->run(one).kind,
                 NodeOutcome::Kind::Continue);
        // ... and dies again halfway through the next line.
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::Append));
            f.write(csv ? "half-a-li" : "{\"syncline_message_id\":\"x\",\"num");
        }
        auto restarted = *WriteNode::create(node(plan), h.store(), h.clock());
        const NodeOutcome rerun = restarted->run(one);
        QVERIFY(rerun.errorDetail.startsWith(str("already written")));
        QCOMPARE(rerun.stateWrites.size(), 1); // the id is committed this time
        QVERIFY(restarted->run(two).errorDetail.isEmpty());

        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        if (csv) {
            QCOMPARE(lines.size(), 4); // header, two rows, the end
            QCOMPARE(lines[0], QByteArray("syncline_message_id,number,customer"));
            QCOMPARE(lines[1], one.message.messageId.toUtf8() + ",INV-1,\"Acme, \"\"Intl\"\"\"");
            QVERIFY(lines[2].endsWith(",INV-2,Beta"));
        } else {
            QCOMPARE(lines.size(), 3);
            const auto record = nlohmann::json::parse(lines[0].toStdString());
            QCOMPARE(text(record["syncline_message_id"]), one.message.messageId);
            QCOMPARE(text(record["customer"]), str("Acme, \"Intl\""));
            QVERIFY(lines[1].contains("INV-2"));
        }
        QCOMPARE(lines.last(), QByteArray());
    }

    void everyTypeIsBuiltByTheFactoryFromSchemaCheckedSettings_data()
    {
        QTest::addColumn<QByteArray>("nodes");
        QTest::addColumn<QString>("problem");
        QTest::newRow("all valid") << QByteArray(R"([
            {"id":"agg","type":"aggregate","settings":{"groupBy":"customer","value":"amount","count":10,"windowMs":60000}},
            {"id":"dd","type":"dedupe","settings":{"key":"/eventId","windowMs":86400000,"concurrency":2}},
            {"id":"lk","type":"lookup","settings":{"lookup":"payment-terms","valueColumn":"erp","input":"/terms","target":"erpTerms"}},
            {"id":"ids","type":"lookup","settings":{"idMap":"crm-account-to-erp-customer","input":"/account","target":"customer"}},
            {"id":"wr","type":"write","settings":{"format":"jsonl","path":"/tmp/feed.jsonl"}},
            {"id":"dl","type":"delay","settings":{"window":{"days":["mon","fri"],"from":"08:00","to":"18:00","timeZone":"Europe/Berlin"}}},
            {"id":"eb","type":"errorBranch","settings":{"reasonCode":"ERP_REFUSED","ownerRole":"finance"}}
        ])") << QString();
        QTest::newRow("dedupe without window") << QByteArray(R"([
            {"id":"dd","type":"dedupe","settings":{"key":"/eventId"}}])")
                                               << str("node dd (dedupe): settings");
        QTest::newRow("aggregate without threshold") << QByteArray(R"([
            {"id":"agg","type":"aggregate","settings":{"groupBy":"customer"}}])")
                                                     << str("node agg (aggregate): settings");
        QTest::newRow("lookup of an unknown column") << QByteArray(R"([
            {"id":"lk","type":"lookup","settings":{"lookup":"payment-terms","valueColumn":"sap","target":"t"}}])")
                                                     << str("node lk (lookup): settings: lookup payment-terms has no column");
        QTest::newRow("write to an unnamed table") << QByteArray(R"([
            {"id":"wr","type":"write","settings":{"format":"sqlite","path":"x.db","columns":[{"name":"a","value":"a"}]}}])")
                                                   << str("node wr (write): settings/table");
        QTest::newRow("error branch with an unknown action") << QByteArray(R"([
            {"id":"eb","type":"errorBranch","settings":{"action":"ignore"}}])")
                                                             << str("node eb (errorBranch): settings/action");
    }

    void everyTypeIsBuiltByTheFactoryFromSchemaCheckedSettings()
    {
        QFETCH(QByteArray, nodes);
        QFETCH(QString, problem);
        Harness h;
        model::Workspace workspace;
        workspace.insert({model::ObjectKind::Lookup, str("payment-terms"), QString(), kTerms});
        net::HttpClient http;
        NodeFactory factory(workspace, {.store = h.store(), .http = http, .secrets = {},
                                        .clockMs = h.clock(), .topics = nullptr});
        nlohmann::json document = {{"id", "all"}, {"name", "All"},
                                   {"nodes", nlohmann::json::parse(nodes.toStdString())}};
        auto plan = FlowPlan::fromDocument(document, 1);
        QVERIFY(plan.ok());
        auto runners = factory.build(*plan);
        if (problem.isEmpty()) {
            QVERIFY2(runners.ok(), qPrintable(runners.ok() ? QString() : runners.error().message));
            QCOMPARE(runners->size(), plan->nodes.size());
            return;
        }
        QVERIFY(!runners.ok());
        QVERIFY2(runners.error().message.contains(problem), qPrintable(runners.error().message));
    }
};

QTEST_GUILESS_MAIN(TestFlowNodes)
#include "tst_flownodes.moc"
