#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/engine.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <mutex>

using namespace syncline::engine;

namespace {

const QString kEngineProgram = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");
const QByteArray kToken = "lineage-t0ken";

// The ERP and billing on loopback: they answer each call with the id a real system would
// return (an ERP line and document number, a billing usage record).
class Targets
{
public:
    Targets()
    {
        const Result<void> listening =
            m_server.listen({}, [this](net::ServerRequest r, net::Responder respond) {
                const QJsonObject body = QJsonDocument::fromJson(r.body).object();
                std::lock_guard lock(m_mutex);
                m_calls.append(QString::fromUtf8(r.path));
                QString id;
                if (r.path == "/erp/lines") {
                    id = QStringLiteral("ERPL-") + body.value(QStringLiteral("id")).toString();
                    // Lines R… need a tax code: the ERP refuses them without one.
                    if (id.startsWith(u"ERPL-R") && !body.contains(QStringLiteral("taxCode"))) {
                        respond(net::ServerResponse::json(422, R"({"error":"tax code missing"})"));
                        return;
                    }
                } else if (r.path == "/erp/invoices") {
                    id = QStringLiteral("AR-") + body.value(QStringLiteral("number")).toString();
                } else {
                    id = QStringLiteral("UR-") + body.value(QStringLiteral("group")).toString();
                }
                respond(
                    net::ServerResponse::json(201,
                                              QJsonDocument(QJsonObject{{QStringLiteral("id"), id}})
                                                  .toJson(QJsonDocument::Compact)));
            });
        Q_ASSERT(listening.ok());
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }
    int calls(const QString &path) const
    {
        std::lock_guard lock(m_mutex);
        return int(m_calls.count(path));
    }

private:
    net::HttpServer m_server;
    mutable std::mutex m_mutex;
    QStringList m_calls;
};

QJsonObject object(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QSet<QString> messageIds(const QJsonObject &graph)
{
    QSet<QString> ids;
    for (const QJsonValue &m : graph.value(QStringLiteral("messages")).toArray()) {
        ids.insert(m[QStringLiteral("id")].toString());
    }
    return ids;
}

QStringList edgeKinds(const QJsonObject &graph)
{
    QStringList kinds;
    for (const QJsonValue &e : graph.value(QStringLiteral("edges")).toArray()) {
        kinds.append(e[QStringLiteral("kind")].toString());
    }
    kinds.sort();
    return kinds;
}

QStringList externalIds(const QJsonObject &graph)
{
    QStringList ids;
    for (const QJsonValue &m : graph.value(QStringLiteral("messages")).toArray()) {
        for (const QJsonValue &e : m[QStringLiteral("effects")].toArray()) {
            const QJsonObject found = e[QStringLiteral("externalIds")].toObject();
            for (auto it = found.begin(); it != found.end(); ++it) {
                ids.append(it.key() + u'=' + it.value().toString());
            }
        }
    }
    ids.sort();
    return ids;
}

} // namespace

class TestLineage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Targets> m_targets;
    std::unique_ptr<runtime::Engine> m_engine;
    net::HttpClient m_client;

    QString url(const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_engine->port()).arg(path);
    }

    net::HttpResponse get(const QString &pathAndQuery, const QByteArray &token = kToken)
    {
        net::HttpRequest request;
        request.url = url(pathAndQuery);
        request.headers = {{"Authorization", "Bearer " + token}};
        const net::HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }

    int trigger(const QString &flow, const QByteArray &correlationId, const QByteArray &payload)
    {
        net::HttpRequest request;
        request.method = "POST";
        request.url = url(QStringLiteral("/api/v1/flows/%1/triggers/start/messages").arg(flow));
        request.headers = {{"Authorization", "Bearer " + kToken},
                           {"X-Correlation-ID", correlationId}};
        request.body = payload;
        const net::HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? outcome.response->status : 0;
    }

    QJsonObject lineage(const QString &query)
    {
        const net::HttpResponse response = get(QStringLiteral("/api/v1/lineage?") + query);
        return response.status == 200 ? object(response.body) : QJsonObject();
    }

    // Effects that have their outcome: an intent is in the lineage before the call ends.
    int effectsIn(const QString &query)
    {
        int done = 0;
        for (const QJsonValue message : lineage(query)[QStringLiteral("messages")].toArray()) {
            for (const QJsonValue effect : message[QStringLiteral("effects")].toArray()) {
                done += effect[QStringLiteral("state")].toString() == QLatin1String("succeeded");
            }
        }
        return done;
    }

    void writeFile(const QString &relative, const QByteArray &text)
    {
        QFile file(m_dir.filePath(relative));
        QVERIFY(QDir().mkpath(QFileInfo(file).absolutePath()));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
    }

    void writeWorkspace()
    {
        writeFile(QStringLiteral("ws/syncline.workspace.json"),
                  R"({"formatVersion": 1, "name": "Lineage"})");
        for (const char *system : {"erp", "billing"}) {
            writeFile(QStringLiteral("ws/systems/%1.system.json").arg(QLatin1String(system)),
                      QStringLiteral(R"({"id": "%1", "name": "%1", "family": "%1",
                      "baseUrl": "%2/%1", "auth": {"type": "none"},
                      "idempotency": {"supported": true, "header": "Idempotency-Key"}})")
                          .arg(QLatin1String(system), m_targets->baseUrl())
                          .toUtf8());
        }
        writeFile(QStringLiteral("ws/flows/invoice-lines.flow.json"), R"({"id": "invoice-lines",
  "name": "Invoice lines to the ERP",
  "nodes": [
    {"id": "start", "type": "manual", "settings": {"businessKey": "/number"}},
    {"id": "split-lines", "type": "split", "settings": {"items": "lines", "businessKey": "id"}},
    {"id": "post-line", "type": "http", "settings": {"system": "erp", "path": "/lines",
      "businessKey": "/id", "externalIds": {"erpLine": "/id"}}}],
  "edges": [{"from": "start", "to": "split-lines"}, {"from": "split-lines", "to": "post-line"}]})");
        writeFile(QStringLiteral("ws/flows/usage-rollup.flow.json"), R"({"id": "usage-rollup",
  "name": "Usage to billing",
  "nodes": [
    {"id": "start", "type": "manual", "settings": {"businessKey": "/event"}},
    {"id": "rollup", "type": "aggregate", "settings": {"count": 3, "groupBy": "subscription",
      "value": "quantity"}},
    {"id": "post-usage", "type": "http", "settings": {"system": "billing", "path": "/usage",
      "externalIds": {"billingUsage": "/id"}}}],
  "edges": [{"from": "start", "to": "rollup"}, {"from": "rollup", "to": "post-usage"}]})");
        writeFile(QStringLiteral("ws/flows/announce.flow.json"), R"({"id": "announce",
  "name": "Announce invoices",
  "nodes": [
    {"id": "start", "type": "manual", "settings": {"businessKey": "/number"}},
    {"id": "tell", "type": "publish", "settings": {"topic": "invoices"}}],
  "edges": [{"from": "start", "to": "tell"}]})");
        writeFile(QStringLiteral("ws/flows/listen.flow.json"), R"({"id": "listen",
  "name": "Post announced invoices",
  "nodes": [
    {"id": "heard", "type": "subscribe", "settings": {"topic": "invoices"}},
    {"id": "post-invoice", "type": "http", "settings": {"system": "erp", "path": "/invoices",
      "businessKey": "/number", "externalIds": {"erpDocument": "/id"}}}],
  "edges": [{"from": "heard", "to": "post-invoice"}]})");
    }

    int
    runCli(const QStringList &arguments, QByteArray *output = nullptr, QByteArray *errors = nullptr)
    {
        QProcess cli;
        cli.start(kEngineProgram,
                  QStringList{QStringLiteral("lineage"),
                              QStringLiteral("--engine"),
                              url(QString()),
                              QStringLiteral("--token-file"),
                              m_dir.filePath(QStringLiteral("token"))} +
                      arguments);
        if (!cli.waitForFinished(20000)) {
            return -1;
        }
        if (output) {
            *output = cli.readAllStandardOutput();
        }
        if (errors) {
            *errors = cli.readAllStandardError();
        }
        return cli.exitCode();
    }

private slots:
    void initTestCase()
    {
        m_targets = std::make_unique<Targets>();
        writeWorkspace();
        writeFile(QStringLiteral("token"), kToken + '\n');
        runtime::EngineOptions options;
        options.workspaceFolder = m_dir.filePath(QStringLiteral("ws"));
        options.databasePath = m_dir.filePath(QStringLiteral("engine.db"));
        options.listenPort = 0;
        options.adminToken = kToken;
        options.workers = 4;
        options.secrets = [](const QString &) { return std::optional<QByteArray>(); };
        Result<std::unique_ptr<runtime::Engine>> started = runtime::Engine::start(options);
        QVERIFY2(started, qPrintable(started ? QString() : started.error().message));
        m_engine = std::move(*started);

        // A split, an aggregate and a publish, each run by the engine's executor.
        QCOMPARE(trigger(QStringLiteral("invoice-lines"),
                         "s-1",
                         R"({"number":"INV-S1","contact":"dana.whitfield@example.com",)"
                         R"("lines":[{"id":"S1-1","amount":"10.00"},)"
                         R"({"id":"S1-2","amount":"5.50"}]})"),
                 202);
        for (int i = 1; i <= 3; ++i) {
            QCOMPARE(trigger(QStringLiteral("usage-rollup"),
                             QByteArray("u-") + QByteArray::number(i),
                             QStringLiteral(R"({"event":"E-%1","subscription":"sub-9",)"
                                            R"("quantity":%1})")
                                 .arg(i)
                                 .toUtf8()),
                     202);
        }
        QCOMPARE(trigger(QStringLiteral("announce"), "p-1", R"({"number":"INV-P1"})"), 202);
        QTRY_COMPARE_WITH_TIMEOUT(effectsIn(QStringLiteral("correlationId=s-1")), 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(effectsIn(QStringLiteral("correlationId=u-1")), 1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(effectsIn(QStringLiteral("correlationId=p-1")), 1, 20000);
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        m_targets.reset();
    }

    void aSplitShowsEveryLineAndItsEffect()
    {
        const QJsonObject graph = lineage(QStringLiteral("correlationId=s-1"));
        QCOMPARE(graph[QStringLiteral("format")].toString(), QStringLiteral("syncline-lineage/1"));
        QCOMPARE(messageIds(graph).size(), 3);
        QCOMPARE(edgeKinds(graph), (QStringList{QStringLiteral("split"), QStringLiteral("split")}));
        QCOMPARE(externalIds(graph),
                 (QStringList{QStringLiteral("erpLine=ERPL-S1-1"),
                              QStringLiteral("erpLine=ERPL-S1-2")}));
        QCOMPARE(m_targets->calls(QStringLiteral("/erp/lines")), 2);
        const QJsonArray messages = graph[QStringLiteral("messages")].toArray();
        const QJsonObject source = messages.first().toObject();
        QVERIFY(source[QStringLiteral("source")].toBool());
        QVERIFY(source[QStringLiteral("matched")].toBool());
        QCOMPARE(source[QStringLiteral("businessKey")].toString(), QStringLiteral("INV-S1"));
        QCOMPARE(source[QStringLiteral("nodePath")].toArray(),
                 QJsonArray{QStringLiteral("split-lines")});
        QCOMPARE(source[QStringLiteral("payload")][QStringLiteral("number")].toString(),
                 QStringLiteral("INV-S1"));
        for (qsizetype i = 1; i < messages.size(); ++i) {
            const QJsonObject line = messages[i].toObject();
            QCOMPARE(line[QStringLiteral("status")].toString(), QStringLiteral("succeeded"));
            QCOMPARE(line[QStringLiteral("attempts")].toInt(), 1);
            const QJsonObject step = line[QStringLiteral("steps")][0].toObject();
            QCOMPARE(step[QStringLiteral("node")].toString(), QStringLiteral("post-line"));
            QVERIFY(step[QStringLiteral("durationMs")].toInt() >= 0);
            QVERIFY(!step[QStringLiteral("startedAt")].toString().isEmpty());
            const QJsonObject effect = line[QStringLiteral("effects")][0].toObject();
            QCOMPARE(effect[QStringLiteral("target")].toString(), QStringLiteral("erp"));
            QCOMPARE(effect[QStringLiteral("method")].toString(), QStringLiteral("POST"));
            QCOMPARE(effect[QStringLiteral("url")].toString(),
                     m_targets->baseUrl() + QStringLiteral("/erp/lines"));
            QCOMPARE(effect[QStringLiteral("httpStatus")].toInt(), 201);
            QCOMPARE(effect[QStringLiteral("state")].toString(), QStringLiteral("succeeded"));
            QVERIFY(effect[QStringLiteral("idempotencyKey")].toString().startsWith(u"syn-"));
        }
    }

    void anAggregateJoinsItsMembersAcrossCorrelations()
    {
        for (const char *member : {"u-1", "u-2", "u-3"}) {
            const QJsonObject graph =
                lineage(QStringLiteral("correlationId=") + QLatin1String(member));
            QCOMPARE(messageIds(graph).size(), 4); // three events and their aggregate
            QCOMPARE(edgeKinds(graph), QStringList(3, QStringLiteral("aggregate")));
            QCOMPARE(externalIds(graph), QStringList{QStringLiteral("billingUsage=UR-sub-9")});
            QCOMPARE(graph[QStringLiteral("summary")][QStringLiteral("flows")].toArray(),
                     QJsonArray{QStringLiteral("usage-rollup")});
        }
        const QJsonObject graph = lineage(QStringLiteral("externalId=UR-sub-9"));
        QCOMPARE(messageIds(graph).size(), 4);
        int sources = 0;
        for (const QJsonValue &m : graph[QStringLiteral("messages")].toArray()) {
            sources += m[QStringLiteral("source")].toBool();
            if (!m[QStringLiteral("effects")].toArray().isEmpty()) {
                QVERIFY(m[QStringLiteral("matched")].toBool());
                QCOMPARE(m[QStringLiteral("payload")][QStringLiteral("count")].toInt(), 3);
            }
        }
        QCOMPARE(sources, 3);
    }

    void aPublishIsFollowedIntoTheSubscribingFlow()
    {
        const QJsonObject graph = lineage(QStringLiteral("externalId=AR-INV-P1"));
        QCOMPARE(messageIds(graph).size(), 2);
        QCOMPARE(edgeKinds(graph), QStringList{QStringLiteral("publish")});
        QCOMPARE(graph[QStringLiteral("summary")][QStringLiteral("flows")].toArray(),
                 (QJsonArray{QStringLiteral("announce"), QStringLiteral("listen")}));
        QCOMPARE(externalIds(graph), QStringList{QStringLiteral("erpDocument=AR-INV-P1")});
        QCOMPARE(messageIds(lineage(QStringLiteral("correlationId=p-1"))), messageIds(graph));
    }

    void everyKeyFindsTheSameWhole_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("sameAs");
        const QString split = QStringLiteral("correlationId=s-1");
        QTest::newRow("business key of the invoice")
            << QStringLiteral("businessKey=INV-S1") << split;
        QTest::newRow("business key of a line") << QStringLiteral("businessKey=S1-2") << split;
        QTest::newRow("external id of a line") << QStringLiteral("externalId=ERPL-S1-1") << split;
        QTest::newRow("member's event key")
            << QStringLiteral("businessKey=E-2") << QStringLiteral("correlationId=u-3");
        QTest::newRow("aggregate's group key")
            << QStringLiteral("businessKey=sub-9") << QStringLiteral("correlationId=u-1");
        QTest::newRow("published invoice")
            << QStringLiteral("businessKey=INV-P1") << QStringLiteral("correlationId=p-1");
    }

    void everyKeyFindsTheSameWhole()
    {
        QFETCH(QString, query);
        QFETCH(QString, sameAs);
        const QSet<QString> expected = messageIds(lineage(sameAs));
        QVERIFY(!expected.isEmpty());
        QCOMPARE(messageIds(lineage(query)), expected);
    }

    void anUnknownKeyIsNotFound_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("correlation id") << QStringLiteral("correlationId=none");
        QTest::newRow("business key") << QStringLiteral("businessKey=INV-0");
        QTest::newRow("external id") << QStringLiteral("externalId=AR-0");
    }

    void anUnknownKeyIsNotFound()
    {
        QFETCH(QString, query);
        const net::HttpResponse response = get(QStringLiteral("/api/v1/lineage?") + query);
        QCOMPARE(response.status, 404);
        QCOMPARE(object(response.body)[QStringLiteral("code")].toString(),
                 QStringLiteral("NO_LINEAGE"));
    }

    void badQueriesNameTheParameter_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("named");
        QTest::newRow("no key") << QString()
                                << QStringLiteral("correlationId, businessKey or "
                                                  "externalId");
        QTest::newRow("misspelt key")
            << QStringLiteral("correlationID=s-1") << QStringLiteral("give one of correlationId");
        QTest::newRow("two keys") << QStringLiteral("correlationId=s-1&externalId=ERPL-S1-1")
                                  << QStringLiteral("(got correlationId and externalId)");
        QTest::newRow("three keys")
            << QStringLiteral("externalId=a&businessKey=b&correlationId=c")
            << QStringLiteral("(got correlationId and businessKey and externalId)");
        QTest::newRow("empty key") << QStringLiteral("businessKey=")
                                   << QStringLiteral("businessKey "
                                                     "is empty");
        QTest::newRow("limit zero")
            << QStringLiteral("correlationId=s-1&limit=0") << QStringLiteral("limit must be");
        QTest::newRow("limit not a number")
            << QStringLiteral("correlationId=s-1&limit=many") << QStringLiteral("limit must be");
        QTest::newRow("format") << QStringLiteral("correlationId=s-1&format=xml")
                                << QStringLiteral("format must be json or export");
    }

    void badQueriesNameTheParameter()
    {
        QFETCH(QString, query);
        QFETCH(QString, named);
        const net::HttpResponse response = get(QStringLiteral("/api/v1/lineage?") + query);
        QCOMPARE(response.status, 400);
        const QJsonObject problem = object(response.body);
        QCOMPARE(problem[QStringLiteral("code")].toString(), QStringLiteral("LINEAGE_QUERY"));
        QVERIFY2(problem[QStringLiteral("detail")].toString().contains(named),
                 response.body.constData());
    }

    void theExportIsTheSameDocumentAsAFile()
    {
        const net::HttpResponse plain = get(QStringLiteral("/api/v1/lineage?businessKey=INV-S1"));
        const net::HttpResponse exported =
            get(QStringLiteral("/api/v1/lineage?businessKey=INV-S1&format=export"));
        QCOMPARE(exported.status, 200);
        QCOMPARE(exported.header("content-disposition"),
                 QByteArray("attachment; filename=\"lineage-businessKey-INV-S1.json\""));
        QVERIFY(exported.body.contains("\n  \"messages\": ["));
        QCOMPARE(QJsonDocument::fromJson(exported.body), QJsonDocument::fromJson(plain.body));
        QCOMPARE(get(QStringLiteral("/api/v1/lineage?businessKey=INV-S1"), "wrong").status, 401);
    }

    void personalDataIsMaskedUnlessUnmaskedWithAReason()
    {
        const auto contact = [](const QJsonObject &graph) {
            return graph[QStringLiteral("messages")][0][QStringLiteral("payload")]
                        [QStringLiteral("contact")]
                            .toString();
        };
        const QJsonObject masked = lineage(QStringLiteral("correlationId=s-1"));
        QCOMPARE(masked[QStringLiteral("payloads")].toString(), QStringLiteral("masked"));
        QVERIFY(!contact(masked).isEmpty());
        QVERIFY(!contact(masked).contains(QStringLiteral("dana.whitfield@example.com")));
        QCOMPARE(masked[QStringLiteral("messages")][0][QStringLiteral("payload")]
                       [QStringLiteral("number")]
                           .toString(),
                 QStringLiteral("INV-S1"));

        // A viewer sees the same masked lineage and may not unmask it.
        net::HttpRequest addUser;
        addUser.method = "POST";
        addUser.url = url(QStringLiteral("/api/v1/users"));
        addUser.headers = {{"Authorization", "Bearer " + kToken},
                           {"Content-Type", "application/json"}};
        addUser.body = R"({"id":"vera","role":"viewer"})";
        const net::HttpOutcome added = m_client.send(addUser).get();
        QVERIFY(added.response);
        QCOMPARE(added.response->status, 201);
        const QByteArray viewer =
            object(added.response->body)[QStringLiteral("token")].toString().toUtf8();
        const net::HttpResponse seen =
            get(QStringLiteral("/api/v1/lineage?correlationId=s-1"), viewer);
        QCOMPARE(seen.status, 200);
        QCOMPARE(contact(object(seen.body)), contact(masked));
        QCOMPARE(
            get(QStringLiteral("/api/v1/lineage?correlationId=s-1&unmask=true&reason=x"), viewer)
                .status,
            403);

        // An administrator unmasks with a reason, and the audit trail keeps it.
        const net::HttpResponse noReason =
            get(QStringLiteral("/api/v1/lineage?correlationId=s-1&unmask=true"));
        QCOMPARE(noReason.status, 400);
        QCOMPARE(object(noReason.body)[QStringLiteral("code")].toString(),
                 QStringLiteral("REASON_REQUIRED"));
        const QJsonObject clear = object(
            get(QStringLiteral("/api/v1/lineage?correlationId=s-1&unmask=true&reason=dispute"))
                .body);
        QCOMPARE(clear[QStringLiteral("payloads")].toString(), QStringLiteral("clear"));
        QCOMPARE(contact(clear), QStringLiteral("dana.whitfield@example.com"));
        const QJsonArray audit =
            object(get(QStringLiteral("/api/v1/audit?action=unmask&objectType=lineage"))
                       .body)[QStringLiteral("entries")]
                .toArray();
        QCOMPARE(audit.size(), 1);
        QCOMPARE(audit[0][QStringLiteral("objectId")].toString(),
                 QStringLiteral("correlationId=s-1"));
        QCOMPARE(audit[0][QStringLiteral("reason")].toString(), QStringLiteral("dispute"));
    }

    void theCliPrintsATreeJsonOrAnExport()
    {
        QByteArray output;
        QByteArray errors;
        QCOMPARE(
            runCli({QStringLiteral("--correlation-id"), QStringLiteral("s-1")}, &output, &errors),
            0);
        const QString tree = QString::fromUtf8(output);
        QVERIFY2(tree.startsWith(QStringLiteral("Lineage by correlation id s-1: 3 messages in 1 "
                                                "flow, 2 effects, 0 failed")),
                 qPrintable(tree + QString::fromUtf8(errors)));
        QVERIFY(tree.contains(QStringLiteral("invoice-lines v1 · message ")));
        QVERIFY(tree.contains(QStringLiteral("· INV-S1 · succeeded")));
        QVERIFY(tree.contains(QStringLiteral("── split at split-lines → invoice-lines v1")));
        QVERIFY(tree.contains(QStringLiteral("post-line attempt 1: succeeded")));
        QVERIFY(tree.contains(QStringLiteral("effect erp POST %1/erp/lines → 201 succeeded")
                                  .arg(m_targets->baseUrl())));
        QVERIFY(tree.contains(QStringLiteral("erpLine = ERPL-S1-2")));

        QCOMPARE(runCli({QStringLiteral("--external-id"),
                         QStringLiteral("AR-INV-P1"),
                         QStringLiteral("--json")},
                        &output),
                 0);
        QCOMPARE(messageIds(object(output)),
                 messageIds(lineage(QStringLiteral("correlationId=p-1"))));

        QCOMPARE(runCli({QStringLiteral("--correlation-id"),
                         QStringLiteral("s-1"),
                         QStringLiteral("--json"),
                         QStringLiteral("--unmask"),
                         QStringLiteral("customer asked")},
                        &output),
                 0);
        QCOMPARE(object(output)[QStringLiteral("payloads")].toString(), QStringLiteral("clear"));

        const QString file = m_dir.filePath(QStringLiteral("export.json"));
        QCOMPARE(runCli({QStringLiteral("--business-key"),
                         QStringLiteral("sub-9"),
                         QStringLiteral("--output"),
                         file},
                        &output),
                 0);
        QCOMPARE(output, QByteArray("wrote ") + file.toUtf8() + ": 4 messages, 1 effects\n");
        QFile written(file);
        QVERIFY(written.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll(),
                 get(QStringLiteral("/api/v1/lineage?businessKey=sub-9&format=export")).body);
    }

    void aRepairShowsTheFailureWhoRepairedItAndThePosting()
    {
        QCOMPARE(trigger(QStringLiteral("invoice-lines"),
                         "r-1",
                         R"({"number":"INV-R1","lines":[{"id":"R1-1","amount":"3.00"}]})"),
                 202);
        const auto exceptionId = [this]() -> qint64 {
            const QJsonArray items =
                object(get(QStringLiteral("/api/v1/exceptions?correlationId=r-1"))
                           .body)[QStringLiteral("items")]
                    .toArray();
            return items.isEmpty() ? 0 : qint64(items.first()[QStringLiteral("id")].toDouble());
        };
        QTRY_VERIFY_WITH_TIMEOUT(exceptionId() > 0, 20000);
        net::HttpRequest repair;
        repair.method = "POST";
        repair.url = url(QStringLiteral("/api/v1/exceptions/%1/repair").arg(exceptionId()));
        repair.headers = {{"Authorization", "Bearer " + kToken},
                          {"Content-Type", "application/json"}};
        repair.body = R"({"payload":{"id":"R1-1","amount":"3.00","taxCode":"T1"},)"
                      R"("reason":"tax code added","resubmit":true})";
        const net::HttpOutcome repaired = m_client.send(repair).get();
        QVERIFY(repaired.response);
        QVERIFY2(repaired.response->status == 200, repaired.response->body.constData());
        QTRY_COMPARE_WITH_TIMEOUT(externalIds(lineage(QStringLiteral("correlationId=r-1"))),
                                  QStringList{QStringLiteral("erpLine=ERPL-R1-1")},
                                  20000);

        const QJsonObject graph = lineage(QStringLiteral("businessKey=INV-R1"));
        QCOMPARE(edgeKinds(graph),
                 (QStringList{QStringLiteral("repair"), QStringLiteral("split")}));
        QJsonObject failed;
        QJsonObject fixed;
        for (const QJsonValue &m : graph[QStringLiteral("messages")].toArray()) {
            if (!m[QStringLiteral("exceptions")].toArray().isEmpty()) {
                failed = m.toObject();
            } else if (m[QStringLiteral("payload")][QStringLiteral("taxCode")].isString()) {
                fixed = m.toObject();
            }
        }
        // The failed attempt, with its exception and who repaired it when.
        const QJsonObject failedStep = failed[QStringLiteral("steps")][0].toObject();
        QCOMPARE(failedStep[QStringLiteral("status")].toString(), QStringLiteral("failed"));
        QCOMPARE(failedStep[QStringLiteral("errorCode")].toString(), QStringLiteral("HTTP_4XX"));
        const QJsonObject exception = failed[QStringLiteral("exceptions")][0].toObject();
        QCOMPARE(exception[QStringLiteral("reasonCode")].toString(), QStringLiteral("HTTP_4XX"));
        QCOMPARE(exception[QStringLiteral("state")].toString(), QStringLiteral("resolved"));
        QCOMPARE(exception[QStringLiteral("resolution")].toString(), QStringLiteral("repaired"));
        bool repairedBy = false;
        for (const QJsonValue &event : exception[QStringLiteral("events")].toArray()) {
            repairedBy = repairedBy ||
                         (event[QStringLiteral("kind")].toString() == QLatin1String("repaired") &&
                          event[QStringLiteral("actor")].toString() == QLatin1String("engine") &&
                          event[QStringLiteral("text")].toString().contains(u"tax code added") &&
                          !event[QStringLiteral("at")].toString().isEmpty());
        }
        QVERIFY2(repairedBy, QJsonDocument(exception).toJson().constData());
        // The refused call stays as it was; the repaired input's posting is a new request under
        // a key of its own (the ERP refused the first body, so it created nothing).
        QCOMPARE(fixed[QStringLiteral("steps")][0][QStringLiteral("status")].toString(),
                 QStringLiteral("succeeded"));
        const QJsonObject refused = failed[QStringLiteral("effects")][0].toObject();
        QCOMPARE(refused[QStringLiteral("state")].toString(), QStringLiteral("failed"));
        QCOMPARE(refused[QStringLiteral("attempts")].toInt(), 1);
        const QJsonObject posted = fixed[QStringLiteral("effects")][0].toObject();
        QCOMPARE(posted[QStringLiteral("state")].toString(), QStringLiteral("succeeded"));
        QCOMPARE(posted[QStringLiteral("idempotencyKey")].toString(),
                 refused[QStringLiteral("idempotencyKey")].toString() + QStringLiteral("-r1"));
        QCOMPARE(graph[QStringLiteral("summary")][QStringLiteral("exceptions")].toInt(), 1);
        QCOMPARE(failed[QStringLiteral("status")].toString(), QStringLiteral("resolved"));
        QCOMPARE(graph[QStringLiteral("summary")][QStringLiteral("failed")].toInt(), 0);

        QByteArray tree;
        QCOMPARE(runCli({QStringLiteral("--correlation-id"), QStringLiteral("r-1")}, &tree), 0);
        QVERIFY2(tree.contains("HTTP_4XX (business) at post-line: resolved, repaired by engine"),
                 tree.constData());
        QVERIFY(tree.contains("engine (admin) repaired: input repaired (version 1): tax code "
                              "added"));
        QVERIFY(tree.contains("repair at post-line → invoice-lines v1"));
    }

    void theCliRefusesWhatItCannotAnswer_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("no key") << QStringList() << 2 << QStringLiteral("give one of");
        QTest::newRow("two keys") << QStringList{QStringLiteral("--correlation-id"),
                                                 QStringLiteral("s-1"),
                                                 QStringLiteral("--business-key"),
                                                 QStringLiteral("INV-S1")}
                                  << 2
                                  << QStringLiteral("give only one of --correlation-id, "
                                                    "--business-key");
        QTest::newRow("bad limit") << QStringList{QStringLiteral("--correlation-id"),
                                                  QStringLiteral("s-1"),
                                                  QStringLiteral("--limit"),
                                                  QStringLiteral("0")}
                                   << 2 << QStringLiteral("limit must be");
        QTest::newRow("unknown") << QStringList{QStringLiteral("--external-id"),
                                                QStringLiteral("AR-0")}
                                 << 1 << QStringLiteral("no message has externalId \"AR-0\"");
    }

    void theCliRefusesWhatItCannotAnswer()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QByteArray errors;
        QCOMPARE(runCli(arguments, nullptr, &errors), exitCode);
        QVERIFY2(QString::fromUtf8(errors).contains(message), errors.constData());
    }
};

QTEST_GUILESS_MAIN(TestLineage)
#include "tst_lineage.moc"
