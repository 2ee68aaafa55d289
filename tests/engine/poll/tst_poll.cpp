#include "engine/runtime/polltrigger.h"
#include "engine/store/sqlitemessagestore.h"
#include "tests/common/rawhttpserver.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using syncline::tests::RawHttpServer;
using syncline::tests::RawReply;
using syncline::tests::RawRequest;

namespace {

constexpr qint64 kNow = 1'714'557'600'000; // 2024-05-01T10:00:00Z
constexpr qint64 kIntervalMs = 300'000;

// A billing API listing invoices three to a page: GET /invoices[?after=<token>].
QByteArray page(const QByteArray &token)
{
    const int first = token.isEmpty() ? 1 : token.mid(1).toInt() * 3 - 2;
    QByteArray items;
    for (int n = first; n < first + 3; ++n) {
        items += (items.isEmpty() ? "" : ",")
                 + QStringLiteral(R"({"id":"inv-%1","number":"INV-%1","amount":10.50})")
                       .arg(n)
                       .toUtf8();
    }
    const int next = first / 3 + 2;
    const QByteArray cursor = next <= 3 ? "\"p" + QByteArray::number(next) + '"' : "null";
    return R"({"data":[)" + items + R"(],"paging":{"next":)" + cursor + "}}";
}

QByteArray tokenOf(const QByteArray &path)
{
    const qsizetype at = path.indexOf("after=");
    return at < 0 ? QByteArray() : path.mid(at + 6);
}

} // namespace

class TestPoll : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    std::unique_ptr<net::HttpClient> m_client;
    std::atomic<bool> m_stop{false};
    qint64 m_now = kNow;
    std::mutex m_pathsMutex;
    QList<QByteArray> m_paths;
    QByteArray m_apiKey;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("engine.db")); }

    void reopenStore()
    {
        m_store.reset();
        auto opened = store::SqliteMessageStore::open(dbPath());
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        m_store = std::move(*opened);
    }

    // The paging API with a hook that may answer differently (a fault) for a request.
    std::unique_ptr<RawHttpServer> api(
        std::function<std::optional<RawReply>(const RawRequest &)> fault = {})
    {
        return std::make_unique<RawHttpServer>([this, fault](const RawRequest &request) {
            {
                std::lock_guard lock(m_pathsMutex);
                m_paths.append(request.path);
                m_apiKey = request.header("x-api-key");
            }
            if (fault) {
                if (std::optional<RawReply> reply = fault(request)) {
                    return *reply;
                }
            }
            return RawReply::answer("200 OK", page(tokenOf(request.path)),
                                    "Content-Type: application/json\r\n");
        });
    }

    std::unique_ptr<PollTrigger> poll(const RawHttpServer &server,
                                      nlohmann::json extra = nlohmann::json::object(),
                                      RetryPolicy retry = {})
    {
        nlohmann::json settings = {{"system", "billing"},
                                   {"path", "/invoices"},
                                   {"intervalSeconds", kIntervalMs / 1000},
                                   {"items", "/data"},
                                   {"itemId", "/id"},
                                   {"businessKey", "/number"},
                                   {"nextCursor", "/paging/next"},
                                   {"cursorParam", "after"}};
        settings.update(extra);
        Result<PollSettings> parsed = PollSettings::fromJson(settings);
        if (!parsed) {
            qWarning("%s", qPrintable(parsed.error().message));
            return nullptr;
        }
        const nlohmann::json system = {
            {"id", "billing"},
            {"baseUrl", server.url("").toStdString()},
            {"auth", {{"type", "apiKey"}, {"header", "X-Api-Key"}, {"secretRef", "secret:k"}}}};
        Result<SystemTarget> target = SystemTarget::fromDocument(
            system, [](const QString &) { return std::optional<QByteArray>("key-123"); });
        if (!target) {
            return nullptr;
        }
        target->timeoutMs = 5'000;
        TriggerContext context;
        context.store = m_store.get();
        context.clockMs = [this] { return m_now; };
        return std::make_unique<PollTrigger>(
            TriggerTarget{QStringLiteral("invoices"), 1, QStringLiteral("fetch"),
                          {QStringLiteral("next")}},
            std::move(*parsed), std::move(*target), retry, *m_client, context);
    }

    // Every message waiting after the trigger, by the item id in its payload.
    QStringList takeIds()
    {
        Result<QList<store::WorkItem>> items = m_store->claim(QStringLiteral("invoices"), 1,
                                                              QStringLiteral("next"), 1000,
                                                              60'000);
        QStringList ids;
        for (const store::WorkItem &item : items ? *items : QList<store::WorkItem>()) {
            const QByteArray &p = item.message.payload;
            ids.append(QString::fromStdString(
                nlohmann::json::parse(p.constData(), p.constData() + p.size())["id"]
                    .get<std::string>()));
        }
        ids.sort();
        return ids;
    }

    static QStringList allIds()
    {
        QStringList ids;
        for (int n = 1; n <= 9; ++n) {
            ids.append(QStringLiteral("inv-%1").arg(n));
        }
        ids.sort();
        return ids;
    }

    QList<QByteArray> paths()
    {
        std::lock_guard lock(m_pathsMutex);
        return m_paths;
    }

private slots:
    void init()
    {
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
            QFile::remove(dbPath() + suffix);
        }
        reopenStore();
        m_client = std::make_unique<net::HttpClient>();
        m_stop = false;
        m_now = kNow;
        m_paths.clear();
    }
    void cleanup()
    {
        m_client.reset();
        m_store.reset();
    }

    void everyPageOnce()
    {
        auto server = api();
        auto trigger = poll(*server);
        QVERIFY(trigger);
        QCOMPARE(trigger->run(m_now, m_stop), m_now + kIntervalMs);
        QCOMPARE(paths(), (QList<QByteArray>{"/invoices", "/invoices?after=p2",
                                             "/invoices?after=p3"}));
        QCOMPARE(m_apiKey, QByteArray("key-123"));

        Result<QList<store::WorkItem>> items = m_store->claim(QStringLiteral("invoices"), 1,
                                                              QStringLiteral("next"), 1000,
                                                              60'000);
        QVERIFY(items);
        QCOMPARE(items->size(), 9);
        const store::WorkItem &first = items->first();
        QCOMPARE(first.message.businessKey, QStringLiteral("INV-1"));
        // The item as the system sent it: the amount keeps its text.
        QVERIFY(first.message.payload.contains("\"amount\":10.50"));

        // The cursor stays at the last page's, so the next round sees what was added to it.
        QCOMPARE(*trigger->cursor(), QStringLiteral("p3"));
        const TriggerStatus status = trigger->status();
        QCOMPARE(status.messages, 9);
        QCOMPARE(status.runs, 1);
        QVERIFY(!status.failing());

        // The next round: the last page again, nothing new, nothing twice.
        m_now += kIntervalMs;
        trigger->run(m_now, m_stop);
        QCOMPARE(paths().last(), QByteArray("/invoices?after=p3"));
        QCOMPARE(trigger->status().duplicates, 3);
        QVERIFY(takeIds().isEmpty());
    }

    void stoppedBetweenPagesResumesThere()
    {
        // The engine stops while the third page is being fetched (the call hangs).
        auto server = api([this](const RawRequest &request) -> std::optional<RawReply> {
            if (tokenOf(request.path) == "p3") {
                m_stop = true;
                return RawReply::hang();
            }
            return std::nullopt;
        });
        auto trigger = poll(*server);
        QElapsedTimer stopping;
        stopping.start();
        trigger->run(m_now, m_stop);
        QVERIFY2(stopping.elapsed() < 2'000, "a poll in progress is abandoned when stopping");
        const QStringList before = takeIds();
        QCOMPARE(before.size(), 6);
        trigger.reset();
        server.reset();

        // Restarted on the same database: the sync goes on at the third page.
        reopenStore();
        m_stop = false;
        m_paths.clear();
        server = api();
        trigger = poll(*server);
        trigger->run(m_now, m_stop);
        QCOMPARE(paths().first(), QByteArray("/invoices?after=p3"));
        QStringList all = before + takeIds();
        all.sort();
        QCOMPARE(all, allIds());
    }

    void crashInsideAPageRepeatsNothing()
    {
        // As if the engine died after committing two items of page 2 (without the cursor).
        const auto item = [this](const char *id) {
            store::IngestRequest r;
            r.source = QStringLiteral("invoices/fetch");
            r.deliveryId = QLatin1String(id);
            r.firstNodes = {QStringLiteral("next")};
            r.message.flowId = QStringLiteral("invoices");
            r.message.flowVersion = 1;
            r.message.payload = QByteArray(R"({"id":")") + id + "\"}";
            return r;
        };
        store::IngestRequest firstPage = item("inv-3");
        firstPage.stateWrites = {{QStringLiteral("poll/invoices/fetch"), QStringLiteral("cursor"),
                                  QByteArray("p2"), 0}};
        for (const store::IngestRequest &r : {item("inv-1"), item("inv-2"), firstPage,
                                              item("inv-4"), item("inv-5")}) {
            QVERIFY(m_store->ingest(r));
        }
        auto server = api();
        auto trigger = poll(*server);
        trigger->run(m_now, m_stop);
        QCOMPARE(paths().first(), QByteArray("/invoices?after=p2"));
        QCOMPARE(takeIds(), allIds());
        QCOMPARE(trigger->status().duplicates, 2);
        QCOMPARE(trigger->status().messages, 4);
    }

    void retryAfterIsHonoured()
    {
        std::atomic<int> calls{0};
        auto server = api([&calls](const RawRequest &) -> std::optional<RawReply> {
            if (calls++ == 0) {
                return RawReply::answer("429 Too Many Requests", R"({"error":"slow down"})",
                                        "Retry-After: 7\r\n");
            }
            return std::nullopt;
        });
        auto trigger = poll(*server);
        const qint64 next = trigger->run(m_now, m_stop);
        QVERIFY(next >= m_now + 7'000);
        QVERIFY(next < m_now + 7'000 + 5'000);
        TriggerStatus status = trigger->status();
        QVERIFY(status.failing());
        QVERIFY2(status.lastError.contains(QStringLiteral("429")), qPrintable(status.lastError));
        QVERIFY(takeIds().isEmpty());

        m_now = next;
        QCOMPARE(trigger->run(m_now, m_stop), m_now + kIntervalMs);
        status = trigger->status();
        QVERIFY(!status.failing());
        QCOMPARE(status.failures, 1);
        QCOMPARE(takeIds(), allIds());
    }

    void serverErrorsAreRetriedThenGivenUpForTheRound()
    {
        auto server = api([](const RawRequest &) -> std::optional<RawReply> {
            return RawReply::answer("503 Service Unavailable", "down");
        });
        RetryPolicy retry;
        retry.maxAttempts = 3;
        retry.initialDelayMs = 1'000;
        retry.jitter = 0;
        auto trigger = poll(*server, nlohmann::json::object(), retry);
        QCOMPARE(trigger->run(m_now, m_stop), m_now + 1'000);
        m_now += 1'000;
        QCOMPARE(trigger->run(m_now, m_stop), m_now + 2'000);
        m_now += 2'000;
        // The third failure spends the policy: wait for the next round.
        QCOMPARE(trigger->run(m_now, m_stop), m_now + kIntervalMs);
        const TriggerStatus status = trigger->status();
        QCOMPARE(status.failures, 3);
        QCOMPARE(status.consecutiveFailures, 3);
        QVERIFY(status.lastError.contains(QStringLiteral("503")));
        QCOMPARE(server->requests(), 3);
        QVERIFY(takeIds().isEmpty());
    }

    void unusableAnswersWaitForTheNextRound_data()
    {
        QTest::addColumn<QByteArray>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");
        QTest::newRow("not found") << QByteArray("404 Not Found") << QByteArray("{}")
                                   << QStringLiteral("refused the poll with 404");
        QTest::newRow("not JSON") << QByteArray("200 OK") << QByteArray("<html>")
                                  << QStringLiteral("not strict JSON");
        QTest::newRow("duplicate keys") << QByteArray("200 OK")
                                        << QByteArray(R"({"data":[],"data":[]})")
                                        << QStringLiteral("not strict JSON");
        QTest::newRow("no items") << QByteArray("200 OK") << QByteArray(R"({"rows":[]})")
                                  << QStringLiteral("no array of items at \"/data\"");
    }
    void unusableAnswersWaitForTheNextRound()
    {
        QFETCH(QByteArray, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        auto server = api([&](const RawRequest &) -> std::optional<RawReply> {
            return RawReply::answer(status, body);
        });
        auto trigger = poll(*server);
        QCOMPARE(trigger->run(m_now, m_stop), m_now + kIntervalMs);
        const TriggerStatus s = trigger->status();
        QVERIFY(s.failing());
        QVERIFY2(s.lastError.contains(error), qPrintable(s.lastError));
        QCOMPARE(server->requests(), 1);
        QVERIFY(takeIds().isEmpty());
    }

    void restartModeListsAgainWithoutDuplicates()
    {
        auto server = api();
        auto trigger = poll(*server, {{"atEnd", "restart"}});
        trigger->run(m_now, m_stop);
        QCOMPARE(takeIds(), allIds());
        QCOMPARE(*trigger->cursor(), QString());
        m_now += kIntervalMs;
        m_paths.clear();
        trigger->run(m_now, m_stop);
        QCOMPARE(paths().first(), QByteArray("/invoices"));
        QCOMPARE(trigger->status().duplicates, 9);
        QVERIFY(takeIds().isEmpty());
    }

    void settingsRefused_data()
    {
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<QString>("message");
        QTest::newRow("no system") << QByteArray(R"({"path":"/x"})") << "settings/system";
        QTest::newRow("cursor without parameter")
            << QByteArray(R"({"system":"s","nextCursor":"/next"})") << "settings/cursorParam";
        QTest::newRow("zero interval") << QByteArray(R"({"system":"s","intervalSeconds":0})")
                                       << "settings/intervalSeconds";
        QTest::newRow("bad end") << QByteArray(R"({"system":"s","atEnd":"loop"})")
                                 << "settings/atEnd";
        QTest::newRow("pointer not text") << QByteArray(R"({"system":"s","items":3})")
                                          << "settings/items";
        QTest::newRow("nothing to list") << QByteArray(R"({"system":"s"})") << "settings/path";
    }
    void settingsRefused()
    {
        QFETCH(QByteArray, settings);
        QFETCH(QString, message);
        const Result<PollSettings> parsed = PollSettings::fromJson(
            nlohmann::json::parse(settings.constData()));
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message.startsWith(message), qPrintable(parsed.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPoll)
#include "tst_poll.moc"
