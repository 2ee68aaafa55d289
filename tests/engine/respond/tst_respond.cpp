#include "engine/net/httpclient.h"
#include "engine/runtime/engine.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <future>
#include <vector>

using namespace syncline::engine;

namespace {

const QByteArray kToken = "respond-test-token";

// Support asks, while its agent waits, which entitlement an account has: a crosswalk answers
// the known accounts (200) and the flow answers the unknown ones itself (404).
const QByteArray kEntitlementFlow =
    R"({"id": "entitlement", "name": "Entitlement check", "nodes": [)"
    R"({"id": "hook", "type": "webhook", "settings": {"businessKey": "/account"}},)"
    R"({"id": "plans", "type": "lookup", "settings": {"lookup": "plans", "valueColumn": "level", "input": "/account", "target": "level"}},)"
    R"({"id": "answer", "type": "map", "settings": {"mapping": "entitlement-answer"}},)"
    R"({"id": "reply", "type": "respond", "settings": {"timeoutMs": 10000}},)"
    R"({"id": "unknown", "type": "map", "settings": {"mapping": "unknown-answer"}},)"
    R"({"id": "replyUnknown", "type": "respond", "settings": {"status": 404, "timeoutMs": 10000}}],)"
    R"("edges": [{"from": "hook", "to": "plans"}, {"from": "plans", "to": "answer"},)"
    R"({"from": "plans", "to": "unknown", "output": "miss"}, {"from": "answer", "to": "reply"},)"
    R"({"from": "unknown", "to": "replyUnknown"}]})";

// A flow whose answer comes only after an hour's hold: the sender stops waiting first.
const QByteArray kSlowFlow =
    R"({"id": "slow", "name": "Answer after a hold", "nodes": [)"
    R"({"id": "hook", "type": "webhook", "settings": {}},)"
    R"({"id": "hold", "type": "delay", "settings": {"durationMs": 3600000}},)"
    R"({"id": "reply", "type": "respond", "settings": {"timeoutMs": 300}}],)"
    R"("edges": [{"from": "hook", "to": "hold"}, {"from": "hold", "to": "reply"}]})";

const QByteArray kAnswerMapping =
    R"({"id": "entitlement-answer", "name": "Entitlement answer",)"
    R"("source": {"system": "support", "object": "ticket"}, "target": {"system": "support", "object": "entitlement"},)"
    R"("fields": {"account": "account", "level": "level", "ticket": "ticket"}})";

const QByteArray kUnknownMapping =
    R"({"id": "unknown-answer", "name": "Unknown account answer",)"
    R"("source": {"system": "support", "object": "ticket"}, "target": {"system": "support", "object": "entitlement"},)"
    R"("fields": {"account": "account", "error": "'no entitlement for this account'"}})";

const QByteArray kSupport =
    R"({"id": "support", "name": "Support", "family": "support",)"
    R"("baseUrl": "http://127.0.0.1:9/support", "auth": {"type": "none"}})";

const QByteArray kPlans =
    R"({"id": "plans", "name": "Support plans", "key": "account",)"
    R"("columns": [{"name": "account"}, {"name": "level"}],)"
    R"("rows": [{"account": "ACME-1", "level": "premium"}, {"account": "GLOBEX-2", "level": "standard"}]})";

nlohmann::json parse(const QByteArray &body)
{
    return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

} // namespace

class TestRespond : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<runtime::Engine> m_engine;
    net::HttpClient m_client;

    void write(const QString &relative, const QByteArray &content)
    {
        const QString path = m_dir.filePath(QStringLiteral("ws/") + relative);
        QDir().mkpath(QFileInfo(path).path());
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }

    net::HttpResponse post(const QString &path, const QByteArray &body)
    {
        net::HttpRequest request;
        request.method = "POST";
        request.url = QStringLiteral("http://127.0.0.1:%1%2").arg(m_engine->port()).arg(path);
        request.headers = {{"Content-Type", "application/json"}};
        request.body = body;
        const net::HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }

private slots:
    void initTestCase()
    {
        write(QStringLiteral("syncline.workspace.json"),
              R"({"formatVersion": 1, "name": "Answers"})");
        write(QStringLiteral("flows/entitlement.flow.json"), kEntitlementFlow);
        write(QStringLiteral("flows/slow.flow.json"), kSlowFlow);
        write(QStringLiteral("mappings/entitlement-answer.mapping.json"), kAnswerMapping);
        write(QStringLiteral("mappings/unknown-answer.mapping.json"), kUnknownMapping);
        write(QStringLiteral("lookups/plans.lookup.json"), kPlans);
        write(QStringLiteral("systems/support.system.json"), kSupport);
        runtime::EngineOptions options;
        options.workspaceFolder = m_dir.filePath(QStringLiteral("ws"));
        options.databasePath = m_dir.filePath(QStringLiteral("engine.db"));
        options.listenPort = 0;
        options.adminToken = kToken;
        options.workers = 2;
        options.httpThreads = 2;
        Result<std::unique_ptr<runtime::Engine>> started = runtime::Engine::start(options);
        QVERIFY2(started, started ? "" : qPrintable(started.error().message));
        m_engine = std::move(*started);
    }

    void cleanupTestCase()
    {
        if (m_engine) {
            m_engine->stop();
        }
    }

    void theSenderGetsTheFlowsAnswer()
    {
        const net::HttpResponse answered =
            post(QStringLiteral("/hooks/entitlement/hook"),
                 R"({"id": "evt-1", "account": "ACME-1", "ticket": "T-100"})");
        QCOMPARE(answered.status, 200);
        const nlohmann::json body = parse(answered.body);
        QVERIFY2(body == nlohmann::json({{"account", "ACME-1"},
                                         {"level", "premium"},
                                         {"ticket", "T-100"}}),
                 answered.body.constData());
        QVERIFY(!answered.header("x-correlation-id").isEmpty());
    }

    void aMissIsAnsweredByItsOwnBranch()
    {
        const net::HttpResponse answered =
            post(QStringLiteral("/hooks/entitlement/hook"),
                 R"({"id": "evt-2", "account": "NOBODY-9", "ticket": "T-101"})");
        QCOMPARE(answered.status, 404);
        QCOMPARE(QString::fromStdString(parse(answered.body).value("error", std::string())),
                 QStringLiteral("no entitlement for this account"));
    }

    void concurrentSendersEachGetTheirOwnAnswer()
    {
        std::vector<std::future<net::HttpOutcome>> sent;
        for (int i = 0; i < 20; ++i) {
            net::HttpRequest request;
            request.method = "POST";
            request.url = QStringLiteral("http://127.0.0.1:%1/hooks/entitlement/hook")
                              .arg(m_engine->port());
            request.body = QStringLiteral(R"({"id": "evt-c%1", "account": "%2", "ticket": "T-%1"})")
                               .arg(i)
                               .arg(i % 2 ? QStringLiteral("GLOBEX-2") : QStringLiteral("ACME-1"))
                               .toUtf8();
            sent.push_back(m_client.send(request));
        }
        for (int i = 0; i < 20; ++i) {
            const net::HttpOutcome outcome = sent[i].get();
            QVERIFY(outcome.response);
            QCOMPARE(outcome.response->status, 200);
            const nlohmann::json body = parse(outcome.response->body);
            QCOMPARE(QString::fromStdString(body.value("ticket", std::string())),
                     QStringLiteral("T-%1").arg(i));
            QCOMPARE(QString::fromStdString(body.value("level", std::string())),
                     i % 2 ? QStringLiteral("standard") : QStringLiteral("premium"));
        }
    }

    void aLateAnswerLeavesTheUsualReceipt()
    {
        const net::HttpResponse receipt =
            post(QStringLiteral("/hooks/slow/hook"), R"({"id": "evt-3", "account": "ACME-1"})");
        QCOMPARE(receipt.status, 202); // committed; the answer did not come within 300 ms
        const nlohmann::json body = parse(receipt.body);
        QVERIFY(body.contains("correlationId") && body.contains("messageId"));
    }

    void aRepeatedDeliveryGetsTheOriginalIds()
    {
        const QByteArray event = R"({"id": "evt-4", "account": "ACME-1", "ticket": "T-104"})";
        QCOMPARE(post(QStringLiteral("/hooks/entitlement/hook"), event).status, 200);
        const net::HttpResponse again = post(QStringLiteral("/hooks/entitlement/hook"), event);
        QCOMPARE(again.status, 200);
        QVERIFY(parse(again.body).contains("messageId")); // nothing new ran
    }
};

QTEST_GUILESS_MAIN(TestRespond)
#include "tst_respond.moc"
