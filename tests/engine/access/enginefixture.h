#pragma once

// A real engine for the access tests: the invoice workspace of tests/app/run plus a manually
// triggered flow, a loopback ERP, a secrets file, and a user of every role made through the
// admin API with the bootstrap token.

#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/deploybundle.h"
#include "engine/runtime/engine.h"
#include "engine/model/workspaceloader.h"
#include "engine/security/access.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>

namespace accesstest {

using namespace syncline::engine;

inline const QString kFixture = QStringLiteral(SYNCLINE_SOURCE_DIR "/tests/app/run/workspace");
inline const QByteArray kBootToken = "boot-token-for-tests";

inline const QByteArray kManualFlow = R"({"id": "manual-invoice", "name": "Invoice posted by hand",
  "nodes": [
    {"id": "start", "type": "manual", "settings": {"businessKey": "/data/object/number"}},
    {"id": "to-canonical", "type": "map", "settings": {"mapping": "stripe-invoice"}},
    {"id": "post", "type": "http", "settings": {"system": "erp", "path": "/invoices", "businessKey": "/number"}}
  ],
  "edges": [{"from": "start", "to": "to-canonical"}, {"from": "to-canonical", "to": "post"}]})";

inline QByteArray invoiceEvent(const QString &number)
{
    const nlohmann::json event = {{"id", "evt_" + number.toStdString()},
                                  {"type", "invoice.finalized"},
                                  {"data",
                                   {{"object",
                                     {{"number", number.toStdString()},
                                      {"customer", "cus_9s6XKzkNRiz8i3"},
                                      {"amount_due", 1999},
                                      {"currency", "usd"},
                                      {"metadata", {{"tax_code", "txcd_10103001"}}}}}}}};
    return QByteArray::fromStdString(event.dump());
}

inline nlohmann::json parse(const QByteArray &body)
{
    return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

class EngineFixture
{
public:
    QTemporaryDir dir;
    std::unique_ptr<runtime::Engine> engine;
    net::HttpClient client;
    net::HttpServer erp;
    std::atomic<int> erpCalls{0};
    QHash<security::Role, QByteArray> tokens; // a user of each role
    QHash<security::Role, QString> userIds;

    QString path(const QString &relative) const { return dir.filePath(relative); }
    QString workspaceFolder() const { return path(QStringLiteral("ws")); }
    QString databasePath() const { return path(QStringLiteral("engine.db")); }
    QString secretsPath() const { return path(QStringLiteral("secrets.json")); }

    /// Writes the workspace and the secrets file, starts the ERP and the engine, makes users.
    bool start(const QByteArray &erpKey = "key-123")
    {
        if (!erp.listen({}, [this](net::ServerRequest, net::Responder respond) {
                ++erpCalls;
                respond(net::ServerResponse::json(201, R"({"id":"AR-1"})"));
            })) {
            return false;
        }
        copyWorkspace();
        writeFile(QStringLiteral("ws/flows/manual-invoice.flow.json"), kManualFlow);
        const nlohmann::json secrets = {{"secret:erp/api-key", erpKey.toStdString()},
                                        {"secret:billing/webhook-signing", "whsec_test"}};
        writeFile(QStringLiteral("secrets.json"), QByteArray::fromStdString(secrets.dump()));
        QFile::setPermissions(secretsPath(), QFile::ReadOwner | QFile::WriteOwner);

        runtime::EngineOptions options;
        options.workspaceFolder = workspaceFolder();
        options.databasePath = databasePath();
        options.listenPort = 0;
        options.adminToken = kBootToken;
        options.secretsFile = secretsPath();
        options.workers = 2;
        options.httpThreads = 2;
        Result<std::unique_ptr<runtime::Engine>> started = runtime::Engine::start(options);
        if (!started) {
            qWarning("engine did not start: %s", qPrintable(started.error().message));
            return false;
        }
        engine = std::move(*started);
        for (security::Role role : security::allRoles()) {
            const QString id = security::roleName(role) + QStringLiteral("-user");
            const net::HttpResponse made =
                call(kBootToken,
                     "POST",
                     QStringLiteral("/api/v1/users"),
                     QByteArray::fromStdString(
                         nlohmann::json({{"id", id.toStdString()},
                                         {"role", security::roleName(role).toStdString()}})
                             .dump()));
            if (made.status != 201) {
                return false;
            }
            tokens.insert(role, QByteArray::fromStdString(parse(made.body)["token"]));
            userIds.insert(role, id);
        }
        return true;
    }

    void stop()
    {
        if (engine) {
            engine->stop();
            engine.reset();
        }
        erp.stop();
    }

    net::HttpResponse call(const QByteArray &token,
                           const QByteArray &method,
                           const QString &target,
                           const QByteArray &body = {})
    {
        net::HttpRequest request;
        request.method = method;
        request.url = QStringLiteral("http://127.0.0.1:%1").arg(engine->port()) + target;
        request.headers = {{"Authorization", "Bearer " + token}};
        if (!body.isEmpty()) {
            request.headers.append(
                qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
            request.body = body;
        }
        const net::HttpOutcome outcome = client.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }

    /// The deployment request for the workspace as it is on disk.
    QByteArray deploymentBody() const
    {
        const model::LoadResult loaded = model::loadWorkspace(workspaceFolder());
        return QByteArray::fromStdString(
            runtime::deploybundle::workspaceToJson(loaded.workspace).dump());
    }

    /// The newest audit sequence number (0 when the trail is empty).
    qint64 lastAuditSequence()
    {
        const nlohmann::json page =
            parse(call(kBootToken, "GET", QStringLiteral("/api/v1/audit?limit=1")).body);
        const nlohmann::json entries = page.value("entries", nlohmann::json::array());
        return entries.empty() ? 0 : entries[0].value("sequence", qint64(0));
    }

    /// Audit entries after `sequence` matching the query (e.g. "action=deploy&actor=x").
    nlohmann::json auditAfter(qint64 sequence, const QString &query)
    {
        return parse(call(kBootToken,
                          "GET",
                          QStringLiteral("/api/v1/audit?after=%1&%2").arg(sequence).arg(query))
                         .body)
            .value("entries", nlohmann::json::array());
    }

    void writeFile(const QString &relative, const QByteArray &text)
    {
        QFile file(path(relative));
        QDir().mkpath(QFileInfo(file).absolutePath());
        if (file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            file.write(text);
        }
    }

private:
    void copyWorkspace()
    {
        for (const QString &sub : {QStringLiteral("canonical"),
                                   QStringLiteral("systems"),
                                   QStringLiteral("mappings"),
                                   QStringLiteral("flows")}) {
            QDir().mkpath(path(QStringLiteral("ws/") + sub));
            for (const QString &file : QDir(kFixture + u'/' + sub).entryList(QDir::Files)) {
                QFile source(kFixture + u'/' + sub + u'/' + file);
                if (source.open(QIODevice::ReadOnly)) {
                    QByteArray text = source.readAll();
                    text.replace(
                        "http://127.0.0.1:9/erp",
                        QStringLiteral("http://127.0.0.1:%1/erp").arg(erp.port()).toUtf8());
                    writeFile(QStringLiteral("ws/") + sub + u'/' + file, text);
                }
            }
        }
        QFile::copy(kFixture + QStringLiteral("/syncline.workspace.json"),
                    path(QStringLiteral("ws/syncline.workspace.json")));
    }
};

} // namespace accesstest
