#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/runtime/exceptionservice.h"

#include <QThreadPool>

namespace syncline::engine::runtime {

/// The exception queue's admin API (docs/operations.md, "Exceptions, repair and replay"):
///   GET  /api/v1/exceptions                 filters as query parameters, counts, a page cursor
///   GET  /api/v1/exceptions/{id}            with its input, repaired versions and history
///   POST /api/v1/exceptions/{id}/assign     {"assignee"}            (empty: back to open)
///   POST /api/v1/exceptions/{id}/comment    {"text"}
///   POST /api/v1/exceptions/{id}/repair     {"payload", "reason"?, "resubmit"?}
///   POST /api/v1/exceptions/{id}/replay     {"reason"}
///   POST /api/v1/exceptions/{id}/discard    {"reason"}
/// Requests wait on the store (a commit), so they run on a pool of their own rather than on the
/// HTTP server's threads. Every payload an answer carries (inputs, repaired versions, the
/// target's error, details and comments) passes through presented(), the one place that masks.
class ExceptionApi
{
public:
    explicit ExceptionApi(ExceptionService &service);
    ~ExceptionApi();

    QList<AdminRoute> routes();
    /// Lets running requests finish; later ones answer 503.
    void stop();

    /// What `caller` is shown of a payload, a target's error or a person's text: the one
    /// function every such text of an answer goes through.
    static QByteArray presented(const QByteArray &text, const security::Principal &caller);

private:
    void run(const net::Responder &respond, std::function<net::ServerResponse()> work);
    net::ServerResponse list(const AdminCall &call);
    net::ServerResponse show(const AdminCall &call);
    net::ServerResponse act(const AdminCall &call, security::ExceptionAction action);

    ExceptionService &m_service;
    QThreadPool m_pool;
    std::atomic<bool> m_stopped{false};
};

} // namespace syncline::engine::runtime
