#include "engine/runtime/exceptionroutes.h"

#include "engine/json/intake.h"
#include "engine/runtime/exceptionjson.h"

#include <QDateTime>

namespace syncline::engine::runtime {

namespace {

using namespace exceptionjson;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

net::ServerResponse ok(const QByteArray &body)
{
    return net::ServerResponse::json(200, body);
}

net::ServerResponse ok(const nlohmann::json &body)
{
    return ok(QByteArray::fromStdString(
        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

// The answer to a failed call, by its error code.
net::ServerResponse failure(const Error &error)
{
    const QByteArray code = error.code.toLatin1();
    const auto is = [&code](const char *name) { return code == name; };
    int status = 500;
    if (is(kForbidden)) {
        status = 403;
    } else if (is(store::kExceptionNotFound)) {
        status = 404;
    } else if (is(store::kExceptionResolved) || is(store::kExceptionNotReplayable)) {
        status = 409;
    } else if (is(kReasonRequired) || is(kRepairNotJson) || is("COMMENT_EMPTY")) {
        status = 422;
    } else if (is("BAD_QUERY") || is("BAD_JSON")) {
        status = 400;
    } else if (error.retryable) {
        status = 503;
    }
    return AdminApi::problem(status, code.constData(), error.message);
}

Result<qint64> idOf(const AdminCall &call)
{
    bool ok = false;
    const qint64 id = call.param("id").toLongLong(&ok);
    if (!ok || id <= 0) {
        return Error::make(
            QString::fromLatin1(store::kExceptionNotFound),
            QStringLiteral("\"%1\" is not an exception id (a number)").arg(call.param("id")));
    }
    return id;
}

// The request's JSON object body; an empty body is an empty object.
Result<nlohmann::json> bodyOf(const net::ServerRequest &request)
{
    if (request.body.trimmed().isEmpty()) {
        return nlohmann::json::object();
    }
    json::IntakeLimits limits;
    limits.maxBytes = request.body.size() + 1; // the server already capped the size
    const json::IntakeResult body = json::JsonIntake::parse(request.body, limits);
    if (!body.ok() || !body.value().isObject()) {
        return Error::make(
            QStringLiteral("BAD_JSON"),
            body.ok() ? QStringLiteral("the body must be a JSON object")
                      : QStringLiteral("the body is not JSON: %1").arg(body.refusal().describe()));
    }
    return json::toNlohmann(body.value());
}

QString textOf(const nlohmann::json &body, const char *key)
{
    const auto found = body.find(key);
    return found != body.end() && found->is_string()
               ? QString::fromStdString(found->get<std::string>())
               : QString();
}

// The "payload" member as the client sent it: spliced out of the raw body so that numbers keep
// their exact text (a repaired amount is never rounded through a double).
QByteArray payloadOf(const net::ServerRequest &request)
{
    const json::IntakeResult body = json::JsonIntake::parse(request.body);
    if (!body.ok() || !body.value().isObject()) {
        return {};
    }
    const json::Value *payload = body.value().find(std::string_view("payload"));
    if (!payload) {
        return {};
    }
    const std::string text = json::toJsonText(*payload);
    return QByteArray(text.data(), qsizetype(text.size()));
}

net::ServerResponse repairRefused(const RepairOutcome &outcome)
{
    nlohmann::json violations = nlohmann::json::array();
    QStringList lines;
    for (const schema::Violation &v : outcome.violations) {
        violations.push_back({{"pointer", v.pointer.toStdString()},
                              {"keyword", v.keyword.toStdString()},
                              {"message", v.message.toStdString()},
                              {"field", v.field.toStdString()}});
        lines.append(v.text());
    }
    const nlohmann::json extra = {{"code", "REPAIR_INVALID"},
                                  {"schema", outcome.schemaId.toStdString()},
                                  {"declaredBy", outcome.schemaDeclaredBy.toStdString()},
                                  {"violations", violations}};
    return net::ServerResponse::problem(
        422,
        QStringLiteral("urn:syncline:problem:repair-invalid"),
        QStringLiteral("Unprocessable content"),
        QStringLiteral("the repaired input is not a valid %1: %2")
            .arg(outcome.schemaId, lines.join(QStringLiteral("; "))),
        QByteArray::fromStdString(extra.dump()));
}

} // namespace

ExceptionApi::ExceptionApi(ExceptionService &service, const PersonalData &personal)
    : m_service(service)
    , m_personal(personal)
{
    m_pool.setMaxThreadCount(2);
}

ExceptionApi::~ExceptionApi()
{
    stop();
}

void ExceptionApi::stop()
{
    m_stopped = true;
    m_pool.waitForDone();
}

void ExceptionApi::run(const net::Responder &respond, std::function<net::ServerResponse()> work)
{
    if (m_stopped) {
        respond(AdminApi::problem(503, "STOPPING", QStringLiteral("the engine is stopping")));
        return;
    }
    m_pool.start([respond, work = std::move(work)] { respond(work()); });
}

QList<AdminRoute> ExceptionApi::routes()
{
    using security::ExceptionAction;
    using security::Permission;
    const auto on = [this](auto method) -> AdminHandler {
        return [this, method](const AdminCall &call, const net::Responder &respond) {
            // The call's references live until respond(); copy what the work needs.
            auto request = std::make_shared<net::ServerRequest>(call.request);
            auto params = call.params;
            const security::Principal caller = call.caller;
            run(respond, [this, method, request, params, caller] {
                return (this->*method)(AdminCall{*request, params, caller});
            });
        };
    };
    const auto action = [this](ExceptionAction what) -> AdminHandler {
        return [this, what](const AdminCall &call, const net::Responder &respond) {
            auto request = std::make_shared<net::ServerRequest>(call.request);
            auto params = call.params;
            const security::Principal caller = call.caller;
            run(respond, [this, what, request, params, caller] {
                return act(AdminCall{*request, params, caller}, what);
            });
        };
    };
    return {
        {"GET", "/api/v1/exceptions", Permission::ViewExceptions, on(&ExceptionApi::list)},
        {"GET", "/api/v1/exceptions/{id}", Permission::ViewExceptions, on(&ExceptionApi::show)},
        {"POST",
         "/api/v1/exceptions/{id}/assign",
         Permission::WorkExceptions,
         action(ExceptionAction::Assign)},
        {"POST",
         "/api/v1/exceptions/{id}/comment",
         Permission::WorkExceptions,
         action(ExceptionAction::Comment)},
        {"POST",
         "/api/v1/exceptions/{id}/repair",
         Permission::RepairException,
         action(ExceptionAction::Repair)},
        {"POST",
         "/api/v1/exceptions/{id}/replay",
         Permission::ReplayException,
         action(ExceptionAction::Replay)},
        {"POST",
         "/api/v1/exceptions/{id}/discard",
         Permission::DiscardException,
         action(ExceptionAction::Discard)},
    };
}

net::ServerResponse ExceptionApi::list(const AdminCall &call)
{
    const qint64 now = nowMs();
    Result<ListQuery> query = parseListQuery(call.request, now);
    if (!query) {
        return failure(query.error());
    }
    const security::Principal &caller = call.caller;
    Result<store::ExceptionPage> page =
        m_service.list(caller, query->filter, query->after, query->limit);
    if (!page) {
        return failure(page.error());
    }
    Result<qint64> total = m_service.count(caller, query->filter);
    if (!total) {
        return failure(total.error());
    }
    const auto view = m_personal.viewFor(call, QStringLiteral("exceptions"), QString());
    if (const auto *refusal = std::get_if<net::ServerResponse>(&view)) {
        return *refusal;
    }
    const PayloadView &shown = std::get<PayloadView>(view);
    const Presenter present = [&shown](const QByteArray &text) { return shown.apply(text); };
    nlohmann::json items = nlohmann::json::array();
    for (const store::ExceptionRecord &record : page->items) {
        items.push_back(summary(record, now, present));
    }
    nlohmann::json counts = nlohmann::json::object();
    for (store::ExceptionGroup group : query->counts) {
        Result<QList<store::GroupCount>> grouped = m_service.countBy(caller, query->filter, group);
        if (!grouped) {
            return failure(grouped.error());
        }
        nlohmann::json rows = nlohmann::json::array();
        for (const store::GroupCount &g : *grouped) {
            nlohmann::json row = {{"key", g.key.toStdString()}, {"count", g.count}};
            if (group == store::ExceptionGroup::Node) {
                row["flow"] = g.flowId.toStdString();
            }
            rows.push_back(row);
        }
        counts[store::exceptionGroupName(group).toStdString()] = rows;
    }
    return ok(nlohmann::json{
        {"items", items},
        {"total", *total},
        {"counts", counts},
        {"nextCursor",
         page->next ? nlohmann::json(encodeCursor(*page->next).toStdString()) : nlohmann::json()}});
}

net::ServerResponse ExceptionApi::show(const AdminCall &call)
{
    Result<qint64> id = idOf(call);
    if (!id) {
        return failure(id.error());
    }
    Result<store::ExceptionDetail> found = m_service.show(call.caller, *id);
    if (!found) {
        return failure(found.error());
    }
    Result<std::optional<DeclaredSchema>> schema = m_service.inputSchema(found->record);
    if (!schema) {
        return failure(schema.error());
    }
    const auto view = m_personal.viewFor(call, QStringLiteral("exception"),
                                         QString::number(*id));
    if (const auto *refusal = std::get_if<net::ServerResponse>(&view)) {
        return *refusal;
    }
    const PayloadView &shown = std::get<PayloadView>(view);
    return ok(detail(*found, *schema, nowMs(), [&shown](const QByteArray &text) {
        return shown.apply(text);
    }));
}

net::ServerResponse ExceptionApi::act(const AdminCall &call, security::ExceptionAction action)
{
    using security::ExceptionAction;
    Result<qint64> id = idOf(call);
    if (!id) {
        return failure(id.error());
    }
    Result<nlohmann::json> body = bodyOf(call.request);
    if (!body) {
        return failure(body.error());
    }
    const security::Principal &caller = call.caller;
    const QString reason = textOf(*body, "reason");
    const PayloadView shown = m_personal.masked();
    const auto present = [&shown](const QByteArray &text) { return shown.apply(text); };
    const auto answerRecord = [&](const Result<store::ExceptionRecord> &record) {
        return record ? ok(summary(*record, nowMs(), present)) : failure(record.error());
    };
    switch (action) {
    case ExceptionAction::Assign: {
        const QString assignee =
            body->contains("assignee") ? textOf(*body, "assignee") : caller.userId;
        return answerRecord(m_service.assign(caller, *id, assignee));
    }
    case ExceptionAction::Comment: {
        Result<store::ExceptionEvent> event = m_service.comment(caller, *id, textOf(*body, "text"));
        if (!event) {
            return failure(event.error());
        }
        return ok(nlohmann::json{{"id", event->id},
                                 {"at", event->atMs},
                                 {"actor", event->actor.toStdString()},
                                 {"kind", "comment"},
                                 {"text", present(event->text.toUtf8()).toStdString()}});
    }
    case ExceptionAction::Repair: {
        const QByteArray payload = payloadOf(call.request);
        if (payload.isEmpty()) {
            return failure(Error::make(QStringLiteral("BAD_JSON"),
                                       QStringLiteral("a repair sends {\"payload\": <the corrected "
                                                      "input>, \"reason\": ...}")));
        }
        // A repair is usually the masked input edited: what is still shown masked keeps its
        // real value, so "***" never replaces a customer's tax id.
        Result<store::ExceptionDetail> current = m_service.show(caller, *id);
        if (!current) {
            return failure(current.error());
        }
        const QByteArray &before =
            current->repairs.isEmpty() ? current->input : current->repairs.constLast().payload;
        const QByteArray restored = m_personal.masker()->restoreMasked(payload, before);
        Result<RepairOutcome> repaired =
            m_service.repair(caller, *id, restored, reason, body->value("resubmit", false) == true);
        if (!repaired) {
            return failure(repaired.error());
        }
        if (!repaired->violations.isEmpty()) {
            return repairRefused(*repaired);
        }
        nlohmann::json fields = {
            {"exception", *id},
            {"schema", repaired->schemaId.toStdString()},
            {"declaredBy", repaired->schemaDeclaredBy.toStdString()},
            {"replay", repaired->replay ? replayTicket(*repaired->replay) : nlohmann::json()}};
        return ok(
            withRawMembers(fields, {{"version", repairVersion(*repaired->version, present)}}));
    }
    case ExceptionAction::Replay: {
        Result<store::ReplayTicket> ticket = m_service.replayException(*id, caller, reason);
        return ticket ? ok(replayTicket(*ticket)) : failure(ticket.error());
    }
    case ExceptionAction::Discard:
        return answerRecord(m_service.discard(caller, *id, reason));
    case ExceptionAction::View:
        break;
    }
    return failure(Error::make(QStringLiteral("INTERNAL"), QStringLiteral("unknown action")));
}

} // namespace syncline::engine::runtime
