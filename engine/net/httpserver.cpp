#include "engine/net/httpserver.h"

#include "engine/core/threadname.h"

#include <QElapsedTimer>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace syncline::engine::net {

namespace {

QByteArray findHeader(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return {};
}

} // namespace

QByteArray ServerRequest::header(QByteArrayView name) const
{
    return findHeader(headers, name);
}

QByteArray ServerRequest::queryValue(QByteArrayView name) const
{
    return findHeader(query, name);
}

ServerResponse ServerResponse::json(int status, const QByteArray &body)
{
    return {status, {{"Content-Type", "application/json"}}, body};
}

ServerResponse ServerResponse::problem(int status, const QString &type, const QString &title,
                                       const QString &detail, const QByteArray &extra)
{
    nlohmann::json document = nlohmann::json::parse(extra.constData(), extra.constData() + extra.size(),
                                                    nullptr, /*allow_exceptions*/ false);
    if (!document.is_object()) {
        document = nlohmann::json::object();
    }
    document["type"] = type.toStdString();
    document["title"] = title.toStdString();
    document["status"] = status;
    document["detail"] = detail.toStdString();
    const std::string text = document.dump();
    return {status,
            {{"Content-Type", "application/problem+json"}},
            QByteArray(text.data(), qsizetype(text.size()))};
}

namespace {

// One request on one connection, shared with its Responder.
struct Exchange
{
    MHD_Connection *connection = nullptr;
    ServerRequest request;
    QElapsedTimer started;
    std::mutex mutex;
    std::optional<ServerResponse> response;
    bool handled = false;   // the handler was called
    bool responded = false; // the Responder was called (or stop() answered)
    bool suspended = false;
    bool refusedEarly = false;
};

void queue(MHD_Connection *connection, const ServerResponse &response)
{
    MHD_Response *r = MHD_create_response_from_buffer(size_t(response.body.size()),
                                                      const_cast<char *>(response.body.constData()),
                                                      MHD_RESPMEM_MUST_COPY);
    for (const auto &[name, value] : response.headers) {
        MHD_add_response_header(r, name.constData(), value.constData());
    }
    MHD_queue_response(connection, unsigned(response.status), r);
    MHD_destroy_response(r);
}

MHD_Result collect(void *target, MHD_ValueKind, const char *key, const char *value)
{
    static_cast<HttpHeaders *>(target)->append(
        {QByteArray(key).toLower(), value ? QByteArray(value) : QByteArray()});
    return MHD_YES;
}

MHD_Result collectQuery(void *target, MHD_ValueKind, const char *key, const char *value)
{
    static_cast<HttpHeaders *>(target)->append({QByteArray(key), value ? QByteArray(value)
                                                                       : QByteArray()});
    return MHD_YES;
}

QString peerOf(MHD_Connection *connection)
{
    const MHD_ConnectionInfo *info = MHD_get_connection_info(connection,
                                                             MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) {
        return {};
    }
    char text[INET6_ADDRSTRLEN] = {};
    const sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(address)->sin_addr, text,
                  sizeof text);
    } else if (address->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(address)->sin6_addr, text,
                  sizeof text);
    }
    return QString::fromLatin1(text);
}

} // namespace

using Clock = std::chrono::steady_clock;

// Connections still sending a request, by the time it must have arrived. libmicrohttpd's own
// timeout only closes connections that send nothing; a client trickling a byte at a time would
// hold its connection (and a slot of maxConnections) for ever.
struct Deadlines
{
    std::mutex mutex;
    std::condition_variable wake;
    std::map<MHD_Connection *, int> open; // their sockets, from start to just before close
    std::map<MHD_Connection *, Clock::time_point> receiving;
    bool stopping = false;
    std::thread reaper;
};

struct HttpServer::Impl
{
    MHD_Daemon *daemon = nullptr;
    HttpServerOptions options;
    RequestHandler handler;
    std::mutex suspendedMutex;
    std::set<std::shared_ptr<Exchange>> suspended;
    Deadlines deadlines;

    static MHD_Result onRequest(void *cls, MHD_Connection *connection, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *uploadSize, void **state);
    static void onCompleted(void *cls, MHD_Connection *, void **state, MHD_RequestTerminationCode);
    static void onConnection(void *cls, MHD_Connection *connection, void **socketContext,
                             MHD_ConnectionNotificationCode code);

    /// The next request on `connection` must arrive within requestDeadlineMs from now.
    void arm(MHD_Connection *connection);
    /// The request arrived: what follows is the handler's and the response's time.
    void disarm(MHD_Connection *connection);
    void reap();

    MHD_Result begin(MHD_Connection *connection, const char *url, const char *method,
                     void **state);
    MHD_Result dispatch(const std::shared_ptr<Exchange> &exchange);
    Responder responderFor(const std::shared_ptr<Exchange> &exchange);
};

MHD_Result HttpServer::Impl::onRequest(void *cls, MHD_Connection *connection, const char *url,
                                       const char *method, const char *, const char *upload,
                                       size_t *uploadSize, void **state)
{
    auto *impl = static_cast<Impl *>(cls);
    if (*state == nullptr) {
        return impl->begin(connection, url, method, state);
    }
    const std::shared_ptr<Exchange> exchange = *static_cast<std::shared_ptr<Exchange> *>(*state);
    if (exchange->refusedEarly) {
        *uploadSize = 0; // the answer is queued already; the rest is not read
        return MHD_YES;
    }
    if (*uploadSize > 0) {
        if (exchange->started.elapsed() > impl->options.requestDeadlineMs) {
            return MHD_NO; // too slow: close the connection
        }
        if (exchange->request.body.size() + qint64(*uploadSize) > impl->options.maxBodyBytes) {
            return MHD_NO; // a body without Content-Length grew past the limit
        }
        exchange->request.body.append(upload, qsizetype(*uploadSize));
        *uploadSize = 0;
        return MHD_YES;
    }
    return impl->dispatch(exchange);
}

MHD_Result HttpServer::Impl::begin(MHD_Connection *connection, const char *url, const char *method,
                                   void **state)
{
    auto exchange = std::make_shared<Exchange>();
    exchange->connection = connection;
    exchange->started.start();
    exchange->request.method = method;
    exchange->request.path = url;
    exchange->request.peer = peerOf(connection);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect, &exchange->request.headers);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collectQuery,
                              &exchange->request.query);
    *state = new std::shared_ptr<Exchange>(exchange);

    bool declared = false;
    const qint64 length = exchange->request.header("content-length").toLongLong(&declared);
    if (declared && length > options.maxBodyBytes) {
        exchange->refusedEarly = true;
        exchange->responded = true;
        queue(connection,
              ServerResponse::problem(413, QStringLiteral("urn:syncline:problem:size-limit"),
                                      QStringLiteral("Payload too large"),
                                      QStringLiteral("the body has %1 bytes; at most %2 are "
                                                     "accepted")
                                          .arg(length)
                                          .arg(options.maxBodyBytes),
                                      R"({"code":"SIZE_LIMIT"})"));
    }
    return MHD_YES;
}

Responder HttpServer::Impl::responderFor(const std::shared_ptr<Exchange> &exchange)
{
    return [this, exchange](ServerResponse response) {
        std::lock_guard lock(exchange->mutex);
        if (exchange->responded) {
            return;
        }
        exchange->responded = true;
        exchange->response = std::move(response);
        if (exchange->suspended) {
            exchange->suspended = false;
            {
                std::lock_guard suspendedLock(suspendedMutex);
                suspended.erase(exchange);
            }
            MHD_resume_connection(exchange->connection);
        }
    };
}

// Sends the stored response, or closes the connection when the response asks to be dropped.
static MHD_Result answer(const std::shared_ptr<Exchange> &exchange)
{
    const bool drop = exchange->response->dropConnection;
    if (!drop) {
        queue(exchange->connection, *exchange->response);
    }
    exchange->response.reset();
    return drop ? MHD_NO : MHD_YES;
}

MHD_Result HttpServer::Impl::dispatch(const std::shared_ptr<Exchange> &exchange)
{
    disarm(exchange->connection);
    std::unique_lock lock(exchange->mutex);
    if (exchange->response) {
        return answer(exchange);
    }
    if (exchange->handled) {
        return MHD_YES; // resumed and already answered
    }
    exchange->handled = true;
    lock.unlock();
    handler(exchange->request, responderFor(exchange));
    lock.lock();
    if (exchange->response) {
        return answer(exchange);
    }
    exchange->suspended = true;
    {
        std::lock_guard suspendedLock(suspendedMutex);
        suspended.insert(exchange);
    }
    MHD_suspend_connection(exchange->connection);
    return MHD_YES;
}

void HttpServer::Impl::onCompleted(void *cls, MHD_Connection *connection, void **state,
                                   MHD_RequestTerminationCode)
{
    delete static_cast<std::shared_ptr<Exchange> *>(*state);
    *state = nullptr;
    static_cast<Impl *>(cls)->arm(connection); // a kept-alive connection's next request
}

void HttpServer::Impl::onConnection(void *cls, MHD_Connection *connection, void **,
                                    MHD_ConnectionNotificationCode code)
{
    auto *impl = static_cast<Impl *>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        // libmicrohttpd starts its threads itself; each sets its own priority when it takes
        // its first connection (on Linux a thread's nice value is its own).
        thread_local bool niced = false;
        if (impl->options.threadNice != 0 && !niced) {
            niced = true;
            (void) setpriority(PRIO_PROCESS, id_t(gettid()), impl->options.threadNice);
        }
        const MHD_ConnectionInfo *info = MHD_get_connection_info(
            connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info) {
            std::lock_guard lock(impl->deadlines.mutex);
            impl->deadlines.open[connection] = info->connect_fd;
        }
        impl->arm(connection);
        return;
    }
    // Called before libmicrohttpd closes the socket, so the reaper never touches a reused fd.
    std::lock_guard lock(impl->deadlines.mutex);
    impl->deadlines.open.erase(connection);
    impl->deadlines.receiving.erase(connection);
}

void HttpServer::Impl::arm(MHD_Connection *connection)
{
    const Clock::time_point due = Clock::now()
                                  + std::chrono::milliseconds(options.requestDeadlineMs);
    std::lock_guard lock(deadlines.mutex);
    if (deadlines.open.contains(connection)) {
        deadlines.receiving[connection] = due;
    }
}

void HttpServer::Impl::disarm(MHD_Connection *connection)
{
    std::lock_guard lock(deadlines.mutex);
    deadlines.receiving.erase(connection);
}

void HttpServer::Impl::reap()
{
    // Looks a few times per deadline; a late request is cut off within a quarter of it.
    const auto interval = std::chrono::milliseconds(std::clamp(options.requestDeadlineMs / 4,
                                                               10, 1000));
    std::unique_lock lock(deadlines.mutex);
    while (!deadlines.wake.wait_for(lock, interval, [this] { return deadlines.stopping; })) {
        const Clock::time_point now = Clock::now();
        for (auto it = deadlines.receiving.begin(); it != deadlines.receiving.end();) {
            if (it->second > now) {
                ++it;
                continue;
            }
            // The event loop sees the shut socket as closed by the peer and cleans it up.
            ::shutdown(deadlines.open.at(it->first), SHUT_RDWR);
            it = deadlines.receiving.erase(it);
        }
    }
}

HttpServer::HttpServer()
    : d(std::make_unique<Impl>())
{}

HttpServer::~HttpServer()
{
    stop();
}

Result<void> HttpServer::listen(HttpServerOptions options, RequestHandler handler)
{
    d->options = std::move(options);
    d->handler = std::move(handler);
    const QByteArray host = d->options.host == QLatin1String("localhost")
                                ? QByteArray("127.0.0.1")
                                : d->options.host.toLatin1();
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    const sockaddr *address = nullptr;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    if (inet_pton(AF_INET, host.constData(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(d->options.port);
        address = reinterpret_cast<const sockaddr *>(&v4);
    } else if (inet_pton(AF_INET6, host.constData(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(d->options.port);
        address = reinterpret_cast<const sockaddr *>(&v6);
        flags |= MHD_USE_IPv6;
    } else {
        return Error::make(QStringLiteral("HTTP_LISTEN"),
                           QStringLiteral("cannot listen on '%1': not an IP address")
                               .arg(d->options.host));
    }
    std::vector<MHD_OptionItem> items = {
        {MHD_OPTION_SOCK_ADDR, 0, const_cast<sockaddr *>(address)},
        {MHD_OPTION_NOTIFY_COMPLETED, intptr_t(&Impl::onCompleted), d.get()},
        {MHD_OPTION_NOTIFY_CONNECTION, intptr_t(&Impl::onConnection), d.get()},
        {MHD_OPTION_CONNECTION_TIMEOUT, intptr_t(d->options.idleTimeoutSeconds), nullptr},
        {MHD_OPTION_CONNECTION_LIMIT, intptr_t(d->options.maxConnections), nullptr},
    };
    if (d->options.threads > 1) {
        items.push_back({MHD_OPTION_THREAD_POOL_SIZE, intptr_t(d->options.threads), nullptr});
    }
    items.push_back({MHD_OPTION_END, 0, nullptr});
    d->daemon = MHD_start_daemon(flags, d->options.port, nullptr, nullptr, &Impl::onRequest,
                                 d.get(), MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
    if (!d->daemon) {
        return Error::make(QStringLiteral("HTTP_LISTEN"),
                           QStringLiteral("cannot listen on %1:%2 (in use, or not an address of "
                                          "this machine)")
                               .arg(d->options.host)
                               .arg(d->options.port));
    }
    d->deadlines.stopping = false;
    d->deadlines.reaper = std::thread([impl = d.get()] {
        nameThisThread("sl-http-reaper");
        impl->reap();
    });
    return {};
}

quint16 HttpServer::port() const
{
    if (!d->daemon) {
        return 0;
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(d->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void HttpServer::stop()
{
    if (!d->daemon) {
        return;
    }
    std::set<std::shared_ptr<Exchange>> waiting;
    {
        std::lock_guard lock(d->suspendedMutex);
        waiting.swap(d->suspended);
    }
    for (const std::shared_ptr<Exchange> &exchange : waiting) {
        std::lock_guard lock(exchange->mutex);
        if (!exchange->responded) {
            exchange->responded = true;
            exchange->response = ServerResponse::problem(
                503, QStringLiteral("urn:syncline:problem:shutting-down"),
                QStringLiteral("Shutting down"),
                QStringLiteral("the engine is stopping; send the request again"));
        }
        exchange->suspended = false;
        MHD_resume_connection(exchange->connection);
    }
    MHD_stop_daemon(d->daemon);
    d->daemon = nullptr;
    {
        std::lock_guard lock(d->deadlines.mutex);
        d->deadlines.stopping = true;
    }
    d->deadlines.wake.notify_all();
    if (d->deadlines.reaper.joinable()) {
        d->deadlines.reaper.join();
    }
}

} // namespace syncline::engine::net
