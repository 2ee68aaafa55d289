#include "engine/runtime/cronexpression.h"
#include "engine/runtime/scheduletrigger.h"
#include "engine/runtime/triggerhost.h"
#include "engine/store/sqlitemessagestore.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

namespace {

qint64 at(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toMSecsSinceEpoch();
}

} // namespace

class TestSchedule : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    qint64 m_now = 0;
    std::atomic<bool> m_stop{false};

    QString dbPath() const { return m_dir.filePath(QStringLiteral("engine.db")); }

    void reopenStore()
    {
        m_store.reset(); // the engine stops: everything committed stays
        auto opened = store::SqliteMessageStore::open(dbPath());
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        m_store = std::move(*opened);
    }

    std::unique_ptr<ScheduleTrigger> schedule(const nlohmann::json &settings)
    {
        Result<ScheduleSettings> parsed = ScheduleSettings::fromJson(settings);
        if (!parsed) {
            qWarning("%s", qPrintable(parsed.error().message));
            return nullptr;
        }
        TriggerContext context;
        context.store = m_store.get();
        context.clockMs = [this] { return m_now; };
        return std::make_unique<ScheduleTrigger>(
            TriggerTarget{QStringLiteral("nightly"), 1, QStringLiteral("tick"),
                          {QStringLiteral("next")}},
            std::move(*parsed), context);
    }

    // Messages waiting at the node after the trigger (claimed, so each is counted once).
    QList<store::WorkItem> takeMessages()
    {
        Result<QList<store::WorkItem>> items = m_store->claim(QStringLiteral("nightly"), 1,
                                                              QStringLiteral("next"), 1000,
                                                              60'000);
        return items ? *items : QList<store::WorkItem>();
    }

    static nlohmann::json payloadOf(const store::WorkItem &item)
    {
        const QByteArray &p = item.message.payload;
        return nlohmann::json::parse(p.constData(), p.constData() + p.size());
    }

private slots:
    void init()
    {
        QFile::remove(dbPath());
        QFile::remove(dbPath() + QStringLiteral("-wal"));
        QFile::remove(dbPath() + QStringLiteral("-shm"));
        reopenStore();
    }
    void cleanup() { m_store.reset(); }

    void cronParses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("every minute") << "* * * * *" << true;
        QTest::newRow("weekdays at 06:30") << "30 6 * * 1-5" << true;
        QTest::newRow("names") << "0 12 1 JAN,jul mon-fri" << true;
        QTest::newRow("steps") << "*/15 0-23/2 * * *" << true;
        QTest::newRow("start with step") << "5/20 * * * *" << true;
        QTest::newRow("sunday as 7") << "0 0 * * 7" << true;
        QTest::newRow("shorthand") << "@daily" << true;
        QTest::newRow("four fields") << "* * * *" << false;
        QTest::newRow("six fields") << "0 * * * * *" << false;
        QTest::newRow("minute 60") << "60 * * * *" << false;
        QTest::newRow("backwards range") << "0 5-3 * * *" << false;
        QTest::newRow("zero step") << "*/0 * * * *" << false;
        QTest::newRow("unknown name") << "0 0 * FOO *" << false;
        QTest::newRow("empty") << "" << false;
    }
    void cronParses()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const Result<CronExpression> cron = CronExpression::parse(text);
        QCOMPARE(cron.ok(), valid);
        if (!valid) {
            QCOMPARE(cron.error().code, QStringLiteral("CRON_INVALID"));
            QVERIFY(cron.error().message.contains(text));
        }
    }

    void cronNextRun_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("after");
        QTest::addColumn<QString>("expected");
        QTest::newRow("next minute") << "* * * * *" << "UTC" << "2024-05-01T10:00:00Z"
                                     << "2024-05-01T10:01:00Z";
        QTest::newRow("weekday skips weekend") << "30 6 * * 1-5" << "UTC"
                                               << "2024-05-03T07:00:00Z"  // a Friday
                                               << "2024-05-06T06:30:00Z"; // Monday
        QTest::newRow("zone wall clock") << "0 6 * * *" << "Europe/Berlin"
                                         << "2024-05-01T00:00:00Z" << "2024-05-01T06:00:00+02:00";
        QTest::newRow("day of month or week") << "0 0 13 * 5" << "UTC" << "2024-09-01T00:00:00Z"
                                              << "2024-09-06T00:00:00Z"; // Friday before the 13th
        QTest::newRow("last of the month's 31") << "0 0 31 * *" << "UTC" << "2024-04-01T00:00:00Z"
                                                << "2024-05-31T00:00:00Z";
        QTest::newRow("spring gap runs after it") << "30 2 * * *" << "Europe/Berlin"
                                                  << "2024-03-29T12:00:00Z"
                                                  << "2024-03-30T02:30:00+01:00";
        QTest::newRow("inside the gap day") << "30 2 * * *" << "Europe/Berlin"
                                            << "2024-03-31T00:00:00Z"
                                            << "2024-03-31T03:00:00+02:00";
        QTest::newRow("repeated hour") << "30 2 * * *" << "Europe/Berlin"
                                       << "2024-10-27T00:00:00Z" // 02:00 CEST
                                       << "2024-10-27T02:30:00+01:00";
        QTest::newRow("repeated hour runs once") << "30 2 * * *" << "Europe/Berlin"
                                                 << "2024-10-27T01:30:00Z" // 02:30 CET
                                                 << "2024-10-28T02:30:00+01:00";
    }
    void cronNextRun()
    {
        QFETCH(QString, text);
        QFETCH(QString, zone);
        QFETCH(QString, after);
        QFETCH(QString, expected);
        const Result<CronExpression> cron = CronExpression::parse(text);
        QVERIFY(cron);
        const QTimeZone tz(zone.toLatin1());
        const std::optional<qint64> next = cron->nextAfter(at(after.toLatin1().constData()), tz);
        QVERIFY(next);
        QCOMPARE(*next, at(expected.toLatin1().constData()));
        // The previous run of the found one is itself.
        QCOMPARE(cron->previousAtOrBefore(*next, tz), next);
    }

    void neverRunsIsNone()
    {
        const Result<CronExpression> cron = CronExpression::parse(QStringLiteral("0 0 30 2 *"));
        QVERIFY(cron);
        QVERIFY(!cron->nextAfter(at("2024-01-01T00:00:00Z"), QTimeZone::utc()));
    }

    void settingsRefused_data()
    {
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<QString>("pointer");
        QTest::newRow("neither") << QByteArray("{}") << "settings: a schedule";
        QTest::newRow("both") << QByteArray(R"({"cron":"* * * * *","intervalSeconds":5})")
                              << "settings: a schedule";
        QTest::newRow("bad cron") << QByteArray(R"({"cron":"* *"})") << "settings/cron";
        QTest::newRow("bad zone") << QByteArray(R"({"cron":"* * * * *","timezone":"Mars/Base"})")
                                  << "settings/timezone";
        QTest::newRow("zero interval") << QByteArray(R"({"intervalSeconds":0})")
                                       << "settings/intervalSeconds";
        QTest::newRow("bad policy") << QByteArray(R"({"intervalSeconds":5,"missedRuns":"all"})")
                                    << "settings/missedRuns";
        QTest::newRow("payload not object") << QByteArray(R"({"intervalSeconds":5,"payload":[1]})")
                                            << "settings/payload";
    }
    void settingsRefused()
    {
        QFETCH(QByteArray, settings);
        QFETCH(QString, pointer);
        const Result<ScheduleSettings> parsed = ScheduleSettings::fromJson(
            nlohmann::json::parse(settings.constData()));
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message.startsWith(pointer), qPrintable(parsed.error().message));
    }

    void firesOncePerRun()
    {
        auto trigger = schedule({{"intervalSeconds", 60}, {"payload", {{"job", "sync"}}}});
        QVERIFY(trigger);
        m_now = at("2024-05-01T10:00:30Z");
        QCOMPARE(trigger->run(m_now, m_stop), at("2024-05-01T10:01:00Z")); // armed, not fired
        QVERIFY(takeMessages().isEmpty());

        m_now = at("2024-05-01T10:01:00.200Z");
        QCOMPARE(trigger->run(m_now, m_stop), at("2024-05-01T10:02:00Z"));
        QList<store::WorkItem> fired = takeMessages();
        QCOMPARE(fired.size(), 1);
        const nlohmann::json payload = payloadOf(fired[0]);
        QVERIFY(payload["job"] == "sync");
        QVERIFY(payload["firedAt"] == "2024-05-01T10:01:00Z");
        QVERIFY(!payload.contains("missedRuns"));
        QCOMPARE(fired[0].message.businessKey, QStringLiteral("2024-05-01T10:01:00Z"));

        // Called again before the next run (a spurious wake-up): nothing.
        QCOMPARE(trigger->run(m_now + 500, m_stop), at("2024-05-01T10:02:00Z"));
        QVERIFY(takeMessages().isEmpty());
        QCOMPARE(trigger->status().messages, 1);
        QCOMPARE(trigger->status().runs, 1);
    }

    void restartDoesNotRepeatACommittedRun()
    {
        auto trigger = schedule({{"intervalSeconds", 60}});
        m_now = at("2024-05-01T10:00:30Z");
        trigger->run(m_now, m_stop);
        m_now = at("2024-05-01T10:01:10Z");
        trigger->run(m_now, m_stop);
        QCOMPARE(takeMessages().size(), 1);

        // Restart within the same minute: the run at 10:01 was committed, so nothing again.
        trigger.reset();
        reopenStore();
        trigger = schedule({{"intervalSeconds", 60}});
        m_now = at("2024-05-01T10:01:40Z");
        QCOMPARE(trigger->run(m_now, m_stop), at("2024-05-01T10:02:00Z"));
        QVERIFY(takeMessages().isEmpty());
    }

    void missedRunsWhileStopped_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("restartAt");
        QTest::addColumn<int>("messages");
        QTest::addColumn<QString>("firedAt");
        QTest::addColumn<int>("missedRuns");
        QTest::addColumn<int>("skipped");
        // Last run committed at 10:01; runs at 10:02 … 10:06 fall due while stopped.
        QTest::newRow("fire once") << "fireOnce" << "2024-05-01T10:06:20Z" << 1
                                   << "2024-05-01T10:06:00Z" << 4 << 0;
        QTest::newRow("skip, latest on time") << "skip" << "2024-05-01T10:06:20Z" << 1
                                              << "2024-05-01T10:06:00Z" << 0 << 4;
        QTest::newRow("skip, all late") << "skip" << "2024-05-01T10:06:59Z" << 0 << "" << 0 << 5;
    }
    void missedRunsWhileStopped()
    {
        QFETCH(QString, policy);
        QFETCH(QString, restartAt);
        QFETCH(int, messages);
        QFETCH(QString, firedAt);
        QFETCH(int, missedRuns);
        QFETCH(int, skipped);
        const nlohmann::json settings = {{"intervalSeconds", 60},
                                         {"missedRuns", policy.toStdString()},
                                         {"graceSeconds", 30}};
        auto trigger = schedule(settings);
        m_now = at("2024-05-01T10:00:30Z");
        trigger->run(m_now, m_stop);
        m_now = at("2024-05-01T10:01:05Z");
        trigger->run(m_now, m_stop);
        QCOMPARE(takeMessages().size(), 1);

        trigger.reset();
        reopenStore();
        trigger = schedule(settings);
        m_now = at(restartAt.toLatin1().constData());
        QCOMPARE(trigger->run(m_now, m_stop), at("2024-05-01T10:07:00Z"));
        const QList<store::WorkItem> fired = takeMessages();
        QCOMPARE(fired.size(), messages);
        QCOMPARE(trigger->status().skipped, skipped);
        if (messages == 1) {
            const nlohmann::json payload = payloadOf(fired[0]);
            QCOMPARE(QString::fromStdString(payload["firedAt"].get<std::string>()), firedAt);
            QCOMPARE(payload.value("missedRuns", 0), missedRuns);
        }
        // And once more at the same moment: nothing repeats.
        trigger->run(m_now, m_stop);
        QVERIFY(takeMessages().isEmpty());
    }

    void runDueBeforeTheFirstFireIsNotLost()
    {
        // Deployed at 10:00:30, stopped before 10:01, started again at 10:01:10.
        auto trigger = schedule({{"intervalSeconds", 60}});
        m_now = at("2024-05-01T10:00:30Z");
        trigger->run(m_now, m_stop);
        trigger.reset();
        reopenStore();
        trigger = schedule({{"intervalSeconds", 60}});
        m_now = at("2024-05-01T10:01:10Z");
        trigger->run(m_now, m_stop);
        QCOMPARE(takeMessages().size(), 1);
    }

    void cronInATimeZone()
    {
        auto trigger = schedule({{"cron", "0 6 * * *"}, {"timezone", "Europe/Berlin"}});
        m_now = at("2024-05-01T03:00:00Z");
        QCOMPARE(trigger->run(m_now, m_stop), at("2024-05-01T06:00:00+02:00"));
        m_now = at("2024-05-01T04:00:01Z");
        QCOMPARE(trigger->run(m_now, m_stop), at("2024-05-02T06:00:00+02:00"));
        const QList<store::WorkItem> fired = takeMessages();
        QCOMPARE(fired.size(), 1);
        QVERIFY(payloadOf(fired[0])["firedAt"] == "2024-05-01T06:00:00+02:00");
    }

    void hostRunsAndStopsSchedules()
    {
        // A real thread on a real clock: a one-second interval fires within a few seconds, and
        // stop() returns at once although the next run is a second away.
        TriggerHostServices services;
        services.context.store = m_store.get();
        services.context.clockMs = [] { return QDateTime::currentMSecsSinceEpoch(); };
        std::atomic<int> stored{0};
        services.context.onStored = [&stored](const QString &, int, const QStringList &) {
            ++stored;
        };
        TriggerHost host(services);
        FlowPlan plan;
        plan.flowId = QStringLiteral("nightly");
        plan.version = 1;
        PlannedNode node;
        node.id = QStringLiteral("tick");
        node.type = QStringLiteral("schedule");
        node.isTrigger = true;
        node.settings = {{"intervalSeconds", 1}};
        node.next.insert(QString(), {QStringLiteral("next")});
        plan.nodes.insert(node.id, node);
        plan.nodeOrder = {node.id};
        QVERIFY(host.setTriggers({std::make_shared<const FlowPlan>(plan)}));
        host.start();
        QTRY_VERIFY_WITH_TIMEOUT(stored >= 1, 5000);
        QElapsedTimer stopping;
        stopping.start();
        host.stop();
        QVERIFY(stopping.elapsed() < 1000);
        QCOMPARE(host.statuses().size(), 1);
        QCOMPARE(host.statuses()[0].type, QStringLiteral("schedule"));
        QVERIFY(host.statuses()[0].messages >= 1);

        // Bad settings change nothing and name the node.
        node.settings = {{"cron", "not cron"}};
        plan.nodes.insert(node.id, node);
        const Result<void> refused = host.setTriggers({std::make_shared<const FlowPlan>(plan)});
        QVERIFY(!refused);
        QVERIFY(refused.error().message.contains(QStringLiteral("node tick")));
        QCOMPARE(host.statuses().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
