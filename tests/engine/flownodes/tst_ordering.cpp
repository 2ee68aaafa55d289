#include "harness.h"

#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/httpnode.h"
#include "engine/runtime/orderingkey.h"
#include "engine/store/orderingjobs.h"
#include "engine/store/sqliteexceptionstore.h"

#include <QHash>

#include <mutex>
#include <thread>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using flownodes::Harness;
using flownodes::Sink;

namespace {

QString str(const char *latin1)
{
    return QString::fromLatin1(latin1);
}

/// A billing system as the amendment flow meets it: GET a subscription's items, POST the items
/// it should have. An amendment reads, then writes what it read plus its own product — so two
/// amendments of one subscription that interleave lose one of the products. Every request is
/// logged as "GET <amendment>" / "POST <amendment>" per subscription. GETs can be held (not
/// answered) until the test lets them go, to see what runs at the same time.
class Billing
{
public:
    Billing()
    {
        const bool listening =
            m_server.listen({}, [this](net::ServerRequest request, net::Responder respond) {
                        handle(std::move(request), std::move(respond));
                    })
                .ok();
        if (!listening) {
            qFatal("the billing test server does not listen");
        }
    }

    quint16 port() const { return m_server.port(); }
    void holdReads(bool hold) { m_holdReads = hold; }
    void failWrites(int status) { m_writeStatus = status; }

    /// Answers every GET held so far; later ones are answered at once.
    void releaseReads()
    {
        QList<std::pair<QByteArray, net::Responder>> held;
        {
            std::lock_guard lock(m_mutex);
            m_holdReads = false;
            held.swap(m_held);
        }
        for (auto &[subscription, respond] : held) {
            respond(net::ServerResponse::json(200, items(subscription)));
        }
    }
    QStringList heldReads() const
    {
        std::lock_guard lock(m_mutex);
        QStringList amendments;
        for (const auto &[subscription, respond] : m_held) {
            Q_UNUSED(respond);
            amendments.append(QString::fromLatin1(subscription));
        }
        return amendments;
    }
    QStringList log(const char *subscription) const
    {
        std::lock_guard lock(m_mutex);
        return m_log.value(QByteArray(subscription));
    }
    QStringList products(const char *subscription) const
    {
        std::lock_guard lock(m_mutex);
        return m_items.value(QByteArray(subscription));
    }

private:
    QByteArray items(const QByteArray &subscription) const
    {
        nlohmann::json list = nlohmann::json::array();
        for (const QString &product : m_items.value(subscription)) {
            list.push_back(product.toStdString());
        }
        return QByteArray::fromStdString(nlohmann::json{{"items", list}}.dump());
    }

    void handle(net::ServerRequest request, net::Responder respond)
    {
        const QByteArray subscription = request.path.mid(request.path.lastIndexOf('/') + 1);
        std::unique_lock lock(m_mutex);
        if (request.method == "GET") {
            const QByteArray amendment = request.queryValue("amendment");
            m_log[subscription].append(QStringLiteral("GET ") + QString::fromLatin1(amendment));
            if (m_holdReads) {
                m_held.append({subscription, std::move(respond)});
                return;
            }
            const QByteArray body = items(subscription);
            lock.unlock();
            respond(net::ServerResponse::json(200, body));
            return;
        }
        const nlohmann::json body = nlohmann::json::parse(request.body.toStdString());
        const QString amendment = QString::fromStdString(body.at("amendment").get<std::string>());
        m_log[subscription].append(QStringLiteral("POST ") + amendment);
        if (m_writeStatus != 200) {
            lock.unlock();
            respond(net::ServerResponse::json(m_writeStatus, R"({"error":"refused"})"));
            return;
        }
        QStringList products;
        for (const nlohmann::json &item : body.at("current").at("items")) {
            products.append(QString::fromStdString(item.get<std::string>()));
        }
        products.append(QString::fromStdString(body.at("add").get<std::string>()));
        m_items[subscription] = products;
        lock.unlock();
        respond(net::ServerResponse::json(200, R"({"ok":true})"));
    }

    mutable std::mutex m_mutex;
    bool m_holdReads = false;
    int m_writeStatus = 200;
    QList<std::pair<QByteArray, net::Responder>> m_held;
    QHash<QByteArray, QStringList> m_log;
    QHash<QByteArray, QStringList> m_items;
    net::HttpServer m_server;
};

/// in (webhook, ordered by /subscription) → read (GET) → write (POST) → sink.
const nlohmann::json kFlow = {
    {"id", "amendments"},
    {"name", "Amendments"},
    {"nodes",
     {{{"id", "in"}, {"type", "webhook"}, {"settings", {{"orderingKey", "/subscription"}}}},
      {{"id", "read"},
       {"type", "http"},
       {"settings",
        {{"system", "billing"}, {"method", "GET"},
         {"path", "/subscriptions/{/subscription}?amendment={/amendment}"},
         {"externalIds", {{"items", "/items"}}}, {"into", "current"}}}},
      {{"id", "write"},
       {"type", "http"},
       {"settings", {{"system", "billing"}, {"method", "POST"},
                     {"path", "/subscriptions/{/subscription}"}, {"businessKey", "/amendment"}}}},
      {{"id", "sink"}, {"type", "map"}}}},
    {"edges",
     {{{"from", "in"}, {"to", "read"}},
      {{"from", "read"}, {"to", "write"}},
      {{"from", "write"}, {"to", "sink"}}}}};

/// The amendment flow's runners against `billing`.
class AmendmentFlow
{
public:
    AmendmentFlow(Harness &h, Billing &billing)
        : m_h(h)
        , m_plan(h.plan(kFlow))
        , m_target(*SystemTarget::fromDocument(
              {{"id", "billing"},
               {"baseUrl", QStringLiteral("http://127.0.0.1:%1").arg(billing.port()).toStdString()},
               {"auth", {{"type", "none"}}}},
              {}))
    {}
    ~AmendmentFlow() { m_h.stop(); } // its runners use the client below

    void start()
    {
        QHash<QString, std::shared_ptr<NodeRunner>> runners{{str("sink"), sink}};
        for (const char *id : {"read", "write"}) {
            const PlannedNode &node = *m_plan->node(str(id));
            runners.insert(str(id), std::make_shared<HttpNode>(
                                        node, *HttpNodeSettings::fromJson(node.settings), m_target,
                                        m_h.store(), m_client, m_h.clock()));
        }
        m_h.start(m_plan, runners);
    }

    /// An amendment arriving as the webhook takes it: its ordering key is the subscription.
    QString arrive(const char *subscription, const char *amendment, const char *product)
    {
        const nlohmann::json payload = {
            {"subscription", subscription}, {"amendment", amendment}, {"add", product}};
        const QString pointer = orderingKeyPointer(m_plan->node(str("in"))->settings);
        const QString key = orderingKeyOf(QByteArray::fromStdString(payload.dump()), pointer);
        return m_h.ingest(QByteArray::fromStdString(payload.dump()), {}, str("read"), key);
    }

    std::shared_ptr<Sink> sink = std::make_shared<Sink>();

private:
    Harness &m_h;
    std::shared_ptr<const FlowPlan> m_plan;
    SystemTarget m_target;
    net::HttpClient m_client;
};

} // namespace

class TestOrdering : public QObject
{
    Q_OBJECT

private slots:
    void oneKeyRunsInArrivalOrderOtherKeysOverlap()
    {
        Billing billing;
        billing.holdReads(true);
        Harness h;
        AmendmentFlow flow(h, billing);
        flow.start();
        flow.arrive("sub_1", "A1", "gold");
        const QString second = flow.arrive("sub_1", "A2", "seats");
        flow.arrive("sub_2", "B1", "support");

        // The first amendment of each subscription is read at the same time: other keys overlap.
        QTRY_COMPARE(billing.heldReads().size(), 2);
        QStringList reading = billing.heldReads();
        reading.sort();
        QCOMPARE(reading, (QStringList{str("sub_1"), str("sub_2")}));
        // The second of sub_1 waits for its turn in the store, not merely in this run.
        const auto waiting = h.rows("SELECT available_at FROM work_items WHERE message_id = ?",
                                    second);
        QCOMPARE(waiting.size(), 1);
        QCOMPARE(waiting[0][0], QString::number(store::kHeldUntil));

        billing.releaseReads();
        QTRY_COMPARE(flow.sink->count(), 3);
        // Read-then-write of A1 completed before A2 read: nothing A1 wrote was overwritten.
        QCOMPARE(billing.log("sub_1"),
                 (QStringList{str("GET A1"), str("POST A1"), str("GET A2"), str("POST A2")}));
        QCOMPARE(billing.products("sub_1"), (QStringList{str("gold"), str("seats")}));
        QCOMPARE(billing.products("sub_2"), QStringList{str("support")});
        // The sink ran; its step commit, which ends the last turn, lands right after.
        QTRY_COMPARE(h.rows("SELECT count(*) FROM order_turns")[0][0], str("0"));
    }

    void aParkedMessageLetsTheNextGoAndItsReplayQueuesBehind()
    {
        Billing billing;
        billing.failWrites(422); // a business failure: parked at once, never retried
        billing.holdReads(true);
        Harness h;
        AmendmentFlow flow(h, billing);
        flow.start();
        flow.arrive("sub_1", "A1", "gold");
        QTRY_COMPARE(billing.heldReads().size(), 1);
        billing.releaseReads();
        QTRY_COMPARE(h.parked(), 1);

        // The exception queue owns A1 now: A2 of the same subscription is not stuck behind it.
        billing.failWrites(200);
        billing.holdReads(true);
        flow.arrive("sub_1", "A2", "seats");
        QTRY_COMPARE(billing.heldReads().size(), 1);

        // A1 replayed while A2 is under way joins the back of the line: it does not cut in.
        store::SqliteExceptionStore exceptions(h.store());
        const auto id = h.rows("SELECT id FROM exceptions");
        QCOMPARE(id.size(), 1);
        QVERIFY(exceptions.replay(id[0][0].toLongLong(), {str("ops"), str("admin")},
                                  str("billing fixed"))
                    .ok());
        const auto replayed = h.rows("SELECT available_at FROM work_items WHERE node_id = 'write'");
        QCOMPARE(replayed.size(), 1);
        QCOMPARE(replayed[0][0], QString::number(store::kHeldUntil));

        billing.releaseReads();
        QTRY_COMPARE(flow.sink->count(), 2);
        QCOMPARE(billing.log("sub_1"), (QStringList{str("GET A1"), str("POST A1"), str("GET A2"),
                                                    str("POST A2"), str("POST A1")}));
        QCOMPARE(h.parked(), 0);
        // The sink ran; its step commit, which ends the last turn, lands right after.
        QTRY_COMPARE(h.rows("SELECT count(*) FROM order_turns")[0][0], str("0"));
    }

    void theTurnsSurviveARestart()
    {
        Billing billing;
        billing.holdReads(true);
        Harness h;
        QString second;
        {
            AmendmentFlow flow(h, billing);
            flow.start();
            flow.arrive("sub_1", "A1", "gold");
            second = flow.arrive("sub_1", "A2", "seats");
            QTRY_COMPARE(billing.heldReads().size(), 1);
            // The engine stops while A1's read is in flight; the read is answered too late.
            std::thread late([&billing] { billing.releaseReads(); });
            h.restart();
            late.join();
        }
        // Reopened, the store still holds A2 back behind A1.
        const auto waiting = h.rows("SELECT available_at FROM work_items WHERE message_id = ?",
                                    second);
        QCOMPARE(waiting.size(), 1);
        QCOMPARE(waiting[0][0], QString::number(store::kHeldUntil));
        AmendmentFlow flow(h, billing);
        flow.start();
        QTRY_COMPARE(flow.sink->count(), 2);
        const QStringList log = billing.log("sub_1");
        QCOMPARE(log.mid(log.size() - 4),
                 (QStringList{str("GET A1"), str("POST A1"), str("GET A2"), str("POST A2")}));
        QCOMPARE(billing.products("sub_1"), (QStringList{str("gold"), str("seats")}));
    }

    void aFlowWithoutAnOrderingKeyIsNotOrdered()
    {
        QVERIFY(!Harness().plan(flownodes::singleNodeFlow("plain", "map", nlohmann::json::object()))->ordered);
        Harness h;
        QVERIFY(h.plan(kFlow)->ordered);
        QCOMPARE(orderingKeyOf(QByteArray(R"({"subscription":42})"), str("/subscription")),
                 str("42"));
        QCOMPARE(orderingKeyOf(QByteArray(R"({"other":1})"), str("/subscription")), QString());
    }
};

QTEST_GUILESS_MAIN(TestOrdering)
#include "tst_ordering.moc"
