#include "engine/runtime/replayjobroutes.h"

#include "engine/runtime/adminbody.h"
#include "engine/runtime/exceptionjson.h"
#include "engine/runtime/exceptionservice.h"

#include <QDateTime>

#include <cmath>
#include <variant>

namespace syncline::engine::runtime {

namespace {

constexpr int kListedItems = 50;

const char *const kFilterMembers[] = {"flow", "node", "category", "reason", "owner", "state",
                                      "businessKey", "correlationId", "olderThan", "newerThan",
                                      "overdue"};

net::ServerResponse answer(int status, const nlohmann::json &body)
{
    return net::ServerResponse::json(
        status,
        QByteArray::fromStdString(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

Error error(const char *code, const QString &message)
{
    return Error::make(QString::fromLatin1(code), message);
}

net::ServerResponse failure(const Error &e)
{
    const QByteArray code = e.code.toLatin1();
    const auto is = [&code](const char *name) { return code == name; };
    int status = 500;
    if (is(store::kReplayJobNotFound)) {
        status = 404;
    } else if (is(store::kReplayJobActive) || is(store::kReplayJobState)) {
        status = 409;
    } else if (is("BAD_QUERY") || is("BAD_JSON") || is("BAD_REQUEST")) {
        status = 400;
    } else if (is(kReasonRequired) || is("RATE_INVALID")) {
        status = 422;
    } else if (is(kForbidden)) {
        status = 403;
    } else if (e.retryable) {
        status = 503;
    }
    return AdminApi::problem(status, code.constData(), e.message);
}

// The body as a JSON object with only `known` members, else the 400 answer adminbody.h gives.
std::variant<nlohmann::json, net::ServerResponse>
readBody(const AdminCall &call, std::initializer_list<const char *> known)
{
    std::optional<net::ServerResponse> refused;
    const net::Responder keep = [&refused](net::ServerResponse r) { refused = std::move(r); };
    std::optional<nlohmann::json> body = readJsonObject(call, keep);
    if (!body || !onlyKnownMembers(*body, known, keep)) {
        return *refused;
    }
    return std::move(*body);
}

QString textOf(const nlohmann::json &body, const char *key)
{
    const auto found = body.find(key);
    return found != body.end() && found->is_string()
               ? QString::fromStdString(found->get<std::string>())
               : QString();
}

// The job's filter: the body's "filter" object read exactly as the exception list reads its
// query, ages turned into times now; only unresolved exceptions of one flow.
Result<store::ExceptionFilter> filterOf(const nlohmann::json &body, qint64 nowMs)
{
    const auto found = body.find("filter");
    if (found == body.end() || !found->is_object()) {
        return error("BAD_QUERY",
                     QStringLiteral("give a \"filter\" object, at least {\"flow\": \"<flow id>\"}"));
    }
    net::ServerRequest query;
    for (auto it = found->begin(); it != found->end(); ++it) {
        const char *const *member = std::find_if(std::begin(kFilterMembers),
                                                 std::end(kFilterMembers),
                                                 [&it](const char *k) { return it.key() == k; });
        if (member == std::end(kFilterMembers)) {
            return error("BAD_QUERY",
                         QStringLiteral("filter.%1 is not a filter: use flow, node, category, "
                                        "reason, owner, state, businessKey, correlationId, "
                                        "olderThan, newerThan or overdue")
                             .arg(QString::fromStdString(it.key())));
        }
        if (!it->is_string() && !it->is_boolean()) {
            return error("BAD_QUERY",
                         QStringLiteral("filter.%1 must be a string").arg(QLatin1String(*member)));
        }
        const std::string value = it->is_boolean() ? (it->get<bool>() ? "true" : "false")
                                                   : it->get<std::string>();
        query.query.append({QByteArray(*member), QByteArray::fromStdString(value)});
    }
    Result<exceptionjson::ListQuery> parsed = exceptionjson::parseListQuery(query, nowMs);
    if (!parsed) {
        return parsed.error();
    }
    store::ExceptionFilter filter = parsed->filter;
    if (filter.flowId.isEmpty()) {
        return error("BAD_QUERY",
                     QStringLiteral("filter.flow is required: a replay job replays the exceptions "
                                    "of one flow"));
    }
    using States = store::ExceptionFilter::States;
    if (filter.states == States::Resolved) {
        return error("BAD_QUERY",
                     QStringLiteral("filter.state=resolved: a resolved exception is never "
                                    "replayed again"));
    }
    if (filter.states == States::Any) {
        filter.states = States::Unresolved;
    }
    return filter;
}

Result<double> rateOf(const nlohmann::json &body, bool required)
{
    const auto found = body.find("rate");
    if (found == body.end() && !required) {
        return 0.0;
    }
    if (found == body.end() || !found->is_number() || !std::isfinite(found->get<double>())
        || found->get<double>() <= 0 || found->get<double>() > kMaxReplayRate) {
        return error("RATE_INVALID",
                     QStringLiteral("\"rate\" is the messages per second, above 0 and at most %1")
                         .arg(kMaxReplayRate));
    }
    return found->get<double>();
}

Result<qint64> idOf(const AdminCall &call)
{
    bool ok = false;
    const qint64 id = call.param("id").toLongLong(&ok);
    if (!ok || id <= 0) {
        return error(store::kReplayJobNotFound,
                     QStringLiteral("\"%1\" is not a replay job id (a number)").arg(call.param("id")));
    }
    return id;
}

nlohmann::json filterJson(const store::ExceptionFilter &filter)
{
    return nlohmann::json::parse(store::filterToJson(filter).toStdString());
}

nlohmann::json dryRunJson(const DryRunReport &report,
                          const store::ExceptionFilter &filter,
                          double rate)
{
    nlohmann::json targets = nlohmann::json::array();
    for (const DryRunTarget &t : report.targets) {
        nlohmann::json skipped = nlohmann::json::array();
        for (const SkippedEffect &e : t.skippedEffects) {
            skipped.push_back({{"exception", e.exceptionId},
                               {"node", e.nodeId.toStdString()},
                               {"idempotencyKey", e.idempotencyKey.toStdString()},
                               {"businessKey", e.businessKey.toStdString()}});
        }
        targets.push_back({{"system", t.systemId.toStdString()},
                           {"calls", t.calls},
                           {"conditionalCalls", t.conditionalCalls},
                           {"upTo", t.calls + t.conditionalCalls},
                           {"resent", t.resent},
                           {"skipped", t.skipped},
                           {"skippedEffects", skipped}});
    }
    nlohmann::json notes = nlohmann::json::array();
    for (const QString &note : report.notes) {
        notes.push_back(note.toStdString());
    }
    const qint64 replays = report.matching - report.notReplayable;
    nlohmann::json out = {{"dryRun", true},
                          {"flow", filter.flowId.toStdString()},
                          {"filter", filterJson(filter)},
                          {"matching", report.matching},
                          {"replays", replays},
                          {"notReplayable", report.notReplayable},
                          {"analysed", report.analysed},
                          {"targets", targets},
                          {"notes", notes}};
    out["estimatedSeconds"] = rate > 0 ? nlohmann::json(std::ceil(double(replays) / rate))
                                       : nlohmann::json();
    return out;
}

// What a dry run or a new job was asked: the filter, the rate (0: none given) and the reason.
struct JobRequest
{
    store::ExceptionFilter filter;
    double rate = 0;
    QString reason;
};

std::variant<JobRequest, net::ServerResponse> jobRequestOf(const AdminCall &call,
                                                           bool rateRequired)
{
    auto read = readBody(call, {"filter", "rate", "reason"});
    if (auto *refused = std::get_if<net::ServerResponse>(&read)) {
        return *refused;
    }
    const nlohmann::json &body = std::get<nlohmann::json>(read);
    Result<store::ExceptionFilter> filter = filterOf(body, QDateTime::currentMSecsSinceEpoch());
    if (!filter) {
        return failure(filter.error());
    }
    Result<double> rate = rateOf(body, rateRequired);
    if (!rate) {
        return failure(rate.error());
    }
    return JobRequest{*filter, *rate, textOf(body, "reason").trimmed()};
}

} // namespace

ReplayJobApi::ReplayJobApi(store::ReplayJobStore &jobs,
                           store::ExceptionStore &exceptions,
                           store::MessageStore &messages,
                           ReplayJobRunner &runner)
    : m_jobs(jobs)
    , m_dryRun(exceptions, messages, jobs)
    , m_runner(runner)
{
    m_pool.setMaxThreadCount(2);
}

ReplayJobApi::~ReplayJobApi()
{
    stop();
}

void ReplayJobApi::stop()
{
    m_stopped = true;
    m_pool.waitForDone();
}

AdminHandler ReplayJobApi::on(Work work)
{
    return [this, work](const AdminCall &call, const net::Responder &respond) {
        if (m_stopped) {
            respond(AdminApi::problem(503, "STOPPING", QStringLiteral("the engine is stopping")));
            return;
        }
        // The call's references live until respond(); copy what the work needs.
        auto request = std::make_shared<net::ServerRequest>(call.request);
        auto params = call.params;
        const security::Principal caller = call.caller;
        m_pool.start([this, work, request, params, caller, respond] {
            respond((this->*work)(AdminCall{*request, params, caller}));
        });
    };
}

QList<AdminRoute> ReplayJobApi::routes()
{
    using security::Permission;
    return {
        {"POST", "/api/v1/replays/dry-run", Permission::BulkReplay, on(&ReplayJobApi::dryRun)},
        {"POST", "/api/v1/replays", Permission::BulkReplay, on(&ReplayJobApi::create)},
        {"GET", "/api/v1/replays", Permission::BulkReplay, on(&ReplayJobApi::list)},
        {"GET", "/api/v1/replays/{id}", Permission::BulkReplay, on(&ReplayJobApi::show)},
        {"POST", "/api/v1/replays/{id}/pause", Permission::BulkReplay, on(&ReplayJobApi::pause)},
        {"POST", "/api/v1/replays/{id}/resume", Permission::BulkReplay, on(&ReplayJobApi::resume)},
        {"POST", "/api/v1/replays/{id}/cancel", Permission::BulkReplay, on(&ReplayJobApi::cancel)},
    };
}

net::ServerResponse ReplayJobApi::dryRun(const AdminCall &call)
{
    auto read = jobRequestOf(call, false);
    if (auto *refused = std::get_if<net::ServerResponse>(&read)) {
        return *refused;
    }
    const JobRequest &request = std::get<JobRequest>(read);
    Result<DryRunReport> report = m_dryRun.preview(request.filter);
    if (!report) {
        return failure(report.error());
    }
    return answer(200, dryRunJson(*report, request.filter, request.rate));
}

net::ServerResponse ReplayJobApi::create(const AdminCall &call)
{
    auto read = jobRequestOf(call, true);
    if (auto *refused = std::get_if<net::ServerResponse>(&read)) {
        return *refused;
    }
    const JobRequest &request = std::get<JobRequest>(read);
    if (request.reason.isEmpty()) {
        return failure(error(kReasonRequired,
                             QStringLiteral("a bulk replay needs a reason: say why, for the audit "
                                            "trail")));
    }
    const store::NewReplayJob job{request.filter,
                                  request.rate,
                                  request.reason,
                                  {call.caller.userId, security::roleName(call.caller.role)}};
    Result<store::ReplayJob> created = m_jobs.create(job);
    if (!created) {
        return failure(created.error());
    }
    m_runner.wake();
    return answer(201, jobJson(*created));
}

net::ServerResponse ReplayJobApi::list(const AdminCall &call)
{
    int limit = 50;
    if (const QByteArray given = call.request.queryValue("limit"); !given.isEmpty()) {
        bool ok = false;
        limit = given.toInt(&ok);
        if (!ok || limit < 1 || limit > 500) {
            return failure(error("BAD_QUERY", QStringLiteral("limit: a whole number from 1 to 500")));
        }
    }
    Result<QList<store::ReplayJob>> jobs = m_jobs.jobs(limit);
    if (!jobs) {
        return failure(jobs.error());
    }
    nlohmann::json items = nlohmann::json::array();
    for (const store::ReplayJob &job : std::as_const(*jobs)) {
        items.push_back(jobJson(job));
    }
    return answer(200, nlohmann::json{{"jobs", items}});
}

net::ServerResponse ReplayJobApi::show(const AdminCall &call)
{
    Result<qint64> id = idOf(call);
    if (!id) {
        return failure(id.error());
    }
    Result<std::optional<store::ReplayJob>> job = m_jobs.job(*id);
    if (!job) {
        return failure(job.error());
    }
    if (!*job) {
        return failure(error(store::kReplayJobNotFound,
                             QStringLiteral("there is no replay job %1").arg(*id)));
    }
    nlohmann::json out = jobJson(**job);
    for (const auto &[state, key] : {std::pair{store::ReplayItemState::Failed, "failedItems"},
                                     std::pair{store::ReplayItemState::Skipped, "skippedItems"}}) {
        Result<QList<store::ReplayJobItem>> items = m_jobs.items(*id, state, 0, kListedItems);
        if (!items) {
            return failure(items.error());
        }
        nlohmann::json rows = nlohmann::json::array();
        for (const store::ReplayJobItem &item : std::as_const(*items)) {
            rows.push_back({{"exception", item.exceptionId},
                            {"detail", item.detail.toStdString()},
                            {"at", item.atMs}});
        }
        out[key] = rows;
    }
    return answer(200, out);
}

net::ServerResponse ReplayJobApi::pause(const AdminCall &call)
{
    return control(call, store::ReplayJobControl::Pause);
}

net::ServerResponse ReplayJobApi::resume(const AdminCall &call)
{
    return control(call, store::ReplayJobControl::Resume);
}

net::ServerResponse ReplayJobApi::cancel(const AdminCall &call)
{
    return control(call, store::ReplayJobControl::Cancel);
}

net::ServerResponse ReplayJobApi::control(const AdminCall &call, store::ReplayJobControl action)
{
    Result<qint64> id = idOf(call);
    if (!id) {
        return failure(id.error());
    }
    auto read = readBody(call, {"reason"});
    if (auto *refused = std::get_if<net::ServerResponse>(&read)) {
        return *refused;
    }
    const nlohmann::json *body = &std::get<nlohmann::json>(read);
    Result<store::ReplayJob> changed =
        m_jobs.control(*id,
                       action,
                       {call.caller.userId, security::roleName(call.caller.role)},
                       textOf(*body, "reason").trimmed());
    if (!changed) {
        return failure(changed.error());
    }
    m_runner.wake();
    return answer(200, jobJson(*changed));
}

nlohmann::json ReplayJobApi::jobJson(const store::ReplayJob &job) const
{
    const auto time = [](qint64 ms) { return ms > 0 ? nlohmann::json(ms) : nlohmann::json(); };
    const qint64 done = job.done();
    nlohmann::json progress = {
        {"done", done},
        {"remaining", job.total - done},
        {"percent", job.total > 0 ? std::floor(double(done) * 1000.0 / double(job.total)) / 10.0
                                  : 100.0},
        {"observedRate", nullptr},
        {"etaSeconds", nullptr},
        {"throttled", false}};
    if (const std::optional<ReplayJobProgress> live = m_runner.progress(job.id)) {
        progress["observedRate"] = std::round(live->observedPerSecond * 10.0) / 10.0;
        progress["throttled"] = live->throttled;
        if (live->etaMs >= 0) {
            progress["etaSeconds"] = (live->etaMs + 999) / 1000;
        }
    } else if (job.active() && job.ratePerSecond > 0) {
        progress["etaSeconds"] = qint64(std::ceil(double(job.total - done) / job.ratePerSecond));
    }
    return {{"id", job.id},
            {"flow", job.flowId.toStdString()},
            {"filter", filterJson(job.filter)},
            {"state", store::replayJobStateName(job.state).toStdString()},
            {"rate", job.ratePerSecond},
            {"reason", job.reason.toStdString()},
            {"createdBy", job.createdBy.toStdString()},
            {"createdRole", job.createdRole.toStdString()},
            {"createdAt", job.createdAtMs},
            {"startedAt", time(job.startedAtMs)},
            {"finishedAt", time(job.finishedAtMs)},
            {"updatedAt", job.updatedAtMs},
            {"total", job.total},
            {"replayed", job.replayed},
            {"skipped", job.skipped},
            {"failed", job.failed},
            {"detail", job.detail.toStdString()},
            {"progress", progress}};
}

} // namespace syncline::engine::runtime
