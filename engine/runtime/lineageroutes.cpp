#include "engine/runtime/lineageroutes.h"

#include <QRegularExpression>
#include <QThreadPool>

#include <algorithm>
#include <variant>

namespace syncline::engine::runtime {

namespace {

struct Shared
{
    Shared(std::shared_ptr<store::LineageStore> l, const PersonalData &p)
        : lineage(std::move(l))
        , personal(p)
    {
    }

    std::shared_ptr<store::LineageStore> lineage;
    const PersonalData &personal;
    QThreadPool pool; // last: its destructor waits for running queries, which use the above
};

// Every payload and free text the lineage routes return (a target's answer, an error or an
// exception's detail, a person's note) passes through here: personal data masked, unless the
// caller unmasked (with a reason, audited).
void present(store::LineageGraph &graph, const PayloadView &shown)
{
    graph.masked = !shown.unmasked();
    const auto text = [&shown](QString &value) {
        value = QString::fromUtf8(shown.apply(value.toUtf8()));
    };
    for (store::LineageMessage &message : graph.messages) {
        message.payload = shown.apply(message.payload);
        for (store::LineageStep &step : message.steps) {
            text(step.errorDetail);
        }
        for (store::LineageEffect &effect : message.effects) {
            text(effect.detail);
        }
        for (store::LineageException &exception : message.exceptions) {
            text(exception.detail);
            for (store::LineageExceptionEvent &event : exception.events) {
                text(event.text);
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

// Looks the lineage up, then (only when there is one to show) asks how the caller may see it:
// an unmask is audited before anything is shown in clear.
net::ServerResponse answer(const Shared &shared, const Request &request, const AdminCall &call)
{
    Result<std::optional<store::LineageGraph>> graph = shared.lineage->lineage(request.query);
    if (!graph) {
        return AdminApi::problem(
            503,
            "STORE_UNAVAILABLE",
            QStringLiteral("the lineage could not be read: %1").arg(graph.error().message));
    }
    const QString key =
        QStringLiteral("%1=%2").arg(store::lineageKeyName(request.query.key), request.query.value);
    if (!*graph) {
        return AdminApi::problem(
            404,
            "NO_LINEAGE",
            QStringLiteral("no message has %1 \"%2\"")
                .arg(store::lineageKeyName(request.query.key), request.query.value));
    }
    const auto view = shared.personal.viewFor(call, QStringLiteral("lineage"), key);
    if (const auto *refusal = std::get_if<net::ServerResponse>(&view)) {
        return *refusal;
    }
    present(**graph, std::get<PayloadView>(view));
    net::ServerResponse response =
        net::ServerResponse::json(200, (*graph)->toJson(request.exportFile ? 2 : 0));
    if (request.exportFile) {
        response.headers.append({"Content-Disposition", attachmentName(request.query)});
    }
    return response;
}

} // namespace

QList<AdminRoute> lineageRoutes(std::shared_ptr<store::LineageStore> lineage,
                                const PersonalData &personal)
{
    auto shared = std::make_shared<Shared>(std::move(lineage), personal);
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
                 // The call lives until respond(): the query keeps copies of what it needs.
                 Shared *raw = shared.get();
                 raw->pool.start([raw,
                                  request = std::get<Request>(std::move(request)),
                                  server = call.request,
                                  params = call.params,
                                  caller = call.caller,
                                  respond] {
                     respond(answer(*raw, request, AdminCall{server, params, caller}));
                 });
             }}};
}

} // namespace syncline::engine::runtime
