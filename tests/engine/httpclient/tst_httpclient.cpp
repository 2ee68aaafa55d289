#include "engine/net/httpclient.h"

#include "engine/net/httpserver.h"
#include "tests/common/rawhttpserver.h"

#include <QTest>

#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace syncline::engine;
using namespace syncline::engine::net;

namespace {

// Behaves by path:
//   /echo     200 with "METHOD|idempotency-key|body"
//   /hang     reads the request, never answers (until the test ends)
//   /reset    reads the request, then resets the connection without answering
//   /big      200 with a 2 MiB body
//   /redirect 302 to /echo
syncline::tests::RawReply byPath(const syncline::tests::RawRequest &request)
{
    using syncline::tests::RawReply;
    if (request.path == "/hang") {
        return RawReply::hang();
    }
    if (request.path == "/reset") {
        return RawReply::reset();
    }
    if (request.path == "/big") {
        return RawReply::answer("200 OK", QByteArray(2 * 1024 * 1024, 'x'));
    }
    if (request.path == "/redirect") {
        return RawReply::answer("302 Found", {}, "Location: /echo\r\n");
    }
    return RawReply::answer("200 OK",
                            request.method + '|' + request.header("idempotency-key") + '|'
                                + request.body,
                            "X-Erp-Document: AR-1001\r\n");
}

class LoopbackServer : public syncline::tests::RawHttpServer
{
public:
    LoopbackServer()
        : RawHttpServer(byPath)
    {}
};

HttpRequest post(const QString &url)
{
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "k-1"}};
    request.body = R"({"invoice":"INV-1"})";
    return request;
}

} // namespace

class TestHttpClient : public QObject
{
    Q_OBJECT

private slots:
    void postsBodyAndHeaders()
    {
        LoopbackServer server;
        HttpClient client;
        HttpOutcome outcome = client.send(post(server.url("/echo"))).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->status, 200);
        QCOMPARE(outcome.response->body, QByteArray(R"(POST|k-1|{"invoice":"INV-1"})"));
        QCOMPARE(outcome.response->header("x-erp-document"), QByteArray("AR-1001"));
        QCOMPARE(outcome.response->header("X-ERP-Document"), QByteArray("AR-1001"));
        QVERIFY(outcome.requestSent);
    }

    void manyCallsInFlightAtOnce()
    {
        LoopbackServer server;
        HttpClient client;
        std::vector<std::future<HttpOutcome>> futures;
        for (int i = 0; i < 50; ++i) {
            HttpRequest request = post(server.url("/echo"));
            request.body = QByteArray::number(i);
            futures.push_back(client.send(request));
        }
        for (int i = 0; i < 50; ++i) {
            HttpOutcome outcome = futures[size_t(i)].get();
            QVERIFY(outcome.response.ok());
            QCOMPARE(outcome.response->body, "POST|k-1|" + QByteArray::number(i));
        }
        QCOMPARE(server.requests(), 50);
        QCOMPARE(client.pending(), 0);
    }

    void refusedConnectionWasNotSent()
    {
        quint16 closedPort = 0;
        {
            LoopbackServer server; // take a free port, then free it again
            closedPort = quint16(server.url("").section(u':', 2).toInt());
        }
        HttpClient client;
        HttpOutcome outcome = client.send(post(QStringLiteral("http://127.0.0.1:%1/echo")
                                                   .arg(closedPort)))
                                  .get();
        QVERIFY(!outcome.response.ok());
        QCOMPARE(outcome.response.error().code, QString::fromLatin1(kHttpConnect));
        QVERIFY(outcome.response.error().retryable);
        QVERIFY(!outcome.requestSent); // safe to retry: nothing reached the target
    }

    void hangingTargetTimesOutAfterTheRequestWasSent()
    {
        LoopbackServer server;
        HttpClient client;
        HttpRequest request = post(server.url("/hang"));
        request.totalTimeoutMs = 300;
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(!outcome.response.ok());
        QCOMPARE(outcome.response.error().code, QString::fromLatin1(kHttpTimeout));
        QVERIFY(outcome.requestSent); // ambiguous: the target may have acted on it
    }

    void resetAfterTakingTheRequestIsAmbiguous()
    {
        LoopbackServer server;
        HttpClient client;
        HttpOutcome outcome = client.send(post(server.url("/reset"))).get();
        QVERIFY(!outcome.response.ok());
        QCOMPARE(outcome.response.error().code, QString::fromLatin1(kHttpReset));
        QVERIFY(outcome.requestSent);
        QCOMPARE(server.requests(), 1);
    }

    // A kept-alive connection that closes without an answer after the target took the request
    // (accept-then-reset): on a fresh connection the client reports it and sends nothing again.
    void aFreshConnectionIsNeverResentByTheClient_data()
    {
        QTest::addColumn<bool>("fresh");
        QTest::newRow("reused connection") << false;
        QTest::newRow("fresh connection") << true;
    }
    void aFreshConnectionIsNeverResentByTheClient()
    {
        QFETCH(bool, fresh);
        std::atomic<int> posts{0};
        syncline::engine::net::HttpServer server;
        QVERIFY(server.listen({}, [&posts](syncline::engine::net::ServerRequest request,
                                           syncline::engine::net::Responder respond) {
                          if (request.method != "POST") {
                              respond(syncline::engine::net::ServerResponse::json(200, "{}"));
                              return;
                          }
                          ++posts; // taken and acted on, then the connection drops
                          syncline::engine::net::ServerResponse dropped;
                          dropped.dropConnection = true;
                          respond(dropped);
                      })
                    .ok());
        HttpClient client;
        const QString url = QStringLiteral("http://127.0.0.1:%1/invoices").arg(server.port());
        HttpRequest warm;
        warm.url = url;
        QVERIFY(client.send(warm).get().response.ok()); // leaves a connection to reuse
        HttpRequest request = post(url);
        request.freshConnection = fresh;
        const HttpOutcome outcome = client.send(request).get();
        QVERIFY(!outcome.response.ok());
        QVERIFY(outcome.requestSent);
        if (fresh) {
            QCOMPARE(posts.load(), 1);
        } else {
            qInfo("on a reused connection the target got the POST %d times", posts.load());
        }
        server.stop();
    }

    void oversizedResponseIsRefused()
    {
        LoopbackServer server;
        HttpClient client;
        HttpRequest request;
        request.url = server.url("/big");
        request.maxResponseBytes = 1024 * 1024;
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(!outcome.response.ok());
        QCOMPARE(outcome.response.error().code, QString::fromLatin1(kHttpTooLarge));
        QVERIFY(outcome.response.error().message.contains(QStringLiteral("1048576")));
    }

    void redirectsAreNotFollowedByDefault()
    {
        LoopbackServer server;
        HttpClient client;
        HttpRequest request;
        request.url = server.url("/redirect");
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->status, 302);
        QCOMPARE(server.requests(), 1);

        request.followRedirects = true;
        outcome = client.send(request).get();
        QCOMPARE(outcome.response->status, 200);
        QVERIFY(outcome.response->body.startsWith("GET|"));
    }

    // Each call after the first runs on a handle an earlier call used: none of the earlier
    // call's method, body, headers or redirect setting may carry over.
    void aCallTakesNothingFromTheCallBefore()
    {
        LoopbackServer server;
        HttpClient client;
        HttpOutcome outcome = client.send(post(server.url("/echo"))).get();
        QCOMPARE(outcome.response->body, QByteArray(R"(POST|k-1|{"invoice":"INV-1"})"));

        HttpRequest get;
        get.url = server.url("/echo");
        outcome = client.send(get).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->body, QByteArray("GET||"));

        HttpRequest following;
        following.url = server.url("/redirect");
        following.followRedirects = true;
        QCOMPARE(client.send(following).get().response->status, 200);
        HttpRequest notFollowing;
        notFollowing.url = server.url("/redirect");
        QCOMPARE(client.send(notFollowing).get().response->status, 302);

        HttpRequest head;
        head.method = "HEAD";
        head.url = server.url("/echo");
        outcome = client.send(head).get();
        QVERIFY(outcome.response.ok());
        QVERIFY(outcome.response->body.isEmpty());
        outcome = client.send(post(server.url("/echo"))).get();
        QCOMPARE(outcome.response->body, QByteArray(R"(POST|k-1|{"invoice":"INV-1"})"));
    }

    // Kept-alive connections the target closed while they sat idle: the next calls open new
    // ones and succeed.
    void connectionsTheTargetClosedWhileIdleAreReplaced()
    {
        const auto answer = [](syncline::engine::net::ServerRequest request,
                               syncline::engine::net::Responder respond) {
            respond(syncline::engine::net::ServerResponse::json(200, request.body));
        };
        auto first = std::make_unique<syncline::engine::net::HttpServer>();
        QVERIFY(first->listen({}, answer).ok());
        const quint16 port = first->port();
        const QString url = QStringLiteral("http://127.0.0.1:%1/invoices").arg(port);
        HttpClient client;
        std::vector<std::future<HttpOutcome>> futures;
        for (int i = 0; i < 8; ++i) {
            futures.push_back(client.send(post(url)));
        }
        for (std::future<HttpOutcome> &future : futures) {
            QVERIFY(future.get().response.ok());
        }
        first.reset(); // closes every connection the client keeps
        syncline::engine::net::HttpServer second;
        syncline::engine::net::HttpServerOptions options;
        options.port = port;
        QVERIFY(second.listen(options, answer).ok());
        futures.clear();
        for (int i = 0; i < 8; ++i) {
            futures.push_back(client.send(post(url)));
        }
        for (std::future<HttpOutcome> &future : futures) {
            const HttpOutcome outcome = future.get();
            QVERIFY(outcome.response.ok());
            QCOMPARE(outcome.response->body, QByteArray(R"({"invoice":"INV-1"})"));
        }
        second.stop();
    }

    void destroyingTheClientEndsCallsInFlight()
    {
        LoopbackServer server;
        std::future<HttpOutcome> hanging;
        {
            HttpClient client;
            HttpRequest request = post(server.url("/hang"));
            request.totalTimeoutMs = 60'000;
            hanging = client.send(request);
            QTRY_COMPARE(server.requests(), 1); // the target has the request
        }
        QCOMPARE(hanging.wait_for(std::chrono::seconds(0)), std::future_status::ready);
        const HttpOutcome outcome = hanging.get();
        QVERIFY(!outcome.response.ok());
        QCOMPARE(outcome.response.error().code, QString::fromLatin1(kHttpReset));
        QVERIFY(outcome.requestSent);
    }

    void everyCallerHearsOnceOnTheClientsThread()
    {
        // The callback form the HTTP node uses for a wave of calls: answered calls and calls the
        // client's end cancels are each reported exactly once, off the caller's thread.
        LoopbackServer server;
        std::mutex mutex;
        std::map<int, std::vector<HttpOutcome>> heard;
        std::set<std::thread::id> threads;
        {
            HttpClient client;
            for (int i = 0; i < 12; ++i) {
                HttpRequest request = post(server.url(i % 3 == 2 ? "/hang" : "/echo"));
                request.body = QByteArray::number(i);
                request.totalTimeoutMs = 60'000;
                client.send(request, [&, i](HttpOutcome outcome) {
                    std::lock_guard lock(mutex);
                    heard[i].push_back(std::move(outcome));
                    threads.insert(std::this_thread::get_id());
                });
            }
            QTRY_COMPARE(server.requests(), 12);
            QTRY_VERIFY([&] {
                std::lock_guard lock(mutex);
                return heard.size() == 8; // the answered ones; the hanging four still wait
            }());
        }
        QCOMPARE(heard.size(), size_t(12));
        for (const auto &[i, outcomes] : heard) {
            QCOMPARE(outcomes.size(), size_t(1));
            if (i % 3 == 2) {
                QCOMPARE(outcomes[0].response.error().code, QString::fromLatin1(kHttpReset));
                QVERIFY(outcomes[0].requestSent);
            } else {
                QCOMPARE(outcomes[0].response->body, "POST|k-1|" + QByteArray::number(i));
            }
        }
        QCOMPARE(threads.size(), size_t(1));
        QVERIFY(!threads.contains(std::this_thread::get_id()));
    }

    void onlyHttpAndHttpsAreAllowed()
    {
        HttpClient client;
        HttpRequest request;
        request.url = QStringLiteral("file:///etc/passwd");
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(!outcome.response.ok());
        QCOMPARE(outcome.response.error().code, QString::fromLatin1(kHttpInvalid));
    }
};

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
