#include "engine/net/httpclient.h"

#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

using namespace syncline::engine;
using namespace syncline::engine::net;

namespace {

// A loopback HTTP/1.1 server on a thread of its own that behaves by path:
//   /echo     200 with "METHOD|idempotency-key|body"
//   /hang     reads the request, never answers (until the test ends)
//   /reset    reads the request, then closes the connection without answering
//   /big      200 with a 2 MiB body
//   /redirect 302 to /echo
class LoopbackServer
{
public:
    LoopbackServer()
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        int yes = 1;
        ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(m_listener, 64);
        socklen_t length = sizeof address;
        ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }

    ~LoopbackServer()
    {
        m_stopping = true;
        ::shutdown(m_listener, SHUT_RDWR);
        ::close(m_listener);
        m_thread.join();
        for (int fd : m_held) {
            ::close(fd);
        }
    }

    QString url(const char *path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(QLatin1String(path));
    }
    int requests() const { return m_requests; }

private:
    void serve()
    {
        while (!m_stopping) {
            const int fd = ::accept(m_listener, nullptr, nullptr);
            if (fd < 0) {
                return;
            }
            handle(fd);
        }
    }

    static QByteArray readRequest(int fd)
    {
        QByteArray data;
        char buffer[4096];
        for (;;) {
            const qsizetype headerEnd = data.indexOf("\r\n\r\n");
            if (headerEnd >= 0) {
                const qsizetype at = data.toLower().indexOf("content-length:");
                const qsizetype length = at < 0 ? 0
                                                : data.mid(at + 15, data.indexOf('\r', at) - at - 15)
                                                      .trimmed()
                                                      .toLongLong();
                if (data.size() >= headerEnd + 4 + length) {
                    return data;
                }
            }
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) {
                return data;
            }
            data.append(buffer, n);
        }
    }

    static void reply(int fd, const QByteArray &status, const QByteArray &body,
                      const QByteArray &extra = {})
    {
        const QByteArray response = "HTTP/1.1 " + status + "\r\nContent-Length: "
                                    + QByteArray::number(body.size()) + "\r\n" + extra
                                    + "Connection: close\r\n\r\n" + body;
        qsizetype written = 0;
        while (written < response.size()) {
            const ssize_t n = ::write(fd, response.constData() + written,
                                      size_t(response.size() - written));
            if (n <= 0) {
                break;
            }
            written += n;
        }
    }

    void handle(int fd)
    {
        const QByteArray request = readRequest(fd);
        ++m_requests;
        const QList<QByteArray> requestLine = request.left(request.indexOf("\r\n")).split(' ');
        const QByteArray method = requestLine.value(0);
        const QByteArray path = requestLine.value(1);
        const QByteArray body = request.mid(request.indexOf("\r\n\r\n") + 4);
        QByteArray key;
        for (const QByteArray &line : request.split('\n')) {
            if (line.toLower().startsWith("idempotency-key:")) {
                key = line.mid(16).trimmed();
            }
        }
        if (path == "/hang") {
            m_held.push_back(fd); // answer nothing; closed when the server ends
            return;
        }
        if (path == "/reset") {
            linger hard{1, 0}; // RST instead of FIN
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        } else if (path == "/big") {
            reply(fd, "200 OK", QByteArray(2 * 1024 * 1024, 'x'));
        } else if (path == "/redirect") {
            reply(fd, "302 Found", {}, "Location: /echo\r\n");
        } else {
            reply(fd, "200 OK", method + '|' + key + '|' + body, "X-Erp-Document: AR-1001\r\n");
        }
        ::close(fd);
    }

    int m_listener = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_requests{0};
    std::vector<int> m_held;
    std::thread m_thread;
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
