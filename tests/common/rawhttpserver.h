#pragma once

// A loopback HTTP/1.1 server for tests that need a target to misbehave in ways a real server
// library will not: hang after reading a request, or reset the connection instead of answering.
// One thread, one connection at a time (Connection: close), so each request is handled in order.

#include <QByteArray>
#include <QList>
#include <QString>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace syncline::tests {

struct RawRequest
{
    QByteArray method;
    QByteArray path;
    QByteArray body;
    QByteArray header(const QByteArray &lowerName) const
    {
        for (const QByteArray &line : headers.split('\n')) {
            if (line.toLower().startsWith(lowerName + ':')) {
                return line.mid(lowerName.size() + 1).trimmed();
            }
        }
        return {};
    }
    QByteArray headers;
};

struct RawReply
{
    enum class Kind { Answer, Hang, Reset };
    Kind kind = Kind::Answer;
    QByteArray status = "200 OK";
    QByteArray body;
    QByteArray extraHeaders; // "Name: value\r\n" lines

    static RawReply answer(QByteArray status, QByteArray body, QByteArray extra = {})
    {
        return {Kind::Answer, std::move(status), std::move(body), std::move(extra)};
    }
    static RawReply hang() { return {Kind::Hang, {}, {}, {}}; }
    static RawReply reset() { return {Kind::Reset, {}, {}, {}}; }
};

class RawHttpServer
{
public:
    using Handler = std::function<RawReply(const RawRequest &)>;

    explicit RawHttpServer(Handler handler)
        : m_handler(std::move(handler))
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        int yes = 1;
        ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(m_listener, 128);
        socklen_t length = sizeof address;
        ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] { serve(); });
    }

    ~RawHttpServer()
    {
        m_stopping = true;
        ::shutdown(m_listener, SHUT_RDWR);
        ::close(m_listener);
        m_thread.join();
        for (int fd : m_held) {
            ::close(fd);
        }
    }

    quint16 port() const { return m_port; }
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

    void handle(int fd)
    {
        const QByteArray data = readRequest(fd);
        ++m_requests;
        RawRequest request;
        const QList<QByteArray> line = data.left(data.indexOf("\r\n")).split(' ');
        request.method = line.value(0);
        request.path = line.value(1);
        request.headers = data.left(data.indexOf("\r\n\r\n"));
        request.body = data.mid(data.indexOf("\r\n\r\n") + 4);
        const RawReply reply = m_handler(request);
        if (reply.kind == RawReply::Kind::Hang) {
            m_held.push_back(fd); // answered never; closed when the server ends
            return;
        }
        if (reply.kind == RawReply::Kind::Reset) {
            linger hard{1, 0}; // RST instead of FIN
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
            ::close(fd);
            return;
        }
        const QByteArray response = "HTTP/1.1 " + reply.status + "\r\nContent-Length: "
                                    + QByteArray::number(reply.body.size()) + "\r\n"
                                    + reply.extraHeaders + "Connection: close\r\n\r\n" + reply.body;
        qsizetype written = 0;
        while (written < response.size()) {
            const ssize_t n = ::write(fd, response.constData() + written,
                                      size_t(response.size() - written));
            if (n <= 0) {
                break;
            }
            written += n;
        }
        ::close(fd);
    }

    Handler m_handler;
    int m_listener = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_requests{0};
    std::vector<int> m_held;
    std::thread m_thread;
};

} // namespace syncline::tests
