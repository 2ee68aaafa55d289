#include "engine/runtime/webhookingress.h"

#include "engine/runtime/jsonpointer.h"
#include "engine/runtime/orderingkey.h"

#include <QDateTime>

namespace syncline::engine::runtime {

namespace {

constexpr auto kHooksPrefix = "/hooks/";

QByteArray idsBody(const store::IngestResult &result)
{
    return QStringLiteral(R"({"correlationId":"%1","messageId":"%2"})")
        .arg(result.correlationId, result.messageId)
        .toUtf8();
}

// The flow's answer to a sender who waited for it, or the ids when it did not come in time.
net::ServerResponse answer(const std::optional<Reply> &reply, const QByteArray &ids,
                           const QString &correlationId)
{
    net::ServerResponse response = reply ? net::ServerResponse::json(reply->status, reply->body)
                                         : net::ServerResponse::json(202, ids);
    response.headers.append({"X-Correlation-ID", correlationId.toUtf8()});
    return response;
}

} // namespace

WebhookIngress::WebhookIngress(store::MessageStore &store, WebhookIngressOptions options)
    : m_store(store)
    , m_options(std::move(options))
{
    if (!m_options.clockSeconds) {
        m_options.clockSeconds = [] { return QDateTime::currentSecsSinceEpoch(); };
    }
}

void WebhookIngress::setTriggers(const QList<WebhookTrigger> &triggers)
{
    QHash<QString, WebhookTrigger> byPath;
    for (const WebhookTrigger &t : triggers) {
        byPath.insert(t.flowId + u'/' + t.triggerId, t);
    }
    std::lock_guard lock(m_mutex);
    m_triggers.swap(byPath);
}

std::optional<WebhookTrigger> WebhookIngress::trigger(const QString &flowId,
                                                      const QString &triggerId) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_triggers.constFind(flowId + u'/' + triggerId);
    if (found == m_triggers.cend()) {
        return std::nullopt;
    }
    return *found;
}

net::ServerResponse WebhookIngress::refuse(int status, const char *code, const QString &title,
                                           const QString &detail, const QByteArray &extra)
{
    ++m_refused;
    QByteArray fields = extra.isEmpty() ? QByteArray("{") : extra.chopped(1) + ',';
    fields += "\"code\":\"" + QByteArray(code) + "\"}";
    return net::ServerResponse::problem(status,
                                        QStringLiteral("urn:syncline:problem:%1")
                                            .arg(QString::fromLatin1(code).toLower()),
                                        title, detail, fields);
}

net::ServerResponse WebhookIngress::throttle(const QString &detail)
{
    ++m_throttled;
    net::ServerResponse response = net::ServerResponse::problem(
        503, QStringLiteral("urn:syncline:problem:back-pressure"),
        QStringLiteral("Try again later"), detail, R"({"code":"BACK_PRESSURE"})");
    response.headers.append(
        qMakePair(QByteArray("Retry-After"), QByteArray::number(m_options.retryAfterSeconds)));
    return response;
}

void WebhookIngress::handle(net::ServerRequest request, net::Responder respond)
{
    if (!request.path.startsWith(kHooksPrefix)) {
        respond(refuse(404, "NOT_FOUND", QStringLiteral("Not found"),
                       QStringLiteral("webhooks are taken at /hooks/<flow-id>/<trigger-id>")));
        return;
    }
    const QList<QByteArray> parts = request.path.mid(qsizetype(strlen(kHooksPrefix))).split('/');
    const std::optional<WebhookTrigger> hook =
        parts.size() == 2 ? trigger(QString::fromUtf8(parts[0]), QString::fromUtf8(parts[1]))
                          : std::nullopt;
    if (!hook) {
        respond(refuse(404, "UNKNOWN_TRIGGER", QStringLiteral("Unknown webhook"),
                       QStringLiteral("no deployed flow has a webhook trigger at %1")
                           .arg(QString::fromUtf8(request.path))));
        return;
    }
    if (request.method != "POST") {
        net::ServerResponse response = refuse(405, "METHOD_NOT_ALLOWED",
                                              QStringLiteral("Method not allowed"),
                                              QStringLiteral("webhooks are sent with POST"));
        response.headers.append(qMakePair(QByteArray("Allow"), QByteArray("POST")));
        respond(response);
        return;
    }
    if (hook->signature) {
        const Result<void> signature = net::verifySignature(*hook->signature,
                                                            request.header(hook->signatureHeader),
                                                            request.body, hook->secrets,
                                                            m_options.clockSeconds());
        if (!signature) {
            respond(refuse(401, signature.error().code.toLatin1().constData(),
                           QStringLiteral("Signature not accepted"), signature.error().message));
            return;
        }
    }
    const json::IntakeResult body = json::JsonIntake::parse(request.body, hook->limits);
    if (!body.ok()) {
        const json::IntakeRefusal &why = body.refusal();
        const int status = why.reason == json::IntakeReason::SizeLimit ? 413 : 400;
        QByteArray position = QStringLiteral(R"({"byteOffset":%1,"line":%2,"column":%3)")
                                  .arg(why.byteOffset)
                                  .arg(why.line)
                                  .arg(why.column)
                                  .toUtf8();
        if (why.pointer) {
            position += ",\"pointer\":\"" + why.pointer->toUtf8() + '"';
        }
        position += '}';
        respond(refuse(status, why.code().toLatin1().constData(),
                       QStringLiteral("The body was not accepted"), why.describe(), position));
        return;
    }
    if (!m_store.acceptingWrites()) {
        respond(throttle(QStringLiteral("the engine cannot store messages right now (disk full "
                                        "or failing); nothing was accepted")));
        return;
    }
    if (m_options.backPressure) {
        if (const std::optional<QString> held = m_options.backPressure->held(
                hook->flowId, hook->flowVersion, hook->triggerId)) {
            respond(throttle(QStringLiteral("flow %1 is not taking messages: %2; nothing was "
                                            "accepted")
                                 .arg(hook->flowId, *held)));
            return;
        }
    }

    store::IngestRequest ingest;
    ingest.source = hook->flowId + u'/' + hook->triggerId;
    if (!hook->deliveryIdHeader.isEmpty()) {
        ingest.deliveryId = QString::fromUtf8(request.header(hook->deliveryIdHeader));
    }
    if (ingest.deliveryId.isEmpty()) {
        ingest.deliveryId = scalarText(resolvePointer(body.value(), hook->deliveryIdPointer));
    }
    ingest.firstNodes = hook->firstNodes;
    ingest.message.flowId = hook->flowId;
    ingest.message.flowVersion = hook->flowVersion;
    ingest.message.correlationId = QString::fromUtf8(request.header("x-correlation-id"));
    if (ingest.message.correlationId.isEmpty()) {
        // W3C traceparent: version-traceid-parentid-flags; the trace id correlates.
        const QList<QByteArray> trace = request.header("traceparent").split('-');
        if (trace.size() == 4 && trace[1].size() == 32) {
            ingest.message.correlationId = QString::fromLatin1(trace[1]);
        }
    }
    ingest.message.businessKey = scalarText(resolvePointer(body.value(), hook->businessKeyPointer));
    ingest.message.orderingKey = orderingKeyOf(body.value(), hook->orderingKeyPointer);
    ingest.message.headers = QStringLiteral(R"({"content-type":"%1"})")
                                 .arg(QString::fromUtf8(request.header("content-type")))
                                 .toUtf8();
    ingest.message.payload = request.body;

    const QString flowId = hook->flowId;
    const int flowVersion = hook->flowVersion;
    const qint64 replyTimeoutMs = hook->replyTimeoutMs;
    const QList<Arrival> arrivals = m_options.prepare ? m_options.prepare(ingest, &body.value())
                                                      : arrivalsAtFirstNodes(ingest);
    m_store.ingestAsync(std::move(ingest), [this, respond, flowId, flowVersion, replyTimeoutMs,
                                            arrivals](Result<store::IngestResult> stored) {
        if (!stored) {
            respond(throttle(QStringLiteral("the message could not be stored: %1; nothing was "
                                            "accepted")
                                 .arg(stored.error().message)));
            return;
        }
        if (stored->duplicate) {
            ++m_duplicates;
            respond(net::ServerResponse::json(200, idsBody(*stored)));
            return;
        }
        ++m_accepted;
        if (m_options.backPressure) {
            for (const Arrival &arrival : arrivals) {
                m_options.backPressure->queued(flowId, arrival.nodeId, 1, arrival.bytes);
            }
        }
        if (replyTimeoutMs > 0 && m_options.replies) {
            // Registered before the executor hears of the message, so the answer cannot
            // overtake the waiter.
            m_options.replies->expect(stored->correlationId, replyTimeoutMs,
                                      [respond, ids = idsBody(*stored),
                                       correlationId = stored->correlationId](
                                          std::optional<Reply> reply) {
                                          respond(answer(reply, ids, correlationId));
                                      });
        } else {
            respond(net::ServerResponse::json(202, idsBody(*stored)));
        }
        if (m_options.onStored) {
            m_options.onStored(flowId, flowVersion, arrivalNodes(arrivals));
        }
    });
}

WebhookCounters WebhookIngress::counters() const
{
    return {m_accepted, m_duplicates, m_refused, m_throttled};
}

} // namespace syncline::engine::runtime
