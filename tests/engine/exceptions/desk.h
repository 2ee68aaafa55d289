#pragma once

#include "engine/model/workspaceloader.h"
#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/adminapi.h"
#include "engine/runtime/deploybundle.h"
#include "engine/runtime/deployer.h"
#include "engine/runtime/exceptionroutes.h"
#include "engine/runtime/exceptionservice.h"
#include "engine/runtime/executor.h"
#include "engine/runtime/personaldata.h"
#include "engine/store/sqliteauditstore.h"
#include "engine/store/sqliteexceptionstore.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <mutex>

namespace deskfixture {

using namespace syncline::engine;

inline QString str(const char *text)
{
    return QString::fromUtf8(text);
}

/// A JSON value as text for QCOMPARE: a string as it is, anything else as its JSON.
inline QString text(const nlohmann::json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

/// A system on loopback that records every call and answers by the path's last segment and the
/// calls seen so far: "/ok" 201, "/refuse" 422 with its own error, "/down" 503, "/hang" never;
/// "/flaky" refuses the first `refusals` calls with 422, then 201. "/strict" keeps an
/// Idempotency-Key's answer as the IETF draft describes (same key and body: the kept answer;
/// same key, other body: 422 idempotency_key_reused) and refuses a body with tax code XX-0
/// (422, kept), answers 503 (not kept) to an amount of 0.00, and creates anything else (201).
class Target
{
public:
    struct Call
    {
        QByteArray path;
        QByteArray idempotencyKey;
        QByteArray body;
    };

    Target()
    {
        const Result<void> listening =
            m_server.listen({}, [this](net::ServerRequest r, net::Responder respond) {
                handle(std::move(r), std::move(respond));
            });
        Q_ASSERT(listening.ok());
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }
    void setRefusals(int n) { m_refusals = n; }
    QList<Call> calls(const QByteArray &path = {}) const
    {
        std::lock_guard lock(m_mutex);
        QList<Call> out;
        for (const Call &c : m_calls) {
            if (path.isEmpty() || c.path == path) {
                out.append(c);
            }
        }
        return out;
    }

private:
    void handle(net::ServerRequest request, net::Responder respond)
    {
        int seen = 0;
        {
            std::lock_guard lock(m_mutex);
            m_calls.append({request.path, request.header("idempotency-key"), request.body});
            for (const Call &c : m_calls) {
                seen += c.path == request.path;
            }
        }
        const QByteArray last = request.path.mid(request.path.lastIndexOf('/'));
        if (last == "/strict") {
            respond(strict(request));
            return;
        }
        if (last == "/hang") {
            std::lock_guard lock(m_mutex);
            m_hung.push_back(std::move(respond));
            return;
        }
        if (last == "/refuse" || (last == "/flaky" && seen <= m_refusals)) {
            respond(net::ServerResponse::json(422,
                                              "{\"error\":{\"code\":\"tax_code_invalid\","
                                              "\"message\":\"tax code XX-0 is unknown\"}}"));
            return;
        }
        if (last == "/down") {
            respond(net::ServerResponse::json(503, "{\"error\":\"maintenance\"}"));
            return;
        }
        respond(net::ServerResponse::json(201, "{\"id\":\"DOC-1\"}"));
    }

    struct Kept
    {
        QByteArray body;
        int status = 0;
        QByteArray answer;
    };
    net::ServerResponse strict(const net::ServerRequest &request)
    {
        const QByteArray key = request.header("idempotency-key");
        std::lock_guard lock(m_mutex);
        if (const auto kept = m_kept.find(key); kept != m_kept.end()) {
            return kept->second.body == request.body
                       ? net::ServerResponse::json(kept->second.status, kept->second.answer)
                       : net::ServerResponse::json(
                           422, "{\"error\":{\"code\":\"idempotency_key_reused\"}}");
        }
        if (request.body.contains("\"amount\":\"0.00\"")) {
            return net::ServerResponse::json(503, "{\"error\":\"try later\"}");
        }
        const Kept answer = request.body.contains("XX-0")
                                ? Kept{request.body, 422, "{\"error\":{\"code\":\"tax_code_invalid\"}}"}
                                : Kept{request.body, 201, "{\"id\":\"DOC-2\"}"};
        m_kept[key] = answer;
        return net::ServerResponse::json(answer.status, answer.answer);
    }

    net::HttpServer m_server;
    mutable std::mutex m_mutex;
    std::map<QByteArray, Kept> m_kept;
    QList<Call> m_calls;
    std::vector<net::Responder> m_hung;
    std::atomic<int> m_refusals{1};
};

/// The engine's exception desk without its process: a store in a temporary folder, the executor
/// and the deployer running a workspace's flows, the exception store and service, and (after
/// serve()) the exception API over loopback with one bearer token per role.
class Desk
{
public:
    explicit Desk(std::function<qint64()> clock = {})
    {
        store::SqliteStoreOptions options;
        options.clock = clock;
        auto opened =
            store::SqliteMessageStore::open(m_dir.filePath(QStringLiteral("e.db")), options);
        if (!opened.ok()) {
            qFatal("%s", qPrintable(opened.error().message));
        }
        m_store = std::move(*opened);
        runtime::ExecutorOptions executorOptions;
        executorOptions.workers = 4;
        executorOptions.tickMs = 20;
        executorOptions.clockMs = clock;
        m_executor = std::make_unique<runtime::Executor>(*m_store, m_metrics, executorOptions);
        m_deployer = std::make_unique<runtime::Deployer>(
            *m_store,
            *m_executor,
            runtime::NodeServices{
                .store = *m_store,
                .http = m_http,
                .secrets = {},
                .clockMs = clock ? clock : [] { return QDateTime::currentMSecsSinceEpoch(); },
                .topics = nullptr});
        m_exceptionStore = std::make_unique<store::SqliteExceptionStore>(*m_store);
        m_audit = std::make_unique<store::SqliteAuditStore>(*m_store);
        m_personal = std::make_unique<runtime::PersonalData>(*m_audit);
        m_service = std::make_unique<runtime::ExceptionService>(
            *m_exceptionStore, *m_store, [this](const store::ReplayTicket &ticket) {
                (void)m_deployer->resumeOlderVersions();
                m_executor->notify(ticket.flowId, ticket.flowVersion, ticket.nodeId);
            });
    }
    ~Desk()
    {
        m_server.stop();
        if (m_api) {
            m_api->stop();
        }
        m_executor->stop();
    }

    /// Deploys a workspace given as {"files": {"<path>": document}} (the workspace file added)
    /// and starts the executor. Fails the test on any problem.
    void deploy(nlohmann::json files)
    {
        files["syncline.workspace.json"] = {{"formatVersion", 1}, {"name", "exceptions"}};
        nlohmann::json bundle = {{"workspace", files["syncline.workspace.json"]}, {"files", files}};
        bundle["files"].erase("syncline.workspace.json");
        auto workspace = runtime::deploybundle::workspaceFromJson(bundle);
        QVERIFY2(workspace.ok(), workspace.ok() ? "" : qPrintable(workspace.error().message));
        const model::ProblemList problems = model::checkWorkspace(*workspace);
        QVERIFY2(problems.isEmpty(),
                 problems.isEmpty() ? "" : qPrintable(problems.first().toString()));
        auto report = m_deployer->deploy(*workspace);
        QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
        m_personal->setWorkspace(*workspace);
        m_webhooks = report->webhooks;
        QVERIFY(m_executor->start().ok());
    }

    /// Stores a message at the first nodes of a flow's webhook trigger; returns its id.
    QString ingest(const QString &flowId,
                   const QByteArray &payload,
                   const QString &businessKey = {},
                   const QString &correlationId = {})
    {
        for (const runtime::WebhookTrigger &trigger : std::as_const(m_webhooks)) {
            if (trigger.flowId != flowId) {
                continue;
            }
            store::IngestRequest request;
            request.message = {flowId,
                               trigger.flowVersion,
                               correlationId,
                               QString(),
                               businessKey,
                               QByteArrayLiteral("{}"),
                               payload};
            request.firstNodes = trigger.firstNodes;
            auto stored = m_store->ingest(request);
            if (!stored.ok()) {
                qFatal("%s", qPrintable(stored.error().message));
            }
            for (const QString &node : trigger.firstNodes) {
                m_executor->notify(flowId, trigger.flowVersion, node);
            }
            return stored->messageId;
        }
        qFatal("no webhook trigger in flow %s", qPrintable(flowId));
        return {};
    }

    qint64 count(store::ExceptionFilter filter = {})
    {
        auto n = m_exceptionStore->count(filter);
        return n.ok() ? *n : -1;
    }
    QList<store::ExceptionRecord> all()
    {
        auto page = m_exceptionStore->list({}, std::nullopt, 500);
        return page.ok() ? page->items : QList<store::ExceptionRecord>();
    }
    store::ExceptionRecord only()
    {
        const QList<store::ExceptionRecord> records = all();
        if (records.size() != 1) {
            qWarning("expected one exception, found %d", int(records.size()));
            return {};
        }
        return records.first();
    }

    /// Serves the exception API on loopback: tokens "admin", "finance", "viewer", "analyst"
    /// belong to users of those names and roles.
    void serve()
    {
        m_api = std::make_unique<runtime::ExceptionApi>(*m_service, *m_personal);
        m_admin = std::make_unique<runtime::AdminApi>(
            [](const QByteArray &token) -> std::optional<security::Principal> {
                const std::optional<security::Role> role =
                    security::roleFromName(QString::fromLatin1(token));
                if (!role) {
                    return std::nullopt;
                }
                return security::Principal{QString::fromLatin1(token), *role};
            });
        for (runtime::AdminRoute &route : m_api->routes()) {
            m_admin->add(std::move(route));
        }
        QVERIFY(m_server
                    .listen({},
                            [this](net::ServerRequest request, net::Responder respond) {
                                m_admin->handle(request, respond);
                            })
                    .ok());
    }

    struct Answer
    {
        int status = 0;
        nlohmann::json body;
        QByteArray raw;
    };
    Answer call(const QByteArray &method,
                const QString &path,
                const QByteArray &token,
                const QByteArray &body = {})
    {
        net::HttpRequest request;
        request.method = method;
        request.url = QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()) + path;
        request.headers = {{"Authorization", "Bearer " + token}};
        if (!body.isEmpty()) {
            request.headers.append(
                qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
            request.body = body;
        }
        const net::HttpOutcome outcome = m_client.send(request).get();
        if (!outcome.response) {
            return {};
        }
        return {outcome.response->status,
                nlohmann::json::parse(outcome.response->body.toStdString(), nullptr, false),
                outcome.response->body};
    }

    store::SqliteMessageStore &store() { return *m_store; }
    QString databasePath() const { return m_dir.filePath(QStringLiteral("e.db")); }
    store::SqliteExceptionStore &exceptionStore() { return *m_exceptionStore; }
    runtime::ExceptionService &service() { return *m_service; }
    QString path() const { return m_dir.filePath(QStringLiteral("e.db")); }
    QString folder() const { return m_dir.path(); }

    /// Rows of a query on a read connection, columns as text.
    QList<QStringList> rows(const char *sql, int columns)
    {
        auto c = store::Connection::open(path(), store::OpenMode::ReadOnly);
        auto statement = c->prepare(sql);
        QList<QStringList> out;
        while (statement.ok() && *statement->step()) {
            QStringList row;
            for (int i = 0; i < columns; ++i) {
                row.append(statement->qtext(i));
            }
            out.append(row);
        }
        return out;
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    runtime::Metrics m_metrics;
    net::HttpClient m_http;
    std::unique_ptr<runtime::Executor> m_executor;
    std::unique_ptr<runtime::Deployer> m_deployer;
    std::unique_ptr<store::SqliteExceptionStore> m_exceptionStore;
    std::unique_ptr<store::SqliteAuditStore> m_audit;
    std::unique_ptr<runtime::PersonalData> m_personal;
    std::unique_ptr<runtime::ExceptionService> m_service;
    std::unique_ptr<runtime::ExceptionApi> m_api;
    std::unique_ptr<runtime::AdminApi> m_admin;
    net::HttpServer m_server;
    net::HttpClient m_client;
    QList<runtime::WebhookTrigger> m_webhooks;
};

/// A canonical invoice that needs a tax code, with the usual annotations.
inline nlohmann::json invoiceSchema()
{
    return {
        {"$id", "invoice.schema.json"},
        {"$schema", "http://json-schema.org/draft-07/schema#"},
        {"title", "Invoice"},
        {"type", "object"},
        {"x-syncline-businessKey", {"number"}},
        {"x-syncline-owner", "erp"},
        {"required", {"number", "amount", "taxCode"}},
        {"properties",
         {{"number", {{"type", "string"}, {"title", "Invoice number"}}},
          {"amount", {{"type", "string"}, {"pattern", "^[0-9]+\\.[0-9]{2}$"}, {"title", "Amount"}}},
          {"taxCode", {{"type", "string"}, {"minLength", 2}, {"title", "Tax code"}}},
          {"customerEmail",
           {{"type", "string"}, {"title", "Customer e-mail"}, {"x-syncline-pii", "email"}}},
          {"customerTaxId",
           {{"type", "string"}, {"title", "Customer tax id"}, {"x-syncline-pii", "taxId"}}}}}};
}

inline nlohmann::json system(const QString &id, const QString &baseUrl, bool idempotent = true)
{
    return {{"id", id.toStdString()},
            {"name", id.toStdString()},
            {"family", "erp"},
            {"baseUrl", baseUrl.toStdString()},
            {"auth", {{"type", "none"}}},
            {"idempotency", {{"supported", idempotent}, {"header", "Idempotency-Key"}}}};
}

} // namespace deskfixture
