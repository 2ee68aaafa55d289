#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>
#include <future>
#include <memory>

namespace syncline::engine::net {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method = "GET";
    QString url;
    HttpHeaders headers;
    QByteArray body;
    int connectTimeoutMs = 5'000;
    int totalTimeoutMs = 30'000;
    qint64 maxResponseBytes = 5 * 1024 * 1024;
    bool followRedirects = false; // off unless a connection asks for it
    /// On a new connection, never a kept-alive one. libcurl sends a request again by itself
    /// when a reused connection closes without an answer — for a target that cannot recognise
    /// a repeat (no idempotency support) that could post a document twice.
    bool freshConnection = false;
};

struct HttpResponse
{
    int status = 0;
    HttpHeaders headers; // names lower-cased
    QByteArray body;
    qint64 elapsedMs = 0;

    QByteArray header(QByteArrayView name) const;
};

/// Error codes of a call that got no complete response. `requestSent` in the error's message
/// context matters for effects: a failure after the request left may have taken effect.
inline constexpr auto kHttpConnect = "HTTP_CONNECT";   // nothing was sent: safe to retry
inline constexpr auto kHttpTimeout = "HTTP_TIMEOUT";   // deadline passed
inline constexpr auto kHttpReset = "HTTP_RESET";       // connection lost while waiting
inline constexpr auto kHttpTooLarge = "HTTP_TOO_LARGE"; // response over maxResponseBytes
inline constexpr auto kHttpTls = "HTTP_TLS";           // certificate or handshake refused
inline constexpr auto kHttpInvalid = "HTTP_INVALID";   // bad URL or request

/// The result of one call: a response, or an error with whether the request had been sent.
struct HttpOutcome
{
    Result<HttpResponse> response = Error{};
    bool requestSent = false;
};

/// Outbound HTTP for effects and polls: one thread drives libcurl's multi interface for every
/// call, so hundreds of calls can be in flight without a thread each. TLS certificates and host
/// names are always verified. Thread-safe; destroying the client cancels what is in flight.
class HttpClient
{
public:
    HttpClient();
    ~HttpClient();

    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    /// Called once on the client's thread when a call completed, failed, ran out of time or was
    /// cancelled; it must return quickly (hand the outcome over, wake whoever waits).
    using Done = std::function<void(HttpOutcome)>;

    /// Starts a call; `done` gets its outcome.
    void send(HttpRequest request, Done done);
    /// Starts a call; the future is ready when it completed, failed or ran out of time.
    std::future<HttpOutcome> send(HttpRequest request);
    /// Calls in flight or waiting to start.
    int pending() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace syncline::engine::net
