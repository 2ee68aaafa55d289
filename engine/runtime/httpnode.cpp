#include "engine/runtime/httpnode.h"

#include "engine/core/timeorderedid.h"
#include "engine/json/intake.h"
#include "engine/runtime/jsonpointer.h"
#include "engine/runtime/outcome.h"
#include "engine/runtime/repairkey.h"
#include "engine/runtime/nodesupport.h"

#include <QCryptographicHash>
#include <QThread>
#include <QUrl>

#include <condition_variable>
#include <mutex>

namespace syncline::engine::runtime {

namespace {

// "/invoices/{/data/number}" with the payload's values, each percent-encoded.
Result<QString> expandPath(const QString &path, const json::Value &payload)
{
    QString out;
    qsizetype at = 0;
    while (at < path.size()) {
        const qsizetype open = path.indexOf(u'{', at);
        if (open < 0) {
            out += path.mid(at);
            break;
        }
        const qsizetype close = path.indexOf(u'}', open);
        if (close < 0) {
            return Error::make(QStringLiteral("PATH_TEMPLATE"),
                               QStringLiteral("\"%1\" has a { without }").arg(path));
        }
        out += path.mid(at, open - at);
        const QString pointer = path.mid(open + 1, close - open - 1);
        const QString value = scalarText(resolvePointer(payload, pointer));
        if (value.isEmpty()) {
            return Error::make(QStringLiteral("PATH_VALUE_MISSING"),
                               QStringLiteral("the message has no value at %1 for the URL %2")
                                   .arg(pointer, path));
        }
        out += QString::fromLatin1(QUrl::toPercentEncoding(value));
        at = close + 1;
    }
    return out;
}

QString excerpt(const QByteArray &body)
{
    constexpr qsizetype kMax = 2048;
    return QString::fromUtf8(body.left(kMax)) + (body.size() > kMax ? QStringLiteral("…")
                                                                     : QString());
}

} // namespace

// The outcomes of one wave of calls. The client's thread hands each one over; the worker sleeps
// once for the whole wave instead of being woken by every call that ends.
class HttpNode::Wave
{
public:
    struct Call
    {
        net::HttpHeaders sent; // what went out, so that an answer echoing it can be redacted
        std::optional<net::HttpOutcome> outcome;
    };

    explicit Wave(int calls)
        : m_calls(size_t(calls))
        , m_waiting(calls)
    {}

    /// Where the call at `at` reports to, once its headers are noted.
    net::HttpClient::Done sending(int at, net::HttpHeaders sent)
    {
        m_calls[size_t(at)].sent = std::move(sent);
        return [this, at](net::HttpOutcome outcome) {
            std::lock_guard lock(m_mutex);
            m_calls[size_t(at)].outcome = std::move(outcome);
            // Under the lock: the worker cannot leave wait() and end this wave before it is out.
            if (--m_waiting == 0) {
                m_ended.notify_one();
            }
        };
    }

    /// A call of the wave that was not sent.
    void skip()
    {
        std::lock_guard lock(m_mutex);
        --m_waiting;
    }

    const std::vector<Call> &wait()
    {
        std::unique_lock lock(m_mutex);
        m_ended.wait(lock, [this] { return m_waiting == 0; });
        return m_calls;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ended;
    std::vector<Call> m_calls;
    int m_waiting;
};

NodeOutcome HttpNode::refused(const net::HttpResponse &response, const net::HttpHeaders &sent,
                              const QString &url, const plugin::AnswerVerdict *verdict) const
{
    // A target may echo what it was sent, credentials included: those never reach the exception.
    const QByteArray body = m_target.redact(QString::fromUtf8(response.body), sent).toUtf8();
    NodeOutcome outcome = NodeOutcome::fail(QStringLiteral("HTTP_4XX"),
                                            QStringLiteral("%1 refused the request with %2: %3")
                                                .arg(m_target.id)
                                                .arg(response.status)
                                                .arg(excerpt(body)));
    if (verdict) {
        const QString said = m_target.redact(verdict->vendorMessage, sent);
        outcome.errorCode = verdict->reasonCode;
        if (verdict->reasonCode == QLatin1String("NOT_AUTHORIZED")) {
            // Credentials are the admin's to fix, not the data's.
            outcome.category = store::ExceptionCategory::Technical;
        }
        outcome.errorDetail = QStringLiteral("%1 refused the %2 of a %3 with %4: %5")
                                  .arg(m_target.id, m_settings.operation, m_settings.object)
                                  .arg(response.status)
                                  .arg(said.isEmpty() ? excerpt(body) : said);
    }
    // The target's own error as it sent it: JSON when it is JSON, else the text.
    nlohmann::json answer = nlohmann::json::parse(body.constData(), body.constData() + body.size(),
                                                  nullptr, false);
    if (answer.is_discarded()) {
        answer = excerpt(body).toStdString();
    }
    outcome.errorFacts = QByteArray::fromStdString(
        nlohmann::json({{"system", m_target.id.toStdString()},
                        {"method", m_settings.method.toStdString()},
                        {"url", url.toStdString()},
                        {"status", response.status},
                        {"targetError", answer}})
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (verdict) {
        nlohmann::json facts = nlohmann::json::parse(outcome.errorFacts.toStdString());
        facts["connector"] = m_connector.connectorId.toStdString();
        facts["operation"] = m_settings.operation.toStdString();
        facts["object"] = m_settings.object.toStdString();
        facts["vendorCode"] = verdict->vendorCode.toStdString();
        facts["vendorMessage"] = m_target.redact(verdict->vendorMessage, sent).toStdString();
        outcome.errorFacts = QByteArray::fromStdString(
            facts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return outcome;
}

Result<HttpNodeSettings> HttpNodeSettings::fromJson(const nlohmann::json &settings)
{
    HttpNodeSettings s;
    s.system = settingText(settings, "system");
    if (s.system.isEmpty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/system: an HTTP node names the system it calls"));
    }
    const QString method = settingText(settings, "method").toUpper();
    if (!method.isEmpty()) {
        static const QStringList methods = {QStringLiteral("GET"), QStringLiteral("POST"),
                                            QStringLiteral("PUT"), QStringLiteral("PATCH"),
                                            QStringLiteral("DELETE")};
        if (!methods.contains(method)) {
            return Error::make(QStringLiteral("SETTINGS_INVALID"),
                               QStringLiteral("settings/method: \"%1\" is not one of %2")
                                   .arg(method, methods.join(QStringLiteral(", "))));
        }
        s.method = method.toLatin1();
    }
    s.path = settingText(settings, "path");
    s.operation = settingText(settings, "operation");
    s.object = settingText(settings, "object");
    s.externalIdPointer = settingText(settings, "externalId");
    if (!s.operation.isEmpty() && s.object.isEmpty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/object: an operation names the object it "
                                          "acts on"));
    }
    if (s.operation.isEmpty() && s.path.isEmpty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/path: an HTTP node without an operation "
                                          "names its path"));
    }
    s.businessKeyPointer = settingText(settings, "businessKey");
    if (const auto h = settings.find("headers"); h != settings.end() && h->is_object()) {
        for (auto it = h->begin(); it != h->end(); ++it) {
            if (it->is_string()) {
                s.headers.append({QByteArray::fromStdString(it.key()),
                                  QByteArray::fromStdString(it->get<std::string>())});
            }
        }
    }
    if (const auto ids = settings.find("externalIds"); ids != settings.end() && ids->is_object()) {
        for (auto it = ids->begin(); it != ids->end(); ++it) {
            if (it->is_string()) {
                s.externalIds.insert(QString::fromStdString(it.key()),
                                     QString::fromStdString(it->get<std::string>()));
            }
        }
    }
    if (const auto map = settings.find("idMap"); map != settings.end() && map->is_object()) {
        s.idMap = IdMap{settingText(*map, "name"), settingText(*map, "key"),
                        settingText(*map, "externalId")};
        // With an operation the connector names the ids its answers carry (checked at build).
        const bool named = !s.operation.isEmpty() || s.externalIds.contains(s.idMap->externalId);
        if (s.idMap->name.isEmpty() || s.idMap->externalId.isEmpty() || !named) {
            return Error::make(QStringLiteral("SETTINGS_INVALID"),
                               QStringLiteral("settings/idMap: needs a name and an externalId "
                                              "that settings/externalIds defines"));
        }
    }
    s.into = settingText(settings, "into");
    if (!s.into.isEmpty() && s.externalIds.isEmpty() && s.operation.isEmpty()) {
        return Error::make(QStringLiteral("SETTINGS_INVALID"),
                           QStringLiteral("settings/into: carries the external ids into the "
                                          "message, so settings/externalIds must name some"));
    }
    if (const auto t = settings.find("timeoutMs"); t != settings.end() && t->is_number_integer()) {
        s.timeoutMs = t->get<int>();
    }
    if (const auto t = settings.find("connectTimeoutMs");
        t != settings.end() && t->is_number_integer()) {
        s.connectTimeoutMs = t->get<int>();
    }
    if (const auto m = settings.find("maxResponseBytes");
        m != settings.end() && m->is_number_integer()) {
        s.maxResponseBytes = m->get<qint64>();
    }
    return s;
}

HttpNode::HttpNode(const PlannedNode &node, HttpNodeSettings settings, SystemTarget target,
                   store::MessageStore &store, net::HttpClient &client,
                   std::function<qint64()> clockMs, ConnectorUse connector)
    : m_node(node)
    , m_settings(std::move(settings))
    , m_target(std::move(target))
    , m_store(store)
    , m_client(client)
    , m_clockMs(std::move(clockMs))
    , m_connector(std::move(connector))
    , m_calls(std::make_unique<CallGate>(node.concurrency))
{}

QString HttpNode::idempotencyKey(const QString &correlationId, const QString &flowId,
                                 const QString &nodeId, const QString &businessKey,
                                 const QString &orderedAfter)
{
    const QByteArray material = (correlationId + u'\n' + flowId + u'\n' + nodeId + u'\n'
                                 + businessKey)
                                    .toUtf8();
    const QByteArray digest = QCryptographicHash::hash(material, QCryptographicHash::Sha256)
                                  .toHex();
    const QStringView stamp = QStringView(correlationId).left(kTimeOrderedPrefixLength);
    if (orderedAfter.isEmpty() || !isTimeOrderedId(correlationId) || stamp <= orderedAfter) {
        return QStringLiteral("syn-") + QString::fromLatin1(digest.left(40));
    }
    // "syn-" + the 12 hex digits of the millisecond + "-" + 128 bits of the digest.
    QString key = QStringLiteral("syn-");
    key.append(stamp.left(8)).append(stamp.mid(9)).append(u'-');
    return key.append(QLatin1String(digest.left(32)));
}

std::variant<NodeOutcome, HttpNode::Prepared> HttpNode::prepare(const store::WorkItem &item) const
{
    const json::IntakeResult payload = json::JsonIntake::parse(item.message.payload);
    if (!payload.ok()) {
        return NodeOutcome::fail(payload.refusal().code(), payload.refusal().describe());
    }
    QString businessKey = item.message.businessKey;
    if (!m_settings.businessKeyPointer.isEmpty()) {
        businessKey = scalarText(resolvePointer(payload.value(), m_settings.businessKeyPointer));
    }
    const Result<QString> path = expandPath(m_settings.path, payload.value());
    if (!path) {
        return NodeOutcome::fail(path.error().code, path.error().message);
    }
    Prepared call;
    call.url = m_target.baseUrl + *path;
    // The body is built before the intent is committed: a mapping that fails is the message's
    // business failure, never a call that may have happened.
    call.body = item.message.payload;
    if (m_body) {
        Result<json::Value> mapped = m_body->apply(payload.value());
        if (!mapped) {
            return NodeOutcome::fail(mapped.error().code, mapped.error().message);
        }
        call.body = toBytes(*mapped);
    }
    const Result<QString> chosen = effectKeyFor(
        m_store,
        idempotencyKey(item.message.correlationId, item.message.flowId, item.nodeId, businessKey,
                       m_store.orderedEffectKeysAfter()),
        item.message);
    if (!chosen) {
        return NodeOutcome::retry(chosen.error().code, chosen.error().message);
    }
    const QString &key = *chosen;
    call.key = key.toLatin1();
    call.intent = {key,
                   item.message.messageId,
                   item.message.correlationId,
                   item.message.flowId,
                   item.nodeId,
                   businessKey,
                   m_target.id,
                   QString::fromLatin1(m_settings.method),
                   call.url};
    if (m_settings.idMap) {
        call.learnFrom = scalarText(resolvePointer(payload.value(), m_settings.idMap->keyPointer));
    }
    return call;
}

std::optional<NodeOutcome> HttpNode::fromLedger(const store::WorkItem &item, const Prepared &call,
                                                const store::EffectRecord &effect) const
{
    if (std::optional<NodeOutcome> collision = effectKeyCollision(m_store, effect, item.message,
                                                                  item.nodeId)) {
        return collision;
    }
    switch (effect.state) {
    case store::EffectState::Succeeded:
        // Done before (a retry or a replay): never again; the ledger has what it returned.
        return succeeded(item, call.learnFrom, effect.externalIds);
    case store::EffectState::Uncertain:
        return NodeOutcome::fail(QStringLiteral("UNCERTAIN"),
                                 QStringLiteral("an earlier call to %1 may have taken effect; a "
                                                "person must decide")
                                     .arg(m_target.id));
    case store::EffectState::Pending:
        if (effect.attempts > 1 && !m_target.idempotencySupported) {
            // An earlier run began this call and never recorded how it ended (it stopped or
            // crashed meanwhile): the call may have taken effect, and the target cannot tell.
            return NodeOutcome::fail(QStringLiteral("UNCERTAIN"),
                                     QStringLiteral("the engine stopped while calling %1; the "
                                                    "call may have taken effect and %1 declares "
                                                    "no idempotency support, so a person must "
                                                    "decide")
                                         .arg(m_target.id))
                .withEffect({call.intent.idempotencyKey, store::EffectState::Uncertain, 0, {},
                             QStringLiteral("the engine stopped during the call")});
        }
        return std::nullopt;
    case store::EffectState::Failed:
        return std::nullopt;
    }
    return std::nullopt;
}

NodeOutcome HttpNode::run(const store::WorkItem &item)
{
    return runBatch({item}).constFirst();
}

QList<NodeOutcome> HttpNode::runBatch(const QList<store::WorkItem> &items)
{
    QList<NodeOutcome> outcomes(items.size());
    QList<qsizetype> calling; // indexes of the items that go to the ledger
    QList<Prepared> calls;
    for (qsizetype i = 0; i < items.size(); ++i) {
        std::variant<NodeOutcome, Prepared> prepared = prepare(items[i]);
        if (auto *refused = std::get_if<NodeOutcome>(&prepared)) {
            outcomes[i] = std::move(*refused);
            continue;
        }
        calling.append(i);
        calls.append(std::get<Prepared>(std::move(prepared)));
    }
    if (calls.isEmpty()) {
        return outcomes;
    }
    QList<store::EffectIntent> intents;
    intents.reserve(calls.size());
    for (const Prepared &call : calls) {
        intents.append(call.intent);
    }
    // Every intent is committed before any of the calls is sent.
    const Result<QList<store::EffectRecord>> effects = m_store.beginEffects(intents);
    if (!effects) {
        for (qsizetype i : calling) {
            outcomes[i] = NodeOutcome::retry(effects.error().code, effects.error().message);
        }
        return outcomes;
    }
    QList<qsizetype> sending; // indexes into calls
    for (qsizetype c = 0; c < calls.size(); ++c) {
        if (std::optional<NodeOutcome> known = fromLedger(items[calling[c]], calls[c],
                                                          effects->at(c))) {
            outcomes[calling[c]] = std::move(*known);
        } else {
            sending.append(c);
        }
    }
    // In waves of the calls free at the node: usually one, all of them in flight together.
    for (qsizetype first = 0; first < sending.size();) {
        const int wave = m_calls->take(int(sending.size() - first));
        Wave inFlight(wave);
        for (int w = 0; w < wave; ++w) {
            const qsizetype c = sending[first + w];
            if (std::optional<NodeOutcome> notSent = start(items[calling[c]], calls[c], inFlight,
                                                           w)) {
                outcomes[calling[c]] = std::move(*notSent);
                inFlight.skip();
            }
        }
        const std::vector<Wave::Call> &ended = inFlight.wait();
        for (int w = 0; w < wave; ++w) {
            const qsizetype c = sending[first + w];
            if (const Wave::Call &call = ended[size_t(w)]; call.outcome) {
                outcomes[calling[c]] = finish(items[calling[c]], calls[c], call.sent,
                                              *call.outcome);
            }
        }
        m_calls->give(wave);
        first += wave;
    }
    return outcomes;
}

NodeOutcome HttpNode::succeeded(const store::WorkItem &item, const QString &learnFrom,
                                const QByteArray &externalIds) const
{
    const nlohmann::json ids = nlohmann::json::parse(externalIds.toStdString(), nullptr, false);
    QList<store::StateWrite> learned;
    if (m_settings.idMap && !learnFrom.isEmpty()) {
        const std::string name = m_settings.idMap->externalId.toStdString();
        if (ids.is_object() && ids.contains(name) && ids[name].is_string()) {
            learned.append({QStringLiteral("idmap/%1").arg(m_settings.idMap->name), learnFrom,
                            QByteArray::fromStdString(ids[name].get<std::string>()), 0});
        }
    }
    NodeOutcome done = NodeOutcome::next();
    if (!m_settings.into.isEmpty()) {
        json::ObjectBuilder found;
        if (ids.is_object()) {
            for (auto it = ids.begin(); it != ids.end(); ++it) {
                if (it->is_string()) {
                    found.set(it.key(),
                              json::Value::string(QString::fromStdString(it->get<std::string>())));
                } else if (it->is_array() || it->is_object()) {
                    const json::IntakeResult value = json::JsonIntake::parse(
                        QByteArray::fromStdString(it->dump()));
                    if (value.ok()) {
                        found.set(it.key(), value.value());
                    }
                }
            }
        }
        const json::IntakeResult payload = json::JsonIntake::parse(item.message.payload);
        Result<json::Value> updated = payload.ok()
                                          ? setField(payload.value(), m_settings.into, found.build())
                                          : Result<json::Value>(Error::make(
                                                payload.refusal().code(),
                                                payload.refusal().describe()));
        if (!updated) {
            done = NodeOutcome::fail(updated.error().code, updated.error().message);
        } else {
            done = NodeOutcome::produce({{QString(), childOf(item.message, *updated)}});
        }
    }
    done.stateWrites = std::move(learned);
    return done;
}

std::optional<NodeOutcome> HttpNode::start(const store::WorkItem &item, const Prepared &call,
                                           Wave &wave, int slot)
{
    const qint64 now = m_clockMs();
    if (!m_target.breaker->allow(now)) {
        // Nothing is sent: the intent ends as a failed attempt, else the next run would take it
        // for a call that may have taken effect (Uncertain on a target without idempotency).
        return NodeOutcome::defer(QStringLiteral("CIRCUIT_OPEN"),
                                  QStringLiteral("calls to %1 are paused after repeated failures")
                                      .arg(m_target.id),
                                  std::max<qint64>(100, m_target.breaker->waitMs(now)))
            .withEffect({QString::fromLatin1(call.key), store::EffectState::Failed, 0, {},
                         QStringLiteral("not sent: the circuit was open")});
    }
    if (m_target.limiter) {
        // Waiting here is the back pressure: the node takes no more work meanwhile.
        for (qint64 wait = m_target.limiter->tryAcquire(m_clockMs()); wait > 0;
             wait = m_target.limiter->tryAcquire(m_clockMs())) {
            QThread::msleep(std::min<qint64>(wait, 1000));
        }
    }

    Result<net::HttpHeaders> auth = m_target.authorization(m_client);
    if (!auth) { // nothing was sent: a technical failure the retry policy handles
        return NodeOutcome::retry(auth.error().code, auth.error().message)
            .withEffect({QString::fromLatin1(call.key), store::EffectState::Failed, 0, {},
                         auth.error().message});
    }
    net::HttpRequest request;
    request.method = m_settings.method;
    request.url = call.url;
    request.headers = *auth + m_settings.headers;
    request.headers.append({"X-Correlation-ID", item.message.correlationId.toUtf8()});
    if (m_settings.method != "GET" && m_settings.method != "DELETE") {
        request.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        request.body = call.body;
    }
    if (m_settings.method == "POST" || m_settings.method == "PUT"
        || m_settings.method == "PATCH") {
        request.headers.append({m_target.idempotencyHeader, call.key});
        // A target that cannot recognise a repeat must never get one the client made by itself.
        request.freshConnection = !m_target.idempotencySupported;
    }
    request.totalTimeoutMs = m_settings.timeoutMs > 0 ? m_settings.timeoutMs : m_target.timeoutMs;
    if (m_settings.connectTimeoutMs > 0) {
        request.connectTimeoutMs = m_settings.connectTimeoutMs;
    }
    request.maxResponseBytes = m_settings.maxResponseBytes;
    net::HttpClient::Done done = wave.sending(slot, request.headers);
    m_client.send(std::move(request), std::move(done));
    return std::nullopt;
}

NodeOutcome HttpNode::finish(const store::WorkItem &item, const Prepared &call,
                             const net::HttpHeaders &sent, const net::HttpOutcome &outcome)
{
    const QString &url = call.url;
    const QString &learnFrom = call.learnFrom;

    store::EffectOutcome finished{QString::fromLatin1(call.key), store::EffectState::Failed, 0,
                                  {}, {}};
    if (!outcome.response) {
        const Error &error = outcome.response.error();
        m_target.breaker->recordFailure(m_clockMs());
        if (outcome.requestSent && !m_target.idempotencySupported) {
            finished.state = store::EffectState::Uncertain;
            finished.detail = error.message;
            return NodeOutcome::fail(QStringLiteral("UNCERTAIN"),
                                     QStringLiteral("%1 took the request but did not answer (%2); "
                                                    "it declares no idempotency support, so "
                                                    "calling again could post twice")
                                         .arg(m_target.id, error.message))
                .withEffect(finished);
        }
        finished.detail = error.message;
        return NodeOutcome::retry(error.code, error.message)
            .withEffect(finished);
    }

    const net::HttpResponse &response = *outcome.response;
    finished.httpStatus = response.status;
    if (response.status == 401 && m_target.rejected(sent)) {
        // An expired or revoked OAuth token, not a business refusal: a new token, a new try.
        finished.detail = QStringLiteral("%1 refused the access token").arg(m_target.id);
        return NodeOutcome::retry(QStringLiteral("AUTH_REJECTED"), finished.detail)
            .withEffect(finished);
    }
    if (m_connector.connector) {
        return classified(item, response, sent, url, finished, learnFrom);
    }
    switch (classifyHttpStatus(response.status)) {
    case CallVerdict::Ok: {
        m_target.breaker->recordSuccess();
        finished.state = store::EffectState::Succeeded;
        if (!m_settings.externalIds.isEmpty()) {
            finished.externalIds = externalIdsOf(response.body, {});
        }
        NodeOutcome done = succeeded(item, learnFrom, finished.externalIds);
        done.effect = finished;
        return done;
    }
    case CallVerdict::Retry: {
        if (response.status >= 500 || response.status == 429) {
            m_target.breaker->recordFailure(m_clockMs());
        }
        finished.detail = m_target.redact(excerpt(response.body), sent);
        const auto retryAfter = parseRetryAfter(response.header("retry-after"), m_clockMs());
        return NodeOutcome::retry(QStringLiteral("HTTP_%1").arg(response.status),
                                  QStringLiteral("%1 answered %2: %3")
                                      .arg(m_target.id)
                                      .arg(response.status)
                                      .arg(finished.detail),
                                  retryAfter)
            .withEffect(finished);
    }
    case CallVerdict::Fail:
        m_target.breaker->recordSuccess(); // the system works; the request is what is wrong
        finished.detail = m_target.redact(excerpt(response.body), sent);
        return refused(response, sent, url).withEffect(finished);
    }
    return NodeOutcome::fail(QStringLiteral("HTTP_4XX"), QStringLiteral("unexpected status"));
}

QByteArray HttpNode::externalIdsOf(const QByteArray &body,
                                   const QMap<QString, QString> &fromConnector) const
{
    nlohmann::json ids = nlohmann::json::object();
    for (auto it = fromConnector.cbegin(); it != fromConnector.cend(); ++it) {
        ids[it.key().toStdString()] = it.value().toStdString();
    }
    const json::IntakeResult parsed = json::JsonIntake::parse(body);
    if (parsed.ok()) {
        for (auto it = m_settings.externalIds.cbegin(); it != m_settings.externalIds.cend(); ++it) {
            const json::Value *found = resolvePointer(parsed.value(), it.value());
            if (found && (found->isArray() || found->isObject())) {
                // A list the message needs as it is (e.g. the prices a search found); the
                // lineage indexes only the scalar ids.
                ids[it.key().toStdString()] = nlohmann::json::parse(toBytes(*found).toStdString(),
                                                                    nullptr, false);
                continue;
            }
            const QString value = scalarText(found);
            if (!value.isEmpty()) {
                ids[it.key().toStdString()] = value.toStdString();
            }
        }
    }
    return QByteArray::fromStdString(ids.dump());
}

NodeOutcome HttpNode::classified(const store::WorkItem &item, const net::HttpResponse &response,
                                 const net::HttpHeaders &sent, const QString &url,
                                 store::EffectOutcome finished, const QString &learnFrom)
{
    plugin::ConnectorAnswer answer;
    answer.object = m_settings.object;
    answer.operation = m_settings.operation;
    answer.status = response.status;
    answer.headers = response.headers;
    answer.body = response.body;
    const plugin::AnswerVerdict verdict = m_connector.connector->classify(answer);
    switch (verdict.kind) {
    case plugin::AnswerVerdict::Kind::Success: {
        m_target.breaker->recordSuccess();
        finished.state = store::EffectState::Succeeded;
        finished.externalIds = externalIdsOf(response.body, verdict.externalIds);
        NodeOutcome done = succeeded(item, learnFrom, finished.externalIds);
        done.effect = finished;
        return done;
    }
    case plugin::AnswerVerdict::Kind::Retry: {
        if (response.status >= 500 || response.status == 429) {
            m_target.breaker->recordFailure(m_clockMs());
        }
        finished.detail = m_target.redact(verdict.vendorMessage.isEmpty() ? excerpt(response.body)
                                                                          : verdict.vendorMessage,
                                          sent);
        const std::optional<qint64> retryAfter =
            verdict.retryAfterMs ? verdict.retryAfterMs
                                 : parseRetryAfter(response.header("retry-after"), m_clockMs());
        return NodeOutcome::retry(verdict.reasonCode,
                                  QStringLiteral("%1 answered %2 (%3): %4")
                                      .arg(m_target.id)
                                      .arg(response.status)
                                      .arg(verdict.reasonCode, finished.detail),
                                  retryAfter)
            .withEffect(finished);
    }
    case plugin::AnswerVerdict::Kind::Business:
        m_target.breaker->recordSuccess(); // the system works; the request is what is wrong
        finished.detail = m_target.redact(excerpt(response.body), sent);
        return refused(response, sent, url, &verdict).withEffect(finished);
    }
    return refused(response, sent, url, &verdict).withEffect(finished);
}

} // namespace syncline::engine::runtime
