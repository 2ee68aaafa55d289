#include "engine/runtime/polltrigger.h"

#include "engine/json/intake.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/runtime/jsonpointer.h"
#include "engine/runtime/outcome.h"

#include <QRandomGenerator>
#include <QThread>
#include <QUrl>

#include <future>

namespace syncline::engine::runtime {

namespace {

constexpr auto kCursorKey = "cursor";
constexpr qint64 kHeldRetryMs = 1'000;
constexpr qint64 kStoreRetryMs = 1'000;
constexpr int kStopCheckMs = 50;

Error settingsError(const QString &message)
{
    return Error::make(QStringLiteral("SETTINGS_INVALID"), message);
}

// Reads an optional text setting; a value that is not a text is reported.
bool readText(const nlohmann::json &settings, const char *key, QString &field, QString &problem)
{
    const auto it = settings.find(key);
    if (it == settings.end()) {
        return true;
    }
    if (!it->is_string()) {
        problem = QStringLiteral("settings/%1: must be a text").arg(QLatin1String(key));
        return false;
    }
    field = QString::fromStdString(it->get<std::string>());
    return true;
}

QString excerpt(const QByteArray &body)
{
    constexpr qsizetype kMax = 300;
    return QString::fromUtf8(body.left(kMax)) + (body.size() > kMax ? QStringLiteral("…")
                                                                     : QString());
}

} // namespace

struct PollTrigger::Page
{
    struct Item
    {
        QByteArray payload;
        QString id;
        QString businessKey;
    };
    QList<Item> items;
    QString nextCursor;
    bool more = false;
};

Result<PollSettings> PollSettings::fromJson(const nlohmann::json &settings)
{
    PollSettings s;
    QString problem;
    const bool texts = readText(settings, "system", s.system, problem)
                       && readText(settings, "path", s.path, problem)
                       && readText(settings, "items", s.itemsPointer, problem)
                       && readText(settings, "itemId", s.itemIdPointer, problem)
                       && readText(settings, "businessKey", s.businessKeyPointer, problem)
                       && readText(settings, "nextCursor", s.nextCursorPointer, problem)
                       && readText(settings, "cursorParam", s.cursorParam, problem)
                       && readText(settings, "hasMore", s.hasMorePointer, problem)
                       && readText(settings, "initialCursor", s.initialCursor, problem)
                       && readText(settings, "object", s.object, problem);
    if (!texts) {
        return settingsError(problem);
    }
    if (s.system.isEmpty()) {
        return settingsError(QStringLiteral("settings/system: a poll names the system it calls"));
    }
    if (const auto operation = settings.find("operation");
        operation != settings.end() && *operation != "list") {
        return settingsError(QStringLiteral("settings/operation: a poll lists (\"list\")"));
    }
    if (!s.object.isEmpty() && (!s.nextCursorPointer.isEmpty() || !s.cursorParam.isEmpty())) {
        return settingsError(QStringLiteral("settings/nextCursor: a poll of a connector object "
                                            "pages the way its connector says"));
    }
    if (!s.nextCursorPointer.isEmpty() && s.cursorParam.isEmpty()) {
        return settingsError(QStringLiteral("settings/cursorParam: needed with nextCursor (the "
                                            "query parameter that carries the cursor)"));
    }
    if (const auto interval = settings.find("intervalSeconds"); interval != settings.end()) {
        if (!interval->is_number_integer() || interval->get<qint64>() < 1) {
            return settingsError(QStringLiteral("settings/intervalSeconds: must be a whole "
                                                "number of at least 1"));
        }
        s.intervalMs = interval->get<qint64>() * 1000;
    }
    if (const auto atEnd = settings.find("atEnd"); atEnd != settings.end()) {
        const std::string value = atEnd->is_string() ? atEnd->get<std::string>() : std::string();
        if (value != "keep" && value != "restart") {
            return settingsError(QStringLiteral("settings/atEnd: must be \"keep\" or "
                                                "\"restart\""));
        }
        s.atEnd = value == "restart" ? AtEnd::Restart : AtEnd::Keep;
    }
    const auto integer = [&](const char *key, auto &field, qint64 minimum) {
        const auto it = settings.find(key);
        if (it == settings.end()) {
            return true;
        }
        if (!it->is_number_integer() || it->get<qint64>() < minimum) {
            problem = QStringLiteral("settings/%1: must be a whole number of at least %2")
                          .arg(QLatin1String(key))
                          .arg(minimum);
            return false;
        }
        field = static_cast<std::decay_t<decltype(field)>>(it->get<qint64>());
        return true;
    };
    if (!integer("maxPagesPerRound", s.maxPagesPerRound, 1) || !integer("pageSize", s.pageSize, 1)
        || !integer("timeoutMs", s.timeoutMs, 0)
        || !integer("maxResponseBytes", s.maxResponseBytes, 1)) {
        return settingsError(problem);
    }
    if (const auto h = settings.find("headers"); h != settings.end() && h->is_object()) {
        for (auto it = h->begin(); it != h->end(); ++it) {
            if (it->is_string()) {
                s.headers.append({QByteArray::fromStdString(it.key()),
                                  QByteArray::fromStdString(it->get<std::string>())});
            }
        }
    }
    if (s.object.isEmpty() && s.path.isEmpty()) {
        return settingsError(QStringLiteral("settings/path: a poll names the path it lists, or "
                                            "a connector object"));
    }
    return s;
}

Result<void> PollSettings::bindConnector(const plugin::ConnectorRegistry *registry,
                                         const SystemTarget &system)
{
    if (object.isEmpty()) {
        return {};
    }
    const plugin::LoadedConnector *connector = registry ? registry->forFamily(system.family)
                                                        : nullptr;
    if (!connector) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/object: no connector of the family \"%1\" "
                                          "is loaded (system %2)")
                               .arg(system.family, system.id));
    }
    const plugin::ObjectSpec *spec = connector->description.object(object);
    const plugin::OperationSpec *list = spec ? spec->operation(QStringLiteral("list")) : nullptr;
    if (!list || list->needsExternalId()) {
        return Error::make(QStringLiteral("FLOW_CANNOT_RUN"),
                           QStringLiteral("settings/object: the %1 connector cannot list a %2")
                               .arg(connector->id, object));
    }
    path = list->path + path; // the node's own path is a query to add
    itemsPointer = list->pagination.itemsPointer;
    paging = ListPaging(list->pagination, pageSize);
    return {};
}

PollTrigger::PollTrigger(TriggerTarget target, PollSettings settings, SystemTarget system,
                         RetryPolicy retry, net::HttpClient &client, TriggerContext context)
    : TriggerSource(std::move(target), QStringLiteral("poll"), std::move(context))
    , m_settings(std::move(settings))
    , m_system(std::move(system))
    , m_retry(retry)
    , m_client(client)
{}

Result<QString> PollTrigger::cursor() const
{
    Result<std::optional<QByteArray>> stored = m_context.store->state(
        m_target.stateScope(QStringLiteral("poll")), QLatin1String(kCursorKey));
    if (!stored) {
        return stored.error();
    }
    return stored->has_value() ? QString::fromUtf8(**stored) : QString();
}

qint64 PollTrigger::run(qint64 nowMs, const std::atomic<bool> &stop)
{
    Result<QString> committed = cursor();
    if (!committed) {
        recordFailure(committed.error().message);
        return nowMs + kStoreRetryMs;
    }
    QString current = *committed;
    if (current.isEmpty()) {
        current = m_settings.initialCursor;
    }
    for (int page = 0; page < m_settings.maxPagesPerRound; ++page) {
        if (stop) {
            return nowMs;
        }
        qint64 nextRunMs = 0;
        switch (fetchPage(current, stop, nextRunMs)) {
        case Step::NextPage:
            continue;
        case Step::RoundDone: {
            const qint64 now = m_context.clockMs();
            recordSuccess(now);
            updateStatus([&](TriggerStatus &s) { s.nextRunAtMs = now + m_settings.intervalMs; });
            return now + m_settings.intervalMs;
        }
        case Step::Later:
            updateStatus([nextRunMs](TriggerStatus &s) { s.nextRunAtMs = nextRunMs; });
            return nextRunMs;
        }
    }
    // A long listing: the cursor is committed, so carry on at once in the next round.
    recordSuccess(m_context.clockMs());
    return m_context.clockMs();
}

PollTrigger::Step PollTrigger::fetchPage(QString &cursor, const std::atomic<bool> &stop,
                                         qint64 &nextRunMs)
{
    const qint64 now = m_context.clockMs();
    if (m_context.held) {
        if (const std::optional<QString> why = m_context.held(m_target.flowId,
                                                              m_target.flowVersion,
                                                              m_target.nodeId)) {
            updateStatus([&](TriggerStatus &s) { s.lastError = *why; });
            nextRunMs = now + kHeldRetryMs;
            return Step::Later;
        }
    }
    if (!m_system.breaker->allow(now)) {
        nextRunMs = now + std::max<qint64>(100, m_system.breaker->waitMs(now));
        updateStatus([&](TriggerStatus &s) {
            s.lastError = QStringLiteral("calls to %1 are paused after repeated failures")
                              .arg(m_system.id);
        });
        return Step::Later;
    }
    if (!waitForToken(stop)) {
        nextRunMs = now;
        return Step::Later;
    }
    const std::optional<net::HttpOutcome> outcome = call(cursor, stop);
    if (!outcome) {
        nextRunMs = m_context.clockMs();
        return Step::Later; // stopping: the call is abandoned, nothing was committed for it
    }
    if (!outcome->response) {
        m_system.breaker->recordFailure(m_context.clockMs());
        nextRunMs = retryOrGiveUp(outcome->response.error().message, std::nullopt);
        return Step::Later;
    }
    const net::HttpResponse &response = *outcome->response;
    switch (classifyHttpStatus(response.status)) {
    case CallVerdict::Retry:
        if (response.status >= 500 || response.status == 429) {
            m_system.breaker->recordFailure(m_context.clockMs());
        }
        nextRunMs = retryOrGiveUp(QStringLiteral("%1 answered %2: %3")
                                      .arg(m_system.id)
                                      .arg(response.status)
                                      .arg(excerpt(response.body)),
                                  parseRetryAfter(response.header("retry-after"),
                                                  m_context.clockMs()));
        return Step::Later;
    case CallVerdict::Fail:
        m_system.breaker->recordSuccess();
        nextRunMs = failRound(QStringLiteral("%1 refused the poll with %2: %3")
                                  .arg(m_system.id)
                                  .arg(response.status)
                                  .arg(excerpt(response.body)));
        return Step::Later;
    case CallVerdict::Ok:
        m_system.breaker->recordSuccess();
        break;
    }

    const json::IntakeResult body = json::JsonIntake::parse(
        response.body, json::IntakeLimits{m_settings.maxResponseBytes, 64});
    if (!body.ok()) {
        nextRunMs = failRound(QStringLiteral("%1 answered with a body that is not strict JSON: %2")
                                  .arg(m_system.id, body.refusal().describe()));
        return Step::Later;
    }
    const json::Value *items = resolvePointer(body.value(), m_settings.itemsPointer);
    if (!items || !items->isArray()) {
        nextRunMs = failRound(QStringLiteral("the answer of %1 has no array of items at \"%2\"")
                                  .arg(m_system.id, m_settings.itemsPointer));
        return Step::Later;
    }
    Page page;
    for (const json::Value &item : items->items()) {
        page.items.append({QByteArray::fromStdString(json::toJsonText(item)),
                           scalarText(resolvePointer(item, m_settings.itemIdPointer)),
                           scalarText(resolvePointer(item, m_settings.businessKeyPointer))});
    }
    if (m_settings.paging) {
        // The connector knows how its vendor pages; at the end its cursor is where to resume.
        const ListPaging::Next next = m_settings.paging->next(body.value(), cursor);
        page.nextCursor = next.cursor;
        page.more = next.more;
    } else {
        readCursor(body.value(), page);
    }

    if (page.more && page.nextCursor == cursor) {
        page.more = false; // the same token again would fetch the same page for ever
    }
    QString next = cursor;
    if (page.more) {
        next = page.nextCursor;
    } else if (m_settings.atEnd == PollSettings::AtEnd::Restart) {
        next.clear();
    } else if (m_settings.paging) {
        next = page.nextCursor; // the connector's resumption point ("" lists from the start)
    } else if (!m_settings.hasMorePointer.isEmpty() && !page.nextCursor.isEmpty()) {
        next = page.nextCursor; // a sync token: where the next round's changes start
    }
    if (Result<void> committed = commitPage(page, cursor, next); !committed) {
        recordFailure(committed.error().message);
        nextRunMs = m_context.clockMs() + kStoreRetryMs;
        return Step::Later;
    }
    m_attempts = 0;
    cursor = page.more ? next : (m_settings.atEnd == PollSettings::AtEnd::Restart
                                     ? m_settings.initialCursor
                                     : next);
    return page.more ? Step::NextPage : Step::RoundDone;
}

void PollTrigger::readCursor(const json::Value &body, Page &page) const
{
    if (!m_settings.nextCursorPointer.isEmpty()) {
        page.nextCursor = scalarText(resolvePointer(body, m_settings.nextCursorPointer));
    }
    if (!m_settings.hasMorePointer.isEmpty()) {
        const json::Value *more = resolvePointer(body, m_settings.hasMorePointer);
        page.more = more && more->toBool() && !page.nextCursor.isEmpty();
    } else {
        page.more = !page.nextCursor.isEmpty();
    }
}

std::optional<net::HttpOutcome> PollTrigger::call(const QString &cursor,
                                                  const std::atomic<bool> &stop)
{
    net::HttpRequest request;
    request.method = "GET";
    request.url = m_system.baseUrl + m_settings.path;
    if (m_settings.paging) {
        request.url = m_settings.paging->pageUrl(m_system.baseUrl, m_settings.path, cursor);
    } else if (!cursor.isEmpty() && !m_settings.cursorParam.isEmpty()) {
        request.url += (m_settings.path.contains(u'?') ? u'&' : u'?')
                       + QString::fromLatin1(QUrl::toPercentEncoding(m_settings.cursorParam))
                       + u'=' + QString::fromLatin1(QUrl::toPercentEncoding(cursor));
    }
    Result<net::HttpHeaders> auth = m_system.authorization(m_client);
    if (!auth) {
        return net::HttpOutcome{auth.error(), false};
    }
    request.headers = *auth + m_settings.headers;
    request.headers.append(qMakePair(QByteArray("Accept"), QByteArray("application/json")));
    request.totalTimeoutMs = m_settings.timeoutMs > 0 ? m_settings.timeoutMs : m_system.timeoutMs;
    request.maxResponseBytes = m_settings.maxResponseBytes;
    std::future<net::HttpOutcome> pending = m_client.send(request);
    while (pending.wait_for(std::chrono::milliseconds(kStopCheckMs))
           != std::future_status::ready) {
        if (stop) {
            return std::nullopt;
        }
    }
    net::HttpOutcome outcome = pending.get();
    if (outcome.response && outcome.response->status == 401) {
        m_system.rejected(request.headers); // an OAuth token is fetched anew next round
    }
    return outcome;
}

Result<void> PollTrigger::commitPage(const Page &page, const QString &oldCursor,
                                     const QString &newCursor)
{
    const QString scope = m_target.stateScope(QStringLiteral("poll"));
    const QString key = QLatin1String(kCursorKey);
    const store::StateWrite advance = newCursor.isEmpty()
                                          ? store::StateWrite{scope, key, std::nullopt, 0}
                                          : store::StateWrite{scope, key, newCursor.toUtf8(), 0};
    const bool moved = newCursor != oldCursor;

    const auto request = [this](const Page::Item &item) {
        store::IngestRequest r;
        r.deliveryId = item.id;
        r.message.businessKey = item.businessKey;
        r.message.headers = R"({"trigger":"poll"})";
        r.message.payload = item.payload;
        r.source = m_target.source();
        r.firstNodes = m_target.firstNodes;
        r.message.flowId = m_target.flowId;
        r.message.flowVersion = m_target.flowVersion;
        return r;
    };
    // Every item but the last in one group commit; the last carries the cursor, so the cursor
    // never moves past an item that is not committed.
    std::vector<std::future<Result<store::IngestResult>>> earlier;
    for (qsizetype i = 0; i + 1 < page.items.size(); ++i) {
        auto promise = std::make_shared<std::promise<Result<store::IngestResult>>>();
        earlier.push_back(promise->get_future());
        m_context.store->ingestAsync(request(page.items[i]),
                                     [promise](Result<store::IngestResult> r) {
                                         promise->set_value(std::move(r));
                                     });
    }
    qint64 added = 0;
    qint64 repeated = 0;
    for (auto &future : earlier) {
        Result<store::IngestResult> stored = future.get();
        if (!stored) {
            return stored.error();
        }
        ++(stored->duplicate ? repeated : added);
    }
    bool cursorWritten = !moved;
    if (!page.items.isEmpty()) {
        store::IngestRequest last = request(page.items.last());
        if (moved) {
            last.stateWrites = {advance};
        }
        Result<store::IngestResult> stored = m_context.store->ingest(last);
        if (!stored) {
            return stored.error();
        }
        ++(stored->duplicate ? repeated : added);
        // A duplicate commits nothing, its state writes included.
        cursorWritten = cursorWritten || !stored->duplicate;
    }
    if (!cursorWritten) {
        if (Result<void> written = m_context.store->writeState({advance}); !written) {
            return written;
        }
    }
    updateStatus([added, repeated](TriggerStatus &s) {
        s.messages += added;
        s.duplicates += repeated;
    });
    if (added > 0 && m_context.onStored) {
        m_context.onStored(m_target.flowId, m_target.flowVersion, m_target.firstNodes);
    }
    return {};
}

qint64 PollTrigger::retryOrGiveUp(const QString &error, std::optional<qint64> retryAfterMs)
{
    const qint64 now = m_context.clockMs();
    if (m_attempts == 0) {
        m_firstFailureMs = now;
    }
    ++m_attempts;
    recordFailure(error);
    const std::optional<qint64> delay = m_retry.nextDelayMs(
        m_attempts, now - m_firstFailureMs, retryAfterMs, QRandomGenerator::global()->generateDouble());
    if (delay) {
        return now + *delay;
    }
    m_attempts = 0;
    // Spent: wait for the next round, but never sooner than the system asked.
    return now + std::max(m_settings.intervalMs, retryAfterMs.value_or(0));
}

qint64 PollTrigger::failRound(const QString &error)
{
    m_attempts = 0;
    recordFailure(error);
    return m_context.clockMs() + m_settings.intervalMs;
}

bool PollTrigger::waitForToken(const std::atomic<bool> &stop)
{
    if (!m_system.limiter) {
        return true;
    }
    for (qint64 wait = m_system.limiter->tryAcquire(m_context.clockMs()); wait > 0;
         wait = m_system.limiter->tryAcquire(m_context.clockMs())) {
        if (stop) {
            return false;
        }
        QThread::msleep(std::min<qint64>(wait, kStopCheckMs));
    }
    return true;
}

} // namespace syncline::engine::runtime
