#include "engine/runtime/manualintake.h"

#include "engine/runtime/jsonpointer.h"
#include "engine/runtime/orderingkey.h"

namespace syncline::engine::runtime {

namespace {

net::ServerResponse problem(int status, const char *code, const QString &title,
                            const QString &detail, const QByteArray &extra = {})
{
    QByteArray fields = extra.isEmpty() ? QByteArray("{") : extra.chopped(1) + ',';
    fields += "\"code\":\"" + QByteArray(code) + "\"}";
    return net::ServerResponse::problem(status,
                                        QStringLiteral("urn:syncline:problem:%1")
                                            .arg(QString::fromLatin1(code).toLower()),
                                        title, detail, fields);
}

net::ServerResponse unavailable(const QString &detail, int retryAfterSeconds)
{
    net::ServerResponse response = problem(503, "BACK_PRESSURE", QStringLiteral("Try again later"),
                                           detail);
    response.headers.append(
        qMakePair(QByteArray("Retry-After"), QByteArray::number(retryAfterSeconds)));
    return response;
}

} // namespace

ManualIntake::ManualIntake(store::MessageStore &store, ManualIntakeOptions options)
    : m_store(store)
    , m_options(std::move(options))
{}

void ManualIntake::setTriggers(const QList<ManualTrigger> &triggers)
{
    QHash<QString, ManualTrigger> byKey;
    for (const ManualTrigger &t : triggers) {
        byKey.insert(t.flowId + u'/' + t.triggerId, t);
    }
    std::lock_guard lock(m_mutex);
    m_triggers.swap(byKey);
}

std::optional<ManualTrigger> ManualIntake::trigger(const QString &flowId,
                                                   const QString &triggerId) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_triggers.constFind(flowId + u'/' + triggerId);
    return found == m_triggers.cend() ? std::nullopt : std::optional(*found);
}

AdminRoute ManualIntake::route()
{
    return {"POST", "/api/v1/flows/{flow}/triggers/{trigger}/messages",
            security::Permission::RunManualTrigger,
            [this](const AdminCall &call, const net::Responder &respond) {
                handle(call.param("flow"), call.param("trigger"), call.request, respond);
            }};
}

void ManualIntake::handle(const QString &flowId, const QString &triggerId,
                          const net::ServerRequest &request, const net::Responder &respond)
{
    const std::optional<ManualTrigger> manual = trigger(flowId, triggerId);
    if (!manual) {
        respond(problem(404, "UNKNOWN_TRIGGER", QStringLiteral("Unknown trigger"),
                        QStringLiteral("no deployed flow %1 has a manual trigger %2")
                            .arg(flowId, triggerId)));
        return;
    }
    if (request.body.size() > manual->limits.maxBytes) {
        respond(problem(413, "SIZE_LIMIT", QStringLiteral("The body was not accepted"),
                        QStringLiteral("the payload has %1 bytes; this trigger takes at most %2")
                            .arg(request.body.size())
                            .arg(manual->limits.maxBytes)));
        return;
    }
    const json::IntakeResult body = json::JsonIntake::parse(request.body, manual->limits);
    if (!body.ok()) {
        const json::IntakeRefusal &why = body.refusal();
        QByteArray position = QStringLiteral(R"({"byteOffset":%1,"line":%2,"column":%3})")
                                  .arg(why.byteOffset)
                                  .arg(why.line)
                                  .arg(why.column)
                                  .toUtf8();
        respond(problem(why.reason == json::IntakeReason::SizeLimit ? 413 : 400,
                        why.code().toLatin1().constData(),
                        QStringLiteral("The body was not accepted"), why.describe(), position));
        return;
    }
    if (!m_store.acceptingWrites()) {
        respond(unavailable(QStringLiteral("the engine cannot store messages right now; nothing "
                                           "was accepted"),
                            m_options.retryAfterSeconds));
        return;
    }
    if (m_options.held) {
        if (const std::optional<QString> why = m_options.held(flowId, manual->flowVersion,
                                                              triggerId)) {
            respond(unavailable(QStringLiteral("flow %1 is not taking messages: %2; nothing was "
                                               "accepted")
                                    .arg(flowId, *why),
                                m_options.retryAfterSeconds));
            return;
        }
    }
    store::IngestRequest ingest;
    ingest.source = flowId + u'/' + triggerId;
    ingest.deliveryId = QString::fromUtf8(request.header("idempotency-key"));
    ingest.firstNodes = manual->firstNodes;
    ingest.message.flowId = flowId;
    ingest.message.flowVersion = manual->flowVersion;
    ingest.message.correlationId = QString::fromUtf8(request.header("x-correlation-id"));
    ingest.message.businessKey = scalarText(resolvePointer(body.value(),
                                                           manual->businessKeyPointer));
    ingest.message.orderingKey = orderingKeyOf(body.value(), manual->orderingKeyPointer);
    ingest.message.headers = R"({"trigger":"manual"})";
    ingest.message.payload = request.body;
    const int retryAfter = m_options.retryAfterSeconds;
    const QStringList waitsAt = arrivalNodes(m_options.prepare ? m_options.prepare(ingest, &body.value())
                                                               : arrivalsAtFirstNodes(ingest));
    m_store.ingestAsync(std::move(ingest), [this, respond, manual = *manual, retryAfter,
                                            waitsAt](Result<store::IngestResult> stored) {
        if (!stored) {
            respond(unavailable(QStringLiteral("the message could not be stored: %1; nothing "
                                               "was accepted")
                                    .arg(stored.error().message),
                                retryAfter));
            return;
        }
        const QByteArray ids = QStringLiteral(R"({"correlationId":"%1","messageId":"%2"})")
                                   .arg(stored->correlationId, stored->messageId)
                                   .toUtf8();
        if (stored->duplicate) {
            respond(net::ServerResponse::json(200, ids));
            return;
        }
        ++m_accepted;
        respond(net::ServerResponse::json(202, ids));
        if (m_options.onStored) {
            m_options.onStored(manual.flowId, manual.flowVersion, waitsAt);
        }
    });
}

} // namespace syncline::engine::runtime
