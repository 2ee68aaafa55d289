#pragma once

#include "engine/net/httpclient.h"
#include "engine/runtime/listpaging.h"
#include "engine/runtime/retrypolicy.h"
#include "engine/runtime/systemtarget.h"
#include "engine/runtime/triggersource.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace syncline::engine::plugin {
class ConnectorRegistry;
}

namespace syncline::engine::runtime {

/// A poll node's settings (see nodetypes/poll.json).
struct PollSettings
{
    enum class AtEnd {
        Keep,    // the next round resumes from the last cursor (an incremental sync)
        Restart, // the next round starts at the first page again (a full listing)
    };

    QString system;
    QString path;                 // appended to the system's base URL; may carry a query
    qint64 intervalMs = 60'000;   // between rounds
    QString itemsPointer;         // where the array of items is ("" = the body is the array)
    QString itemIdPointer = QStringLiteral("/id"); // in an item: its delivery id
    QString businessKeyPointer;   // in an item
    QString nextCursorPointer;    // where the next cursor or page token is; empty: one page
    QString cursorParam;          // the query parameter that carries it
    QString hasMorePointer;       // optional boolean; without it, a missing cursor ends a round
    QString initialCursor;        // sent on the very first request, if any
    QString object;               // a connector object: its list operation gives path and paging
    int pageSize = 0;             // with an object: sent in the vendor's page size parameter
    std::optional<ListPaging> paging; // set from the connector when an object is named
    AtEnd atEnd = AtEnd::Keep;
    int maxPagesPerRound = 1000;
    net::HttpHeaders headers;
    int timeoutMs = 0;            // 0: the system's
    qint64 maxResponseBytes = 5 * 1024 * 1024;

    static Result<PollSettings> fromJson(const nlohmann::json &settings);
    /// With an object: takes the path, items and paging from the list operation of the
    /// connector of the system's family. Fails (FLOW_CANNOT_RUN) when there is none.
    Result<void> bindConnector(const plugin::ConnectorRegistry *registry,
                               const SystemTarget &system);
};

/// Fetches a system's items with HTTP GET every interval, page by page until the system has no
/// more, and turns each item into a message.
///
/// Durable: the cursor (or page token) is node state committed in the same transaction as the
/// page's last item, and each item's id is its delivery id. A round interrupted anywhere —
/// stopped, killed between two items or two pages — resumes from the last committed cursor;
/// items of the page that were committed before come again as duplicates and create nothing.
///
/// Failures never stop the engine: connection errors, 408/429/5xx are retried with the node's
/// retry policy (a Retry-After is honoured), then the round is given up until the next interval;
/// other 4xx and unreadable bodies wait for the next interval at once. Each failure shows in
/// status(). An open circuit breaker or the system's rate limit delays the call without
/// spending an attempt. A call in progress is abandoned as soon as the engine stops.
class PollTrigger final : public TriggerSource
{
public:
    PollTrigger(TriggerTarget target, PollSettings settings, SystemTarget system,
                RetryPolicy retry, net::HttpClient &client, TriggerContext context);

    qint64 run(qint64 nowMs, const std::atomic<bool> &stop) override;

    /// The committed cursor ("" when none).
    Result<QString> cursor() const;

private:
    struct Page;
    enum class Step { NextPage, RoundDone, Later };

    /// One page: fetch, ingest, advance the cursor. Sets `nextRunMs` when it returns Later.
    Step fetchPage(QString &cursor, const std::atomic<bool> &stop, qint64 &nextRunMs);
    std::optional<net::HttpOutcome> call(const QString &cursor, const std::atomic<bool> &stop);
    /// The next cursor and whether there is a next page, from the node's own pointers.
    void readCursor(const json::Value &body, Page &page) const;
    Result<void> commitPage(const Page &page, const QString &oldCursor, const QString &newCursor);
    /// A technical failure: when to try again, or the next round when the policy is spent.
    qint64 retryOrGiveUp(const QString &error, std::optional<qint64> retryAfterMs);
    qint64 failRound(const QString &error);
    bool waitForToken(const std::atomic<bool> &stop);

    PollSettings m_settings;
    SystemTarget m_system;
    RetryPolicy m_retry;
    net::HttpClient &m_client;
    int m_attempts = 0;          // failed attempts of the current page
    qint64 m_firstFailureMs = 0;
};

} // namespace syncline::engine::runtime
