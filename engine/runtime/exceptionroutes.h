#pragma once

#include "engine/runtime/adminapi.h"
#include "engine/runtime/exceptionservice.h"
#include "engine/runtime/personaldata.h"

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
/// target's error, details and comments) passes through the call's PayloadView (personaldata.h):
/// masked, or in clear for an admin who asks with unmask=true and a reason (list and show only).
class ExceptionApi
{
public:
    ExceptionApi(ExceptionService &service, const PersonalData &personal);
    ~ExceptionApi();

    QList<AdminRoute> routes();
    /// Lets running requests finish; later ones answer 503.
    void stop();

private:
    void run(const net::Responder &respond, std::function<net::ServerResponse()> work);
    net::ServerResponse list(const AdminCall &call);
    net::ServerResponse show(const AdminCall &call);
    net::ServerResponse act(const AdminCall &call, security::ExceptionAction action);

    ExceptionService &m_service;
    const PersonalData &m_personal;
    QThreadPool m_pool;
    std::atomic<bool> m_stopped{false};
};

} // namespace syncline::engine::runtime
