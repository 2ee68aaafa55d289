#pragma once

#include "engine/core/result.h"
#include "engine/net/httpclient.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>

namespace syncline::engine::net {

struct ServerRequest
{
    QByteArray method;
    QByteArray path;  // without the query
    HttpHeaders query;   // decoded query parameters, in order
    HttpHeaders headers; // names lower-cased
    QByteArray body;     // the raw bytes, as received (signatures are checked on these)
    QString peer;

    QByteArray header(QByteArrayView name) const;
    QByteArray queryValue(QByteArrayView name) const;
};

struct ServerResponse
{
    int status = 200;
    HttpHeaders headers;
    QByteArray body;
    /// Close the connection without sending anything, as a peer or proxy failing mid-request
    /// would (the sandbox's accept-then-reset fault).
    bool dropConnection = false;

    static ServerResponse json(int status, const QByteArray &body);
    /// An RFC 9457 problem document; `extra` is a JSON object text merged into it (or empty).
    static ServerResponse problem(int status, const QString &type, const QString &title,
                                  const QString &detail, const QByteArray &extra = {});
};

/// Answers a request exactly once, from any thread (e.g. after the store committed).
using Responder = std::function<void(ServerResponse)>;
using RequestHandler = std::function<void(ServerRequest, Responder)>;

struct HttpServerOptions
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;   // 0: any free port (see HttpServer::port)
    int threads = 1;    // event-loop threads; handlers run on them and must not block
    int idleTimeoutSeconds = 10; // a connection sending nothing for this long is closed
    /// A request's headers and body must have arrived this long after the connection opened (or
    /// the previous response on it was sent); a slower client is disconnected, however steadily
    /// it trickles bytes.
    int requestDeadlineMs = 30'000;
    qint64 maxBodyBytes = 5 * 1024 * 1024;
    int maxConnections = 1024;
    /// The event-loop threads' nice value on Linux (0: the process's own). Above 0 they yield the
    /// CPU to the rest of the process when it is short (see EngineOptions::httpThreadNice).
    int threadNice = 0;
};

/// An HTTP/1.1 server on libmicrohttpd's event loop. Bodies over maxBodyBytes are refused with
/// 413 from their Content-Length, before they are read; slow clients never hold a thread, nor a
/// connection past the request deadline; a
/// handler may answer later from another thread (the connection is suspended meanwhile).
class HttpServer
{
public:
    HttpServer();
    ~HttpServer();

    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    /// Starts serving `handler`. Errors: HTTP_LISTEN with the address and the reason.
    Result<void> listen(HttpServerOptions options, RequestHandler handler);
    quint16 port() const;
    /// Stops accepting, answers requests whose handler has not responded with 503 (sent if the
    /// client is still reading), and closes every connection. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace syncline::engine::net
