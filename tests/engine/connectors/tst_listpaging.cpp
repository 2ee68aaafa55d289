// Connector lists follow the vendor's pages, against the real sandbox: a poll of a connector
// object (no paging settings of its own) reads every document of a list spread over several
// pages exactly once — Stripe's starting_after, Zendesk's after_cursor, NetSuite's offset and
// Salesforce's nextRecordsUrl — and its next round reads nothing twice.

#include "engine/json/intake.h"
#include "engine/net/httpclient.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/runtime/listpaging.h"
#include "engine/runtime/polltrigger.h"
#include "engine/store/sqlitemessagestore.h"

#include "tests/common/sandboxrun.h"

#include <QDateTime>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using Json = nlohmann::json;

namespace {

const QString kSystems = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo/systems/");
const QString kSecrets = QStringLiteral(SYNCLINE_SOURCE_DIR "/installer/sandbox-secrets.json");
constexpr int kCustomers = 23; // five pages of five, the last one short
constexpr qint64 kIntervalMs = 60'000;

} // namespace

class TestListPaging : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_sandbox;
    QString m_url;
    std::shared_ptr<const plugin::ConnectorRegistry> m_connectors;
    net::HttpClient m_http;
    std::atomic<bool> m_stop{false};
    int m_case = 0;

    int control(const QByteArray &method, const QString &path, const Json &body)
    {
        net::HttpRequest request;
        request.method = method;
        request.url = m_url + path;
        request.body = QByteArray::fromStdString(body.dump());
        request.headers = {{"Content-Type", "application/json"}};
        const net::HttpOutcome outcome = m_http.send(request).get();
        return outcome.response ? outcome.response->status : 0;
    }

    // The demo workspace's system, pointed at this test's sandbox, with its real credentials.
    Result<SystemTarget> system(const QString &id)
    {
        Json document = syncline::tests::readJsonFile(kSystems + id + QStringLiteral(".system.json"));
        for (const char *key : {"baseUrl"}) {
            QString url = QString::fromStdString(document.value(key, std::string()));
            url.replace(QStringLiteral("http://127.0.0.1:8790"), m_url);
            document[key] = url.toStdString();
        }
        if (document.contains("auth") && document["auth"].contains("tokenUrl")) {
            QString url = QString::fromStdString(document["auth"]["tokenUrl"].get<std::string>());
            url.replace(QStringLiteral("http://127.0.0.1:8790"), m_url);
            document["auth"]["tokenUrl"] = url.toStdString();
        }
        const Json secrets = syncline::tests::readJsonFile(kSecrets);
        return SystemTarget::fromDocument(document, [secrets](const QString &reference) {
            const std::string key = reference.toStdString();
            return secrets.contains(key)
                       ? std::optional<QByteArray>(QByteArray::fromStdString(secrets[key].get<std::string>()))
                       : std::nullopt;
        });
    }

    struct Round
    {
        QStringList ids;      // the items the round handed on
        TriggerStatus status; // after the round
    };

    // Runs `rounds` rounds of a poll of `settings` on a store of its own.
    QList<Round> poll(const QString &systemId, const Json &settings, int rounds)
    {
        auto opened = store::SqliteMessageStore::open(
            m_dir.filePath(QStringLiteral("engine-%1.db").arg(++m_case)));
        if (!opened) {
            qWarning("%s", qPrintable(opened.error().message));
            return {};
        }
        std::unique_ptr<store::SqliteMessageStore> store = std::move(*opened);
        Result<PollSettings> parsed = PollSettings::fromJson(settings);
        Result<SystemTarget> target = system(systemId);
        if (!parsed || !target) {
            qWarning("%s", qPrintable(!parsed ? parsed.error().message : target.error().message));
            return {};
        }
        if (Result<void> bound = parsed->bindConnector(m_connectors.get(), *target); !bound) {
            qWarning("%s", qPrintable(bound.error().message));
            return {};
        }
        qint64 now = QDateTime::currentMSecsSinceEpoch();
        TriggerContext context;
        context.store = store.get();
        context.clockMs = [&now] { return now; };
        PollTrigger trigger(TriggerTarget{QStringLiteral("listing"), 1, QStringLiteral("fetch"),
                                          {QStringLiteral("next")}},
                            std::move(*parsed), std::move(*target), RetryPolicy{}, m_http, context);
        QList<Round> done;
        for (int round = 0; round < rounds; ++round) {
            trigger.run(now, m_stop);
            Round result;
            result.status = trigger.status();
            // Claimed items stay leased, so the next round's claim sees only new ones.
            Result<QList<store::WorkItem>> items = store->claim(QStringLiteral("listing"), 1,
                                                                QStringLiteral("next"), 10'000, 60'000);
            for (const store::WorkItem &item : items ? *items : QList<store::WorkItem>()) {
                const QByteArray &p = item.message.payload;
                const Json value = Json::parse(p.constData(), p.constData() + p.size(), nullptr, false);
                const std::string idPointer = settings.value("itemId", std::string("/id"));
                const Json &id = value.at(Json::json_pointer(idPointer));
                result.ids.append(QString::fromStdString(id.is_string() ? id.get<std::string>() : id.dump()));
            }
            done.append(result);
            now += kIntervalMs;
        }
        return done;
    }

private slots:
    void initTestCase()
    {
        m_url = syncline::tests::startSandbox(m_sandbox, m_dir.filePath(QStringLiteral("sandbox.sqlite")));
        QVERIFY(!m_url.isEmpty());
        QCOMPARE(control("PUT", QStringLiteral("/_sandbox/faults"), {{"rules", Json::array()}, {"rateLimits", Json::object()}}),
                 200);
        // The traffic generator makes consistent customers in every system at its start.
        QCOMPARE(control("POST", QStringLiteral("/_sandbox/traffic/start"),
                         {{"ratePerSecond", 0.001}, {"maxEvents", 1}, {"customers", kCustomers},
                          {"mix", {{"ticketCreated", 1}}}}),
                 202);
        QCOMPARE(control("POST", QStringLiteral("/_sandbox/traffic/stop"), Json::object()), 200);
        m_connectors = plugin::ConnectorRegistry::load({QStringLiteral(SYNCLINE_PLUGIN_DIR)});
        QVERIFY(m_connectors->forFamily(QStringLiteral("billing")));
    }

    void cleanupTestCase()
    {
        m_sandbox.terminate();
        m_sandbox.waitForFinished(10'000);
    }

    void everyPageOnceInTheVendorsWay_data()
    {
        QTest::addColumn<QString>("system");
        QTest::addColumn<QByteArray>("settings");
        QTest::newRow("billing: starting_after the last id")
            << QStringLiteral("billing") << QByteArray(R"({"object": "customer", "pageSize": 5})");
        QTest::newRow("support: after_cursor")
            << QStringLiteral("support") << QByteArray(R"({"object": "organization", "pageSize": 5})");
        QTest::newRow("erp: offset")
            << QStringLiteral("erp")
            << QByteArray(R"({"object": "customer", "pageSize": 5, "itemId": "/InternalId"})");
        QTest::newRow("crm: nextRecordsUrl")
            << QStringLiteral("crm")
            << QByteArray(R"({"object": "account", "itemId": "/Id", "headers": {"Sforce-Query-Options": "batchSize=5"}})");
    }

    void everyPageOnceInTheVendorsWay()
    {
        QFETCH(QString, system);
        QFETCH(QByteArray, settings);
        Json poll = Json::parse(settings.toStdString());
        poll["system"] = system.toStdString();
        const QList<Round> rounds = this->poll(system, poll, 2);
        QCOMPARE(rounds.size(), 2);
        const Round &first = rounds[0];
        QVERIFY2(!first.status.failing(), qPrintable(first.status.lastError));
        const QSet<QString> distinct(first.ids.cbegin(), first.ids.cend());
        QCOMPARE(first.ids.size(), kCustomers);
        QCOMPARE(distinct.size(), kCustomers);
        // The next round starts where the first ended: nothing comes twice.
        QVERIFY2(!rounds[1].status.failing(), qPrintable(rounds[1].status.lastError));
        QVERIFY2(rounds[1].ids.isEmpty(), qPrintable(rounds[1].ids.join(u',')));
    }

    // The next page, or where to resume after the last, read from answers as the vendors give them.
    void theNextCursorIsReadTheVendorsWay_data()
    {
        QTest::addColumn<QString>("connector");
        QTest::addColumn<QString>("object");
        QTest::addColumn<QString>("cursor");
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("next");
        QTest::addColumn<bool>("more");
        QTest::newRow("stripe: more after the last id")
            << "billing" << "customer" << "" << QByteArray(R"({"data":[{"id":"cus_1"},{"id":"cus_2"}],"has_more":true})")
            << "cus_2" << true;
        QTest::newRow("stripe: the last page is read again next round")
            << "billing" << "customer" << "cus_2" << QByteArray(R"({"data":[{"id":"cus_3"}],"has_more":false})")
            << "cus_2" << false;
        QTest::newRow("zendesk: the same cursor again ends the listing")
            << "support" << "organization" << "c9"
            << QByteArray(R"({"organizations":[{"id":1}],"meta":{"has_more":true,"after_cursor":"c9"}})") << "c9" << false;
        QTest::newRow("zendesk: the last cursor is the sync token")
            << "support" << "organization" << "c8"
            << QByteArray(R"({"organizations":[{"id":1}],"meta":{"has_more":false,"after_cursor":"c9"}})") << "c9" << false;
        QTest::newRow("netsuite: the offset moves by the items read")
            << "erp" << "customer" << "10" << QByteArray(R"({"items":[{"InternalId":1},{"InternalId":2}],"hasMore":true})")
            << "12" << true;
        QTest::newRow("netsuite: an empty page ends, whatever hasMore says")
            << "erp" << "customer" << "12" << QByteArray(R"({"items":[],"hasMore":true})") << "12" << false;
        QTest::newRow("salesforce: the next URL")
            << "crm" << "account" << ""
            << QByteArray(R"({"records":[{"Id":"001"}],"done":false,"nextRecordsUrl":"/crm/services/data/v59.0/query/01g-5"})")
            << "/crm/services/data/v59.0/query/01g-5" << true;
        QTest::newRow("salesforce: done lists from the start next round")
            << "crm" << "account" << "/crm/services/data/v59.0/query/01g-5"
            << QByteArray(R"({"records":[{"Id":"001"}],"done":true})") << "" << false;
    }

    void theNextCursorIsReadTheVendorsWay()
    {
        QFETCH(QString, connector);
        QFETCH(QString, object);
        QFETCH(QString, cursor);
        QFETCH(QByteArray, answer);
        QFETCH(QString, next);
        QFETCH(bool, more);
        const plugin::OperationSpec *list = m_connectors->forFamily(connector)->description.object(object)->operation(
            QStringLiteral("list"));
        QVERIFY(list);
        const json::IntakeResult body = json::JsonIntake::parse(answer);
        QVERIFY(body.ok());
        const ListPaging::Next found = ListPaging(list->pagination, 0).next(body.value(), cursor);
        QCOMPARE(found.cursor, next);
        QCOMPARE(found.more, more);
    }

    void pageUrlsCarryTheSizeAndTheCursor()
    {
        const auto list = [this](const char *family, const char *object) {
            return m_connectors->forFamily(QLatin1String(family))->description.object(QLatin1String(object))->operation(
                QStringLiteral("list"))->pagination;
        };
        const QString base = QStringLiteral("http://127.0.0.1:8790/billing");
        QCOMPARE(ListPaging(list("billing", "customer"), 5).pageUrl(base, QStringLiteral("/v1/customers"), QStringLiteral("cus_2")),
                 base + QStringLiteral("/v1/customers?limit=5&starting_after=cus_2"));
        QCOMPARE(ListPaging(list("erp", "customer"), 0).pageUrl(base, QStringLiteral("/api/v1/customers?ExternalReference=A"), QString()),
                 base + QStringLiteral("/api/v1/customers?ExternalReference=A"));
        // A next URL is a path from the host's root, whatever the base path.
        QCOMPARE(ListPaging(list("crm", "account"), 0).pageUrl(QStringLiteral("http://127.0.0.1:8790/crm"), QStringLiteral("/q"),
                                                            QStringLiteral("/crm/services/data/v59.0/query/01g-5")),
                 QStringLiteral("http://127.0.0.1:8790/crm/services/data/v59.0/query/01g-5"));
    }

    void aQueryNarrowsTheList()
    {
        // The node's path is a query added to the connector's list path.
        const QList<Round> rounds = poll(QStringLiteral("erp"),
                                         {{"system", "erp"}, {"object", "customer"}, {"pageSize", 5},
                                          {"itemId", "/CustomerNumber"}, {"path", "?ExternalReference=ACC-000003"}},
                                         1);
        QCOMPARE(rounds.size(), 1);
        QVERIFY2(!rounds[0].status.failing(), qPrintable(rounds[0].status.lastError));
        QCOMPARE(rounds[0].ids, QStringList{QStringLiteral("C-00003")});
    }

    void whatCannotBeListedIsRefused()
    {
        Result<SystemTarget> billing = system(QStringLiteral("billing"));
        QVERIFY(billing);
        Result<PollSettings> notListable = PollSettings::fromJson(
            {{"system", "billing"}, {"object", "creditNote"}});
        QVERIFY(notListable);
        Result<void> bound = notListable->bindConnector(m_connectors.get(), *billing);
        QVERIFY(!bound);
        QCOMPARE(bound.error().code, QStringLiteral("FLOW_CANNOT_RUN"));
        QVERIFY(bound.error().message.contains(QStringLiteral("cannot list a creditNote")));

        Result<PollSettings> noConnector = PollSettings::fromJson({{"system", "billing"}, {"object", "customer"}});
        QVERIFY(noConnector);
        QVERIFY(!noConnector->bindConnector(nullptr, *billing));

        // The connector says how pages follow: the node's own paging settings would contradict it.
        QVERIFY(!PollSettings::fromJson({{"system", "billing"}, {"object", "customer"},
                                         {"nextCursor", "/next"}, {"cursorParam", "after"}}));
        QVERIFY(!PollSettings::fromJson({{"system", "billing"}, {"object", "customer"}, {"operation", "create"}}));
        QVERIFY(!PollSettings::fromJson({{"system", "billing"}}));
    }
};

QTEST_GUILESS_MAIN(TestListPaging)
#include "tst_listpaging.moc"
