#include "app/sandbox/control.h"

namespace syncline::sandbox {

using engine::net::ServerRequest;
using engine::net::ServerResponse;

namespace {

const QStringList kSystems = {QStringLiteral("crm"), QStringLiteral("billing"),
                              QStringLiteral("support"), QStringLiteral("erp"),
                              QStringLiteral("usage"), QStringLiteral("data")};

ServerResponse badRequest(const QString &detail)
{
    return ServerResponse::problem(400, QStringLiteral("urn:syncline:sandbox:bad-request"),
                                   QStringLiteral("Bad Request"), detail);
}

std::optional<Json> objectBody(const ServerRequest &request)
{
    std::optional<Json> body = parseBody(request.body);
    if (!body || !body->is_object()) {
        return std::nullopt;
    }
    return body;
}

QString queryText(const ServerRequest &request, QByteArrayView name)
{
    return QString::fromUtf8(request.queryValue(name));
}

} // namespace

ControlApi::ControlApi(Context context)
    : m_context(std::move(context))
{}

ServerResponse ControlApi::handle(const ServerRequest &request)
{
    const QByteArray path = request.path.mid(int(sizeof("/_sandbox") - 1));
    const QByteArray &method = request.method;
    if (path == "/health" && method == "GET") {
        return jsonResponse(200, {{"status", "ok"},
                                  {"port", m_context.port()},
                                  {"state", m_context.store.path().toStdString()},
                                  {"version", SYNCLINE_VERSION}});
    }
    if (path == "/ledger" && method == "GET") {
        return ledger(request);
    }
    if (path == "/faults" && method == "GET") {
        return jsonResponse(200, m_context.faults.describe());
    }
    if (path == "/faults" && method == "PUT") {
        return putFaults(request);
    }
    if (path == "/webhooks" && method == "GET") {
        return jsonResponse(200, {{"endpoints", m_context.webhooks.endpoints()},
                                  {"deliveries", m_context.webhooks.statistics()},
                                  {"pending", m_context.webhooks.pending()}});
    }
    if (path == "/webhooks" && method == "PUT") {
        return putWebhooks(request);
    }
    if (path == "/traffic" && method == "GET") {
        return jsonResponse(200, m_context.traffic.status());
    }
    if (path == "/traffic/start" && method == "POST") {
        return startTraffic(request);
    }
    if (path == "/traffic/stop" && method == "POST") {
        m_context.traffic.stop();
        return jsonResponse(200, m_context.traffic.status());
    }
    if (path == "/reset" && method == "POST") {
        if (const auto reset = m_context.reset(); !reset) {
            return ServerResponse::problem(500, QStringLiteral("urn:syncline:sandbox:reset"),
                                           QStringLiteral("Reset failed"),
                                           reset.error().message);
        }
        return jsonResponse(200, {{"reset", true}});
    }
    if (path == "/erp/periods" && method == "PUT") {
        return putPeriods(request);
    }
    return ServerResponse::problem(
        404, QStringLiteral("urn:syncline:sandbox:not-found"), QStringLiteral("Not Found"),
        QStringLiteral("no control endpoint %1 %2; see docs/sandbox.md (health, ledger, faults, "
                       "webhooks, traffic, traffic/start, traffic/stop, reset, erp/periods)")
            .arg(QString::fromLatin1(method), QString::fromUtf8(request.path)));
}

ServerResponse ControlApi::ledger(const ServerRequest &request)
{
    bool limitOk = true;
    const QByteArray limitText = request.queryValue("limit");
    const int limit = limitText.isEmpty() ? 1000 : limitText.toInt(&limitOk);
    if (!limitOk || limit < 0) {
        return badRequest(QStringLiteral("limit must be a non-negative integer"));
    }
    auto lock = m_context.store.lock();
    const std::map<QString, qint64> counts = m_context.store.documentCounts();
    Json systems = Json::object();
    for (const QString &system : kSystems) {
        const auto found = counts.find(system);
        systems[system.toStdString()] = {
            {"documents", found == counts.end() ? 0 : found->second},
            {"duplicatesCreated", m_context.store.counter(QStringLiteral("created:") + system)},
            {"duplicatesRefused", m_context.store.counter(QStringLiteral("refused:") + system)}};
    }
    Json documents = Json::array();
    const QList<Document> rows = m_context.store.ledger(queryText(request, "system"),
                                                        queryText(request, "type"),
                                                        queryText(request, "businessKey"),
                                                        queryText(request, "origin"), limit);
    const auto nullable = [](const QString &value) {
        return value.isEmpty() ? Json() : Json(value.toStdString());
    };
    for (const Document &document : rows) {
        documents.push_back({{"system", document.system.toStdString()},
                             {"type", document.type.toStdString()},
                             {"id", document.id.toStdString()},
                             {"idempotencyKey", nullable(document.idempotencyKey)},
                             {"businessKey", nullable(document.businessKey)},
                             {"duplicateOf", nullable(document.duplicateOf)},
                             {"origin", document.origin.toStdString()},
                             {"createdAt", isoTime(document.createdMs).toStdString()}});
    }
    return jsonResponse(200, {{"systems", systems}, {"documents", documents}});
}

ServerResponse ControlApi::putFaults(const ServerRequest &request)
{
    const std::optional<Json> body = objectBody(request);
    if (!body) {
        return badRequest(QStringLiteral("the body must be a JSON object {seed, rules, "
                                         "rateLimits}"));
    }
    Json config = *body;
    if (!config.contains("seed")) {
        config["seed"] = m_context.seed;
    }
    if (const auto configured = m_context.faults.configure(config); !configured) {
        return badRequest(configured.error().message);
    }
    {
        auto lock = m_context.store.lock();
        m_context.store.setSetting(QStringLiteral("faults"), m_context.faults.configuration());
    }
    return jsonResponse(200, m_context.faults.describe());
}

ServerResponse ControlApi::putWebhooks(const ServerRequest &request)
{
    const std::optional<Json> body = objectBody(request);
    if (!body || !body->value("endpoints", Json()).is_object()) {
        return badRequest(QStringLiteral("the body must be {\"endpoints\": {\"billing\": "
                                         "\"http://…\", …}}"));
    }
    for (const auto &[system, url] : (*body)["endpoints"].items()) {
        const QString name = QString::fromStdString(system);
        if (!QStringList{QStringLiteral("crm"), QStringLiteral("billing"),
                         QStringLiteral("support"), QStringLiteral("usage")}
                 .contains(name)) {
            return badRequest(QStringLiteral("no webhooks come from \"%1\"; the senders are crm, "
                                             "billing, support and usage")
                                  .arg(name));
        }
        if (!url.is_string() || !(url.get<std::string>().starts_with("http://")
                                  || url.get<std::string>().starts_with("https://"))) {
            return badRequest(QStringLiteral("endpoints.%1 must be an http(s) URL").arg(name));
        }
    }
    m_context.webhooks.setEndpoints((*body)["endpoints"]);
    {
        auto lock = m_context.store.lock();
        m_context.store.setSetting(QStringLiteral("webhooks"), (*body)["endpoints"]);
    }
    return jsonResponse(200, {{"endpoints", m_context.webhooks.endpoints()}});
}

ServerResponse ControlApi::startTraffic(const ServerRequest &request)
{
    const std::optional<Json> body = request.body.trimmed().isEmpty()
                                         ? std::optional<Json>(Json::object())
                                         : objectBody(request);
    if (!body) {
        return badRequest(QStringLiteral("the body must be a JSON object (see docs/sandbox.md, "
                                         "/_sandbox/traffic/start)"));
    }
    if (body->contains("targets")) {
        ServerRequest hooks;
        hooks.body = QByteArray::fromStdString(Json{{"endpoints", (*body)["targets"]}}.dump());
        const ServerResponse set = putWebhooks(hooks);
        if (set.status != 200) {
            return set;
        }
    }
    if (const auto started = m_context.traffic.start(*body, m_context.seed); !started) {
        return badRequest(started.error().message);
    }
    ServerResponse response = jsonResponse(202, m_context.traffic.status());
    return response;
}

ServerResponse ControlApi::putPeriods(const ServerRequest &request)
{
    const std::optional<Json> body = objectBody(request);
    if (!body) {
        return badRequest(QStringLiteral("the body must be {\"2026-09\": \"open\" | \"closed\" "
                                         "| null, …}"));
    }
    auto lock = m_context.store.lock();
    Json periods = m_context.store.setting(QStringLiteral("erp:periods")).value_or(Json::object());
    for (const auto &[period, state] : body->items()) {
        const QString name = QString::fromStdString(period);
        const bool valid = name.size() == 7 && name[4] == QLatin1Char('-');
        if (!valid || !(state.is_null() || state == "open" || state == "closed")) {
            return badRequest(QStringLiteral("\"%1\": periods are YYYY-MM, states \"open\", "
                                             "\"closed\" or null")
                                  .arg(name));
        }
        if (state.is_null()) {
            periods.erase(period);
        } else {
            periods[period] = state;
        }
    }
    m_context.store.setSetting(QStringLiteral("erp:periods"), periods);
    return jsonResponse(200, {{"overrides", periods}});
}

} // namespace syncline::sandbox
