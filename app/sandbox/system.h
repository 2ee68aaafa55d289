#pragma once

#include "app/sandbox/credentials.h"
#include "app/sandbox/statestore.h"
#include "engine/net/httpserver.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace syncline::sandbox {

/// A webhook a system sends once its request committed.
struct OutboundEvent
{
    QString system;
    Json event;
};

/// One request routed to a simulated system.
struct Call
{
    Call(const engine::net::ServerRequest &request, QByteArray path)
        : request(request)
        , path(std::move(path))
    {}

    const engine::net::ServerRequest &request;
    QByteArray path;        // after the system's prefix: "/v1/customers"
    QString origin = QStringLiteral("api"); // "traffic" for the generator's own calls
    QString idempotencyKey; // set when the system honours Idempotency-Key and one was sent
    qint64 nowMs = 0;
    QList<OutboundEvent> events;
    /// Commit what the handler wrote even though it answers 4xx (a declined card still marks
    /// the invoice and sends invoice.payment_failed).
    bool keepChanges = false;
};

/// Why the router, not the system, answers a request; each system words it in its own format.
enum class Refusal {
    Unauthorized,
    NotFound,
    BadRequest,
    Injected,      // a fault's errorRate
    Unavailable,   // a downtime window
    RateLimited,
    IdempotencyReused,
    IdempotencyInUse,
};

struct SystemContext
{
    StateStore &store;
    const Credentials &credentials;
};

/// A simulated SaaS system behind one path prefix. handle() runs inside a store transaction with
/// the store locked; a reply of 400 or more rolls the transaction back.
class System
{
public:
    explicit System(SystemContext context)
        : m_context(context)
    {}
    virtual ~System() = default;

    /// The name in the ledger, faults and webhooks: "crm", "billing", "support", "erp", "usage",
    /// "data".
    virtual QString name() const = 0;
    virtual QByteArray prefix() const = 0;
    virtual bool honoursIdempotencyKey() const { return false; }
    /// The token endpoints are open; everything else asks for the system's credentials.
    virtual std::optional<engine::net::ServerResponse> authenticate(const Call &call) = 0;
    virtual engine::net::ServerResponse handle(Call &call) = 0;
    virtual engine::net::ServerResponse refuse(Refusal refusal, int status,
                                               const QString &detail) const = 0;
    /// Reference data of a new or reset state (catalogue, chart of accounts, policies).
    virtual void seed() {}

protected:
    StateStore &store() const { return m_context.store; }
    const Credentials &credentials() const { return m_context.credentials; }

private:
    SystemContext m_context;
};

// Helpers shared by the systems.
engine::net::ServerResponse jsonResponse(int status, const Json &body);
/// Parses a request body as JSON; nullopt when it is not JSON.
std::optional<Json> parseBody(const QByteArray &body);
QByteArray bearerToken(const engine::net::ServerRequest &request);
/// A vendor-looking id: prefix + `length` (at least 11) base-62 characters derived from `number`
/// (a bijection, so ids never collide and stay stable across runs).
QString vendorId(const QString &prefix, qint64 number, int length);
/// An OAuth 2 client-credentials token endpoint answer (or its error) for `system`.
engine::net::ServerResponse issueToken(StateStore &store, const QString &system,
                                       const engine::net::ServerRequest &request,
                                       const QByteArray &clientSecret, qint64 nowMs);
bool tokenValid(StateStore &store, const QString &system, const QByteArray &token, qint64 nowMs);
/// Text of a JSON member that is a string (or a number, written as JSON writes it).
QString text(const Json &object, const char *member);
QString isoTime(qint64 ms);
/// The first `segment`-th part of "/a/b/c" (0-based), empty when there are fewer.
QByteArray segment(const QByteArray &path, int index);
int segmentCount(const QByteArray &path);
/// One page of a list: `limit` documents of `query` (one more is read to know whether more
/// follow) and their bodies.
struct Page
{
    QList<Document> documents;
    Json bodies = Json::array();
    bool more = false;
};
Page readPage(StateStore &store, ListQuery query, int limit);
int queryInt(const engine::net::ServerRequest &request, QByteArrayView name, int fallback,
             int minimum, int maximum);

} // namespace syncline::sandbox
