#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

using namespace syncline::engine;
using namespace syncline::engine::net;

namespace {

// A client socket that sends exactly what a test says, when it says.
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    }
    ~RawClient() { ::close(m_fd); }

    bool connected() const { return m_connected; }
    void send(const QByteArray &data) { (void) !::write(m_fd, data.constData(), size_t(data.size())); }

    // Reads until the peer closes or `timeoutMs` passes.
    QByteArray readAll(int timeoutMs)
    {
        QByteArray data;
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, int(deadline.remainingTime())) <= 0) {
                break;
            }
            char buffer[4096];
            const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            if (n <= 0) {
                m_closed = true;
                break;
            }
            data.append(buffer, n);
            if (data.contains("\r\n\r\n") && data.contains("Connection: close")) {
                continue;
            }
        }
        return data;
    }
    bool closedByPeer() const { return m_closed; }

    // Sends one byte (false once the server has closed) and waits up to `paceMs` for the server
    // to close the connection: a client trickling its request.
    bool trickle(char byte, int paceMs)
    {
        if (::send(m_fd, &byte, 1, MSG_NOSIGNAL) != 1) {
            return false;
        }
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, paceMs) > 0) {
            char buffer[4096];
            if (::recv(m_fd, buffer, sizeof buffer, 0) <= 0) {
                m_closed = true;
                return false;
            }
        }
        return true;
    }

private:
    int m_fd = -1;
    bool m_connected = false;
    bool m_closed = false;
};

HttpServerOptions smallServer()
{
    HttpServerOptions options;
    options.maxBodyBytes = 1024;
    options.idleTimeoutSeconds = 1;
    return options;
}

QString url(const HttpServer &server, const char *path)
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(server.port()).arg(QLatin1String(path));
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void answersWithWhatTheHandlerSaw()
    {
        HttpServer server;
        QVERIFY(server
                    .listen(smallServer(),
                            [](ServerRequest request, Responder respond) {
                                respond(ServerResponse::json(
                                    201, request.method + ' ' + request.path + ' '
                                             + request.queryValue("id") + ' '
                                             + request.header("X-Trace") + ' ' + request.body));
                            })
                    .ok());
        QVERIFY(server.port() > 0);
        HttpClient client;
        HttpRequest request;
        request.method = "POST";
        request.url = url(server, "/hooks/flow/trigger?id=a%20b");
        request.headers = {{"X-Trace", "t-1"}};
        request.body = "{\"x\":1}";
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->status, 201);
        QCOMPARE(outcome.response->body, QByteArray("POST /hooks/flow/trigger a b t-1 {\"x\":1}"));
        QCOMPARE(outcome.response->header("content-type"), QByteArray("application/json"));
    }

    void theServerThreadsYieldTheCpuWhenAsked()
    {
        // The engine runs its HTTP threads below the workers and the writer, so that a saturated
        // engine delivers what it accepted before it takes more.
        HttpServerOptions options = smallServer();
        options.threadNice = 5;
        HttpServer server;
        QVERIFY(server
                    .listen(options,
                            [](ServerRequest, Responder respond) {
                                errno = 0;
                                const int nice = getpriority(PRIO_PROCESS, id_t(gettid()));
                                respond(ServerResponse::json(200, QByteArray::number(nice)));
                            })
                    .ok());
        HttpClient client;
        HttpRequest request;
        request.url = url(server, "/nice");
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->body, QByteArray("5"));
        QCOMPARE(getpriority(PRIO_PROCESS, id_t(gettid())), 0); // the test's own thread: as it was
    }

    void aHandlerMayAnswerLaterFromAnotherThread()
    {
        HttpServer server;
        std::vector<std::thread> committers;
        std::mutex mutex;
        QVERIFY(server
                    .listen(smallServer(),
                            [&](ServerRequest request, Responder respond) {
                                std::lock_guard lock(mutex);
                                committers.emplace_back([respond, body = request.body] {
                                    std::this_thread::yield();
                                    respond(ServerResponse::json(202, body));
                                });
                            })
                    .ok());
        HttpClient client;
        std::vector<std::future<HttpOutcome>> futures;
        for (int i = 0; i < 20; ++i) {
            HttpRequest request;
            request.method = "POST";
            request.url = url(server, "/later");
            request.body = QByteArray::number(i);
            futures.push_back(client.send(request));
        }
        for (int i = 0; i < 20; ++i) {
            HttpOutcome outcome = futures[size_t(i)].get();
            QVERIFY(outcome.response.ok());
            QCOMPARE(outcome.response->status, 202);
            QCOMPARE(outcome.response->body, QByteArray::number(i));
        }
        for (std::thread &t : committers) {
            t.join();
        }
    }

    void anOversizedBodyIsRefusedBeforeItIsSent()
    {
        HttpServer server;
        std::atomic<int> handled{0};
        QVERIFY(server
                    .listen(smallServer(),
                            [&](ServerRequest, Responder respond) {
                                ++handled;
                                respond(ServerResponse::json(200, "{}"));
                            })
                    .ok());
        RawClient client(server.port());
        QVERIFY(client.connected());
        // Only the headers: the 413 must come without a byte of the body.
        client.send("POST /hooks/f/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 10485760\r\n\r\n");
        const QByteArray answer = client.readAll(3000);
        QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.constData());
        QVERIFY(answer.contains("application/problem+json"));
        QVERIFY(answer.contains("\"code\":\"SIZE_LIMIT\""));
        QVERIFY(answer.contains("at most 1024"));
        QCOMPARE(handled.load(), 0);
    }

    void aSlowClientHoldsNoWorker()
    {
        HttpServer server;
        QVERIFY(server
                    .listen(smallServer(),
                            [](ServerRequest, Responder respond) {
                                respond(ServerResponse::json(200, "ok"));
                            })
                    .ok());
        // Several clients open connections and send half a request line, then stall.
        std::vector<std::unique_ptr<RawClient>> slow;
        for (int i = 0; i < 8; ++i) {
            slow.push_back(std::make_unique<RawClient>(server.port()));
            slow.back()->send("POST /hooks/f/t HTTP/1.1\r\nHost: x\r\nContent-Le");
        }
        // With one event-loop thread, a normal request is still answered at once.
        HttpClient client;
        HttpRequest request;
        request.url = url(server, "/health");
        request.totalTimeoutMs = 2000;
        HttpOutcome outcome = client.send(request).get();
        QVERIFY(outcome.response.ok());
        QCOMPARE(outcome.response->status, 200);
        // And the stalled connections are closed once idle for longer than the timeout.
        slow.front()->readAll(4000);
        QVERIFY(slow.front()->closedByPeer());
    }

    void aTricklingClientIsCutOffAtTheRequestDeadline_data()
    {
        QTest::addColumn<QByteArray>("start");
        QTest::newRow("headers byte by byte") << QByteArray("POST /hooks/f/t HTTP/1.1\r\n");
        QTest::newRow("body byte by byte")
            << QByteArray("POST /hooks/f/t HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n");
    }

    void aTricklingClientIsCutOffAtTheRequestDeadline()
    {
        QFETCH(QByteArray, start);
        HttpServerOptions options = smallServer(); // idle timeout 1 s: a trickle never idles
        options.requestDeadlineMs = 1000;
        HttpServer server;
        QVERIFY(server
                    .listen(options,
                            [](ServerRequest, Responder respond) {
                                respond(ServerResponse::json(200, "ok"));
                            })
                    .ok());
        std::vector<std::unique_ptr<RawClient>> slow;
        for (int i = 0; i < 4; ++i) {
            slow.push_back(std::make_unique<RawClient>(server.port()));
            QVERIFY(slow.back()->connected());
            slow.back()->send(start);
        }
        QElapsedTimer elapsed;
        elapsed.start();
        bool served = false;
        // A byte every 50 ms from each: never idle, yet never a whole request.
        while (elapsed.elapsed() < 5000) {
            bool anyOpen = false;
            for (const auto &client : slow) {
                if (!client->closedByPeer() && client->trickle('x', 50)) {
                    anyOpen = true;
                }
            }
            if (!served) {
                // Other clients are served meanwhile.
                HttpClient client;
                HttpRequest request;
                request.url = url(server, "/health");
                request.totalTimeoutMs = 500;
                HttpOutcome outcome = client.send(request).get();
                QVERIFY(outcome.response.ok());
                QCOMPARE(outcome.response->status, 200);
                served = true;
            }
            if (!anyOpen) {
                break;
            }
        }
        for (const auto &client : slow) {
            QVERIFY(client->closedByPeer());
        }
        QVERIFY2(elapsed.elapsed() >= 900 && elapsed.elapsed() < 2500,
                 qPrintable(QString::number(elapsed.elapsed())));
    }

    void listeningOnABadAddressSaysSo()
    {
        HttpServer server;
        HttpServerOptions options;
        options.host = QStringLiteral("not-an-address");
        Result<void> result = server.listen(options, [](ServerRequest, Responder) {});
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("HTTP_LISTEN"));
        QVERIFY(result.error().message.contains(QStringLiteral("not-an-address")));

        HttpServer first;
        QVERIFY(first.listen({}, [](ServerRequest, Responder) {}).ok());
        HttpServerOptions taken;
        taken.port = first.port();
        Result<void> busy = server.listen(taken, [](ServerRequest, Responder) {});
        QVERIFY(!busy.ok());
        QVERIFY(busy.error().message.contains(QString::number(first.port())));
    }

    void stopAnswersWaitingRequests()
    {
        auto server = std::make_unique<HttpServer>();
        std::atomic<int> waiting{0};
        std::vector<Responder> never; // the handler keeps the responders and never answers
        std::mutex mutex;
        QVERIFY(server
                    ->listen(smallServer(),
                             [&](ServerRequest, Responder respond) {
                                 std::lock_guard lock(mutex);
                                 never.push_back(std::move(respond));
                                 ++waiting;
                             })
                    .ok());
        HttpClient client;
        HttpRequest request;
        request.url = url(*server, "/stuck");
        request.totalTimeoutMs = 3000;
        std::future<HttpOutcome> pending = client.send(request);
        QTRY_COMPARE_WITH_TIMEOUT(waiting.load(), 1, 3000);
        server->stop();
        HttpOutcome outcome = pending.get();
        // Either the 503 made it out before the connection closed, or the client saw the close;
        // in no case does the client wait for its own deadline.
        if (outcome.response.ok()) {
            QCOMPARE(outcome.response->status, 503);
        } else {
            QVERIFY(outcome.response.error().code != QString::fromLatin1(kHttpTimeout));
        }
        never.front()(ServerResponse::json(200, "late")); // harmless after stop
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
