#include "engine/runtime/lineageroutes.h"

#include <QRegularExpression>
#include <QThreadPool>

#include <algorithm>
#include <variant>

namespace syncline::engine::runtime {

namespace {

struct Shared
{
    std::shared_ptr<store::LineageStore> lineage;
    QThreadPool pool; // last: its destructor waits for running queries, which use the above
};

// Every payload and free text the lineage routes return (a target's answer, an error or an
// exception's detail, a person's note) passes through here, so that personal data reaches only a
// caller who may see it. Until the engine can mask personal data, a caller who may not unmask
// gets none of them (the graph says "withheld") rather than unmasked ones.
void present(store::LineageGraph &graph, const security::Principal &caller)
{
    const bool clear = security::allows(caller.role, security::Permission::Unmask);
    graph.payloads = clear ? store::PayloadView::Clear : store::PayloadView::Withheld;
    if (clear) {
        return;
    }
    const auto shown = [](auto &text) { text.clear(); };
    for (store::LineageMessage &message : graph.messages) {
        shown(message.payload);
        for (store::LineageStep &step : message.steps) {
            shown(step.errorDetail);
        }
        for (store::LineageEffect &effect : message.effects) {
            shown(effect.detail);
        }
        for (store::LineageException &exception : message.exceptions) {
            shown(exception.detail);
            for (store::LineageExceptionEvent &event : exception.events) {
                shown(event.text);
            }
        }
    }
}

struct Request
{
    store::LineageQuery query;
    bool exportFile = false;
};

// The query the parameters ask for, or the 400 that says what is wrong with them.
std::variant<Request, net::ServerResponse> readRequest(const net::ServerRequest &request)
{
    const auto refuse = [](const QString &detail) {
        return AdminApi::problem(400, "LINEAGE_QUERY", detail);
    };
    Request out;
    QStringList given;
    for (store::LineageKey key : {store::LineageKey::CorrelationId,
                                  store::LineageKey::BusinessKey,
                                  store::LineageKey::ExternalId}) {
        const QString name = store::lineageKeyName(key);
        const QByteArray nameBytes = name.toUtf8();
        const auto found = std::find_if(request.query.cbegin(),
                                        request.query.cend(),
                                        [&](const auto &p) { return p.first == nameBytes; });
        if (found == request.query.cend()) {
            continue;
        }
        if (found->second.isEmpty()) {
            return refuse(QStringLiteral("%1 is empty").arg(name));
        }
        given.append(name);
        out.query.key = key;
        out.query.value = QString::fromUtf8(found->second);
    }
    if (given.isEmpty()) {
        return refuse(QStringLiteral("give one of correlationId, businessKey or externalId"));
    }
    if (given.size() > 1) {
        return refuse(QStringLiteral("give only one of correlationId, businessKey or externalId "
                                     "(got %1)")
                          .arg(given.join(QStringLiteral(" and "))));
    }
    const QByteArray limit = request.queryValue("limit");
    if (!limit.isEmpty()) {
        bool ok = false;
        const int value = limit.toInt(&ok);
        if (!ok || value < 1 || value > store::LineageQuery::kMostMessages) {
            return refuse(QStringLiteral("limit must be a number of messages from 1 to %1")
                              .arg(store::LineageQuery::kMostMessages));
        }
        out.query.maxMessages = value;
    }
    const QByteArray format = request.queryValue("format");
    if (!format.isEmpty() && format != "json" && format != "export") {
        return refuse(QStringLiteral("format must be json or export, not \"%1\"")
                          .arg(QString::fromUtf8(format)));
    }
    out.exportFile = format == "export";
    return out;
}

QByteArray attachmentName(const store::LineageQuery &query)
{
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]+"));
    QString value = query.value;
    value.replace(unsafe, QStringLiteral("_"));
    return QStringLiteral("attachment; filename=\"lineage-%1-%2.json\"")
        .arg(store::lineageKeyName(query.key), value.left(80))
        .toUtf8();
}

net::ServerResponse
answer(store::LineageStore &lineage, const Request &request, const security::Principal &caller)
{
    Result<std::optional<store::LineageGraph>> graph = lineage.lineage(request.query);
    if (!graph) {
        return AdminApi::problem(
            503,
            "STORE_UNAVAILABLE",
            QStringLiteral("the lineage could not be read: %1").arg(graph.error().message));
    }
    if (!*graph) {
        return AdminApi::problem(
            404,
            "NO_LINEAGE",
            QStringLiteral("no message has %1 \"%2\"")
                .arg(store::lineageKeyName(request.query.key), request.query.value));
    }
    present(**graph, caller);
    net::ServerResponse response =
        net::ServerResponse::json(200, (*graph)->toJson(request.exportFile ? 2 : 0));
    if (request.exportFile) {
        response.headers.append({"Content-Disposition", attachmentName(request.query)});
    }
    return response;
}

} // namespace

QList<AdminRoute> lineageRoutes(std::shared_ptr<store::LineageStore> lineage)
{
    auto shared = std::make_shared<Shared>();
    shared->lineage = std::move(lineage);
    shared->pool.setMaxThreadCount(2);
    return {{"GET",
             "/api/v1/lineage",
             security::Permission::ViewLineage,
             [shared](const AdminCall &call, const net::Responder &respond) {
                 auto request = readRequest(call.request);
                 if (auto *refused = std::get_if<net::ServerResponse>(&request)) {
                     respond(*refused);
                     return;
                 }
                 Shared *raw = shared.get();
                 raw->pool.start([raw,
                                  request = std::get<Request>(std::move(request)),
                                  caller = call.caller,
                                  respond] { respond(answer(*raw->lineage, request, caller)); });
             }}};
}

} // namespace syncline::engine::runtime
