#include "../exceptions/desk.h"

#include "engine/runtime/replaydryrun.h"
#include "engine/runtime/replayjobroutes.h"
#include "engine/runtime/replayjobrunner.h"
#include "engine/store/sqlitereplayjobstore.h"

#include <QDeadlineTimer>
#include <QRegularExpression>

#include <atomic>
#include <future>

using namespace deskfixture;

namespace {

// in → post (ERP, refuses the first calls) → route on the amount → notify (CRM).
nlohmann::json bulkFlow(const char *id)
{
    const auto http = [](const char *system, const char *path) {
        return nlohmann::json{
            {"system", system}, {"method", "POST"}, {"path", path}, {"businessKey", "/number"}};
    };
    return {{"id", id},
            {"name", "Bulk"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "post"}, {"type", "http"}, {"settings", http("erp", "/invoices/flaky")}},
              {{"id", "big"},
               {"type", "route"},
               {"settings", {{"routes", {{{"output", "big"}, {"condition", "amount > 100"}}}}}}},
              {{"id", "notify"}, {"type", "http"}, {"settings", http("crm", "/notes/ok")}}}},
            {"edges",
             {{{"from", "in"}, {"to", "post"}},
              {{"from", "post"}, {"to", "big"}},
              {{"from", "big"}, {"to", "notify"}, {"output", "big"}}}}};
}

QByteArray invoice(const QString &number)
{
    return QByteArray::fromStdString(
        nlohmann::json({{"number", number.toStdString()}, {"amount", 500}}).dump());
}

// A clock the test moves by hand: the runner's throttle reads it.
struct ManualClock
{
    std::atomic<qint64> nowMs{1'800'000'000'000};
    std::function<qint64()> function()
    {
        return [this] { return nowMs.load(); };
    }
};

} // namespace

class TestReplayJobs : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Target> m_target;
    std::unique_ptr<Desk> m_desk;
    std::unique_ptr<store::SqliteReplayJobStore> m_jobs;
    ManualClock m_clock;
    int m_flows = 0;

    // A fresh flow with `count` exceptions (the ERP refuses each first call); returns its id.
    QString flowWithExceptions(int count)
    {
        const QString flow = QStringLiteral("bulk%1").arg(++m_flows);
        const qsizetype calls = m_target->calls("/invoices/flaky").size();
        m_target->setRefusals(int(calls) + count);
        for (int i = 0; i < count; ++i) {
            const QString key = QStringLiteral("%1-INV-%2").arg(flow).arg(i);
            m_desk->ingest(flow, invoice(key), key, QStringLiteral("%1-c%2").arg(flow).arg(i));
        }
        store::ExceptionFilter filter;
        filter.flowId = flow;
        // Waits here (QTRY would return without a value); callers check the counts they get.
        QDeadlineTimer deadline(15000);
        while (m_desk->count(filter) < count && !deadline.hasExpired()) {
            QTest::qWait(10);
        }
        return flow;
    }

    static bool throttled(const runtime::ReplayJobRunner &runner, qint64 id)
    {
        const std::optional<runtime::ReplayJobProgress> progress = runner.progress(id);
        return progress && progress->throttled;
    }
    static qint64 nextToken(const runtime::ReplayJobRunner &runner, qint64 id)
    {
        const std::optional<runtime::ReplayJobProgress> progress = runner.progress(id);
        return progress ? progress->nextTokenMs : -1;
    }

    store::ReplayJob job(qint64 id)
    {
        auto found = m_jobs->job(id);
        return found.ok() && *found ? **found : store::ReplayJob{};
    }

    store::NewReplayJob newJob(const QString &flow, double rate)
    {
        store::ExceptionFilter filter;
        filter.flowId = flow;
        filter.states = store::ExceptionFilter::States::Unresolved;
        return {filter, rate, str("target is back"), {str("ada"), str("admin")}};
    }

    QStringList auditActions(const QString &objectType)
    {
        QStringList actions;
        for (const QStringList &row : m_desk->rows(
                 "SELECT action, object_type, object_id FROM audit ORDER BY sequence", 3)) {
            if (row[1] == objectType) {
                actions.append(row[0] + u'/' + row[2]);
            }
        }
        return actions;
    }

private slots:
    void initTestCase()
    {
        m_target = std::make_unique<Target>();
        m_desk = std::make_unique<Desk>();
        nlohmann::json files = {{"systems/erp.system.json", system(str("erp"), m_target->baseUrl())},
                                {"systems/crm.system.json", system(str("crm"), m_target->baseUrl())}};
        for (int i = 1; i <= 8; ++i) {
            const std::string id = "bulk" + std::to_string(i);
            files["flows/" + id + ".flow.json"] = bulkFlow(id.c_str());
        }
        m_desk->deploy(files);
        m_jobs = std::make_unique<store::SqliteReplayJobStore>(m_desk->store());
    }

    void dryRunCountsCallsAndLedgerSkips()
    {
        const QString flow = flowWithExceptions(3);
        // A second delivery of the first invoice, with its correlation id, once the ERP is
        // healthy: the ledger now holds its ERP and CRM effects as succeeded.
        const QString first = flow + str("-INV-0");
        m_desk->ingest(flow, invoice(first), first, flow + str("-c0"));
        const QByteArray succeeded = "SELECT count(*) FROM effects WHERE state = 'succeeded'"
                                     " AND correlation_id = '" + (flow + str("-c0")).toUtf8() + "'";
        const auto effects = [&] { return m_desk->rows(succeeded.constData(), 1).value(0).value(0); };
        QTRY_COMPARE_WITH_TIMEOUT(effects(), str("2"), 15000);

        runtime::ReplayDryRun dryRun(m_desk->exceptionStore(), m_desk->store(), *m_jobs);
        store::ExceptionFilter filter;
        filter.flowId = flow;
        filter.states = store::ExceptionFilter::States::Unresolved;
        auto report = dryRun.preview(filter);
        QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
        QCOMPARE(report->matching, qint64(3));
        QCOMPARE(report->notReplayable, qint64(0));
        QCOMPARE(report->targets.size(), qsizetype(2));
        const runtime::DryRunTarget &crm = report->targets[0];
        const runtime::DryRunTarget &erp = report->targets[1];
        QCOMPARE(crm.systemId, str("crm"));
        QCOMPARE(crm.calls, qint64(0));
        QCOMPARE(crm.conditionalCalls, qint64(2)); // behind the route: "up to"
        QCOMPARE(crm.skipped, qint64(1));
        QCOMPARE(erp.systemId, str("erp"));
        QCOMPARE(erp.calls, qint64(2));
        QCOMPARE(erp.resent, qint64(2)); // with the refused calls' keys
        QCOMPARE(erp.skipped, qint64(1));
        QCOMPARE(erp.skippedEffects.size(), qsizetype(1));
        QCOMPARE(erp.skippedEffects[0].businessKey, first);
        QCOMPARE(erp.skippedEffects[0].nodeId, str("post"));
        // Nothing was stored or replayed.
        QCOMPARE(m_desk->count(filter), qint64(3));
        QCOMPARE(auditActions(str("replay-job")), QStringList());

        // The job does what the preview said: two ERP calls, the first invoice skipped.
        const qsizetype erpBefore = m_target->calls("/invoices/flaky").size();
        const qsizetype crmBefore = m_target->calls("/notes/ok").size();
        auto created = m_jobs->create(newJob(flow, 1000));
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
        runtime::ReplayJobRunner runner(*m_jobs, m_desk->service());
        runner.start();
        QTRY_COMPARE_WITH_TIMEOUT(job(created->id).state, store::ReplayJobState::Finished, 15000);
        QCOMPARE(job(created->id).replayed, qint64(3));
        QTRY_COMPARE_WITH_TIMEOUT(m_target->calls("/notes/ok").size(), crmBefore + 2, 15000);
        QCOMPARE(m_target->calls("/invoices/flaky").size(), erpBefore + 2);
    }

    void throttleSpacesReplaysByTheClock()
    {
        const QString flow = flowWithExceptions(6);
        auto created = m_jobs->create(newJob(flow, 2)); // one every 500 ms
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
        QCOMPARE(created->state, store::ReplayJobState::Queued);
        QCOMPARE(created->total, qint64(6));
        runtime::ReplayJobRunner runner(*m_jobs, m_desk->service(), {m_clock.function(), 50});
        runner.start();
        QTRY_COMPARE_WITH_TIMEOUT(job(created->id).replayed, qint64(1), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(throttled(runner, created->id), 10000);
        QCOMPARE(job(created->id).state, store::ReplayJobState::Running);
        QCOMPARE(job(created->id).replayed, qint64(1)); // no token: nothing more

        QTRY_COMPARE_WITH_TIMEOUT(nextToken(runner, created->id), qint64(500), 10000);
        m_clock.nowMs += 499;
        runner.wake();
        // The float bucket may round 1 ms up to 2; either way it is not there yet.
        QTRY_VERIFY_WITH_TIMEOUT(nextToken(runner, created->id) <= 2, 10000);
        QCOMPARE(job(created->id).replayed, qint64(1)); // 1 ms short of the next token
        m_clock.nowMs += 1;
        runner.wake();
        QTRY_COMPARE_WITH_TIMEOUT(job(created->id).replayed, qint64(2), 10000);
        // A long quiet time buys one replay, not a burst: the bucket holds a single token.
        m_clock.nowMs += 60'000;
        runner.wake();
        QTRY_COMPARE_WITH_TIMEOUT(job(created->id).replayed, qint64(3), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(throttled(runner, created->id), 10000);
        QCOMPARE(job(created->id).replayed, qint64(3));
        const std::optional<runtime::ReplayJobProgress> progress = runner.progress(created->id);
        QCOMPARE(progress->etaMs, qint64(1500)); // 3 left at 2 a second
        for (int i = 0; i < 3; ++i) {
            m_clock.nowMs += 500;
            runner.wake();
            QTRY_COMPARE_WITH_TIMEOUT(job(created->id).done(), qint64(4 + i), 10000);
        }
        QTRY_COMPARE_WITH_TIMEOUT(job(created->id).state, store::ReplayJobState::Finished, 10000);
        QCOMPARE(job(created->id).replayed, qint64(6));

        // In exception order, each once, each with its own replay record.
        QStringList replayed;
        for (const QStringList &row :
             m_desk->rows("SELECT object_id, reason FROM audit WHERE action = 'replay'"
                          " ORDER BY sequence",
                          2)) {
            if (row[1].startsWith(QStringLiteral("bulk replay job %1:").arg(created->id))) {
                replayed.append(row[0]);
            }
        }
        QCOMPARE(replayed.size(), 6);
        QStringList sorted = replayed;
        std::sort(sorted.begin(), sorted.end(), [](const QString &a, const QString &b) {
            return a.toLongLong() < b.toLongLong();
        });
        QCOMPARE(replayed, sorted);
        QCOMPARE(QSet<QString>(replayed.cbegin(), replayed.cend()).size(), 6);
    }

    void pauseResumeAndCancelAreAudited()
    {
        const QString flow = flowWithExceptions(5);
        auto created = m_jobs->create(newJob(flow, 1));
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
        const qint64 id = created->id;
        runtime::ReplayJobRunner runner(*m_jobs, m_desk->service(), {m_clock.function(), 50});
        runner.start();
        QTRY_COMPARE_WITH_TIMEOUT(job(id).replayed, qint64(1), 10000);

        const store::Actor ada{str("ada"), str("admin")};
        auto paused = m_jobs->control(id, store::ReplayJobControl::Pause, ada, str("ERP window"));
        QVERIFY(paused.ok());
        QCOMPARE(paused->state, store::ReplayJobState::Paused);
        runner.wake();
        m_clock.nowMs += 10'000;
        runner.wake();
        QTRY_VERIFY_WITH_TIMEOUT(!throttled(runner, id), 10000);
        QCOMPARE(job(id).done(), qint64(1)); // paused: the clock moved, nothing ran
        QCOMPARE(m_jobs->control(id, store::ReplayJobControl::Pause, ada, {}).error().code,
                 QString::fromLatin1(store::kReplayJobState));

        QVERIFY(m_jobs->control(id, store::ReplayJobControl::Resume, ada, {}).ok());
        runner.wake();
        QTRY_COMPARE_WITH_TIMEOUT(job(id).replayed, qint64(2), 10000);
        QCOMPARE(job(id).state, store::ReplayJobState::Running);

        auto cancelled = m_jobs->control(id, store::ReplayJobControl::Cancel, ada, str("enough"));
        QVERIFY(cancelled.ok());
        QCOMPARE(cancelled->state, store::ReplayJobState::Cancelled);
        QVERIFY(cancelled->finishedAtMs > 0);
        runner.wake();
        m_clock.nowMs += 10'000;
        runner.wake();
        QTRY_VERIFY_WITH_TIMEOUT(!runner.progress(id).has_value(), 10000);
        QCOMPARE(job(id).done(), qint64(2));
        store::ExceptionFilter open;
        open.flowId = flow;
        open.states = store::ExceptionFilter::States::Unresolved;
        QCOMPARE(m_desk->count(open), qint64(3)); // the rest were left as they were
        QCOMPARE(m_jobs->control(id, store::ReplayJobControl::Resume, ada, {}).error().code,
                 QString::fromLatin1(store::kReplayJobState));

        const QString n = QString::number(id);
        QCOMPARE(auditActions(str("replay-job")).filter(QRegularExpression(QStringLiteral("/%1$").arg(n))),
                 (QStringList{str("bulk-replay/") + n,
                              str("bulk-replay-pause/") + n,
                              str("bulk-replay-resume/") + n,
                              str("bulk-replay-cancel/") + n}));
    }

    void oneActiveJobPerFlow()
    {
        const QString flow = flowWithExceptions(2);
        auto first = m_jobs->create(newJob(flow, 1));
        QVERIFY2(first.ok(), first.ok() ? "" : qPrintable(first.error().message));
        auto second = m_jobs->create(newJob(flow, 1));
        QVERIFY(!second.ok());
        QCOMPARE(second.error().code, QString::fromLatin1(store::kReplayJobActive));

        // The API answers 409 and says which job holds the flow; once it is cancelled a new
        // job may start.
        runtime::ReplayJobRunner runner(*m_jobs, m_desk->service(), {m_clock.function(), 50});
        runtime::ReplayJobApi api(*m_jobs, m_desk->exceptionStore(), m_desk->store(), runner);
        runtime::AdminApi admin([](const QByteArray &token) -> std::optional<security::Principal> {
            const auto role = security::roleFromName(QString::fromLatin1(token));
            return role ? std::optional(security::Principal{QString::fromLatin1(token), *role})
                        : std::nullopt;
        });
        for (runtime::AdminRoute &route : api.routes()) {
            admin.add(std::move(route));
        }
        net::HttpServer server;
        QVERIFY(server
                    .listen({},
                            [&admin](net::ServerRequest request, net::Responder respond) {
                                admin.handle(request, respond);
                            })
                    .ok());
        net::HttpClient client;
        const auto call = [&](const QByteArray &method,
                              const QString &path,
                              const QByteArray &body,
                              const QByteArray &token = "admin") {
            net::HttpRequest request;
            request.method = method;
            request.url = QStringLiteral("http://127.0.0.1:%1").arg(server.port()) + path;
            request.headers = {{"Authorization", "Bearer " + token}};
            request.body = body;
            const net::HttpOutcome outcome = client.send(request).get();
            return std::pair{outcome.response ? outcome.response->status : 0,
                             outcome.response ? nlohmann::json::parse(
                                                    outcome.response->body.toStdString(),
                                                    nullptr,
                                                    false)
                                              : nlohmann::json()};
        };
        const QByteArray body = QByteArray::fromStdString(
            nlohmann::json({{"filter", {{"flow", flow.toStdString()}}}, {"rate", 5}, {"reason", "again"}})
                .dump());
        const auto [status, problem] = call("POST", str("/api/v1/replays"), body);
        QCOMPARE(status, 409);
        QVERIFY(problem.value("code", "") == "REPLAY_JOB_ACTIVE");
        QVERIFY2(QString::fromStdString(problem.value("detail", ""))
                     .contains(QStringLiteral("job %1").arg(first->id)),
                 problem.dump().c_str());
        QCOMPARE(call("POST", str("/api/v1/replays"), body, "finance").first, 403);

        const auto [dryStatus, preview] = call("POST", str("/api/v1/replays/dry-run"), body);
        QCOMPARE(dryStatus, 200);
        QVERIFY2(preview["matching"] == 2 && preview["replays"] == 2, preview.dump().c_str());
        QVERIFY(preview["estimatedSeconds"] == 1);
        QVERIFY(preview["targets"][1]["system"] == "erp" && preview["targets"][1]["calls"] == 2);

        const QString cancel = QStringLiteral("/api/v1/replays/%1/cancel").arg(first->id);
        QCOMPARE(call("POST", cancel, R"({"reason":"wrong filter"})").first, 200);
        QCOMPARE(call("POST", cancel, {}).first, 409);
        const auto [createdStatus, created] = call("POST", str("/api/v1/replays"), body);
        QCOMPARE(createdStatus, 201);
        QVERIFY(created["state"] == "queued" && created["total"] == 2);
        QVERIFY(created["progress"]["etaSeconds"] == 1);
        const auto [listed, jobs] = call("GET", str("/api/v1/replays"), {});
        QCOMPARE(listed, 200);
        QVERIFY(jobs["jobs"][0]["id"] == created["id"]);
        QVERIFY(jobs["jobs"][1]["state"] == "cancelled");
        QCOMPARE(call("GET", str("/api/v1/replays/999999"), {}).first, 404);
        QVERIFY(m_jobs->control(created["id"].get<qint64>(), store::ReplayJobControl::Cancel,
                                {str("ada"), str("admin")}, {})
                    .ok());
        server.stop();
        api.stop();
    }

    void badRequestsSayWhy_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::newRow("no filter") << QByteArray(R"({"rate":1,"reason":"r"})") << 400
                                   << QByteArray("BAD_QUERY");
        QTest::newRow("no flow") << QByteArray(R"({"filter":{"reason":"HTTP_4XX"},"rate":1,"reason":"r"})")
                                 << 400 << QByteArray("BAD_QUERY");
        QTest::newRow("unknown filter")
            << QByteArray(R"({"filter":{"flow":"bulk1","colour":"red"},"rate":1,"reason":"r"})")
            << 400 << QByteArray("BAD_QUERY");
        QTest::newRow("resolved ones")
            << QByteArray(R"({"filter":{"flow":"bulk1","state":"resolved"},"rate":1,"reason":"r"})")
            << 400 << QByteArray("BAD_QUERY");
        QTest::newRow("bad age")
            << QByteArray(R"({"filter":{"flow":"bulk1","olderThan":"a week"},"rate":1,"reason":"r"})")
            << 400 << QByteArray("BAD_QUERY");
        QTest::newRow("no rate") << QByteArray(R"({"filter":{"flow":"bulk1"},"reason":"r"})")
                                 << 422 << QByteArray("RATE_INVALID");
        QTest::newRow("zero rate")
            << QByteArray(R"({"filter":{"flow":"bulk1"},"rate":0,"reason":"r"})") << 422
            << QByteArray("RATE_INVALID");
        QTest::newRow("no reason") << QByteArray(R"({"filter":{"flow":"bulk1"},"rate":1})") << 422
                                   << QByteArray("REASON_REQUIRED");
        QTest::newRow("typo") << QByteArray(R"({"filter":{"flow":"bulk1"},"rate":1,"reson":"r"})")
                              << 400 << QByteArray("BAD_REQUEST");
        QTest::newRow("not json") << QByteArray("filter=bulk1") << 400 << QByteArray("BAD_JSON");
    }

    void badRequestsSayWhy()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        runtime::ReplayJobRunner runner(*m_jobs, m_desk->service(), {m_clock.function(), 50});
        runtime::ReplayJobApi api(*m_jobs, m_desk->exceptionStore(), m_desk->store(), runner);
        runtime::AdminApi admin([](const QByteArray &) {
            return std::optional(security::Principal{str("ada"), security::Role::Admin});
        });
        for (runtime::AdminRoute &route : api.routes()) {
            admin.add(std::move(route));
        }
        const qsizetype before = auditActions(str("replay-job")).size();
        net::ServerRequest request;
        request.method = "POST";
        request.path = "/api/v1/replays";
        request.headers = {{"authorization", "Bearer x"}};
        request.body = body;
        std::promise<net::ServerResponse> answered;
        admin.handle(request, [&answered](net::ServerResponse r) { answered.set_value(r); });
        const net::ServerResponse response = answered.get_future().get();
        QVERIFY2(response.status == status, response.body.constData());
        const nlohmann::json problem = nlohmann::json::parse(response.body.toStdString());
        QVERIFY2(problem.value("code", "") == code.toStdString(), response.body.constData());
        QCOMPARE(auditActions(str("replay-job")).size(), before);
    }

    void aRestartedRunnerNeitherRepeatsNorMissesAnException()
    {
        const QString flow = flowWithExceptions(6);
        auto created = m_jobs->create(newJob(flow, 1000));
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
        const qint64 id = created->id;
        // The runner stops before it starts; then the first item is replayed as if the engine
        // died after the replay committed and before its outcome was recorded.
        auto items = m_jobs->items(id, store::ReplayItemState::Pending, 0, 10);
        QVERIFY(items.ok() && items->size() == 6);
        const qint64 lost = items->at(0).exceptionId;
        QVERIFY(m_desk->service()
                    .replayException(lost,
                                     {str("ada"), security::Role::Admin},
                                     QStringLiteral("bulk replay job %1: target is back").arg(id))
                    .ok());
        runtime::ReplayJobRunner runner(*m_jobs, m_desk->service());
        runner.start();
        QTRY_COMPARE_WITH_TIMEOUT(job(id).state, store::ReplayJobState::Finished, 15000);
        const store::ReplayJob done = job(id);
        QCOMPARE(done.total, qint64(6));
        QCOMPARE(done.replayed, qint64(5));
        QCOMPARE(done.skipped, qint64(1));
        QCOMPARE(done.failed, qint64(0));
        auto skipped = m_jobs->items(id, store::ReplayItemState::Skipped, 0, 10);
        QCOMPARE(skipped->size(), qsizetype(1));
        QCOMPARE(skipped->at(0).exceptionId, lost);
        QVERIFY(skipped->at(0).detail.startsWith(str("EXCEPTION_RESOLVED")));
        // Every exception of the flow replayed exactly once.
        QHash<QString, int> replays;
        for (const QStringList &row :
             m_desk->rows("SELECT object_id FROM audit WHERE action = 'replay'", 1)) {
            ++replays[row[0]];
        }
        for (const store::ReplayJobItem &item : std::as_const(*items)) {
            QCOMPARE(replays.value(QString::number(item.exceptionId)), 1);
        }
    }

    void anEmptyJobIsFinishedAtOnce()
    {
        store::NewReplayJob empty = newJob(str("no-such-flow"), 1);
        auto created = m_jobs->create(empty);
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().message));
        QCOMPARE(created->state, store::ReplayJobState::Finished);
        QCOMPARE(created->total, qint64(0));
        QVERIFY(created->finishedAtMs > 0);
        QVERIFY(m_jobs->create(empty).ok()); // not active: no obstacle to another
    }
};

QTEST_GUILESS_MAIN(TestReplayJobs)
#include "tst_replayjobs.moc"
