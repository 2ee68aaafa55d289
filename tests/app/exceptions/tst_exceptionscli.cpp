#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/store/connection.h"
#include "tests/common/enginerun.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <mutex>

using namespace syncline::engine;

namespace {

const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

// The ERP: keeps each invoice by idempotency key, as an API with Idempotency-Key support does.
class Erp
{
public:
    Erp()
    {
        const Result<void> listening =
            m_server.listen({}, [this](net::ServerRequest r, net::Responder respond) {
                std::lock_guard lock(m_mutex);
                m_documents.insert(r.header("idempotency-key"), r.body);
                respond(net::ServerResponse::json(201, "{\"id\":\"AR-1\"}"));
            });
        Q_ASSERT(listening.ok());
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }
    QJsonObject document(const QString &number) const
    {
        std::lock_guard lock(m_mutex);
        for (const QByteArray &body : m_documents) {
            const QJsonObject o = QJsonDocument::fromJson(body).object();
            if (o.value(QStringLiteral("number")).toString() == number) {
                return o;
            }
        }
        return {};
    }

private:
    net::HttpServer m_server;
    mutable std::mutex m_mutex;
    QHash<QByteArray, QByteArray> m_documents;
};

// An invoice needs a tax code; the flow checks it before it posts to the ERP.
QByteArray schema()
{
    const nlohmann::json document = {
        {"$id", "invoice.schema.json"},
        {"$schema", "http://json-schema.org/draft-07/schema#"},
        {"title", "Invoice"},
        {"type", "object"},
        {"x-syncline-businessKey", {"number"}},
        {"x-syncline-owner", "erp"},
        {"required", {"number", "amount", "taxCode"}},
        {"properties",
         {{"number", {{"type", "string"}}},
          {"amount", {{"type", "string"}}},
          {"taxCode", {{"type", "string"}, {"minLength", 2}, {"title", "Tax code"}}}}}};
    return QByteArray::fromStdString(document.dump(2));
}

QByteArray flow()
{
    const nlohmann::json document = {
        {"id", "invoices"},
        {"name", "Invoices to the ERP"},
        {"nodes",
         {{{"id", "in"}, {"type", "webhook"}, {"settings", {{"businessKey", "/number"}}}},
          {{"id", "check"}, {"type", "validate"}, {"settings", {{"schema", "invoice"}}}},
          {{"id", "post"},
           {"type", "http"},
           {"settings",
            {{"system", "erp"},
             {"method", "POST"},
             {"path", "/invoices"},
             {"businessKey", "/number"}}}}}},
        {"edges", {{{"from", "in"}, {"to", "check"}}, {{"from", "check"}, {"to", "post"}}}}};
    return QByteArray::fromStdString(document.dump(2));
}

QByteArray erpSystem(const QString &baseUrl)
{
    const nlohmann::json document = {
        {"id", "erp"},
        {"name", "ERP"},
        {"family", "erp"},
        {"baseUrl", baseUrl.toStdString()},
        {"auth", {{"type", "none"}}},
        {"idempotency", {{"supported", true}, {"header", "Idempotency-Key"}}}};
    return QByteArray::fromStdString(document.dump(2));
}

} // namespace

class TestExceptionsCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Erp m_erp;
    QProcess m_engine;
    quint16 m_port = 0;
    net::HttpClient m_client;

    void write(const QString &relative, const QByteArray &text)
    {
        QDir().mkpath(QFileInfo(m_dir.filePath(relative)).absolutePath());
        QFile file(m_dir.filePath(relative));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
    }

    int send(const QByteArray &body)
    {
        net::HttpRequest request;
        request.method = "POST";
        request.url = QStringLiteral("http://127.0.0.1:%1/hooks/invoices/in").arg(m_port);
        request.body = body;
        const net::HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? outcome.response->status : 0;
    }

    struct Run
    {
        int exit = -1;
        QString out;
        QString err;
    };
    Run cli(QStringList arguments)
    {
        arguments << QStringLiteral("--engine") << QStringLiteral("http://127.0.0.1:%1").arg(m_port)
                  << QStringLiteral("--token-file") << m_dir.filePath(str("engine.db.token"));
        QProcess process;
        process.start(kEngine, arguments);
        process.waitForFinished(20000);
        return {process.exitCode(),
                QString::fromUtf8(process.readAllStandardOutput()),
                QString::fromUtf8(process.readAllStandardError())};
    }

    QJsonObject json(const QStringList &arguments)
    {
        const Run run = cli(arguments + QStringList{str("--json")});
        return QJsonDocument::fromJson(run.out.toUtf8()).object();
    }

    // The id of the newest unresolved exception of a business key, waiting for it to come.
    // Sends an invoice without a tax code and returns the exception it becomes (0 when none).
    qint64 raiseWithoutTaxCode(const QString &number)
    {
        const QByteArray body = "{\"number\":\"" + number.toUtf8() + "\",\"amount\":\"5.00\"}";
        return send(body) == 202 ? exceptionOf(number) : 0;
    }

    qint64 exceptionOf(const QString &key)
    {
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired()) {
            const QJsonArray items =
                json({str("exceptions"), str("list"), str("--business-key"), key})
                    .value(str("items"))
                    .toArray();
            if (!items.isEmpty()) {
                return items.first().toObject().value(str("id")).toInteger();
            }
            QTest::qWait(50);
        }
        return 0;
    }

private slots:
    void initTestCase()
    {
        write(str("ws/syncline.workspace.json"), R"({"formatVersion": 1, "name": "Exceptions"})");
        write(str("ws/canonical/invoice.schema.json"), schema());
        write(str("ws/flows/invoices.flow.json"), flow());
        write(str("ws/systems/erp.system.json"), erpSystem(m_erp.baseUrl()));
        const syncline::tests::RunningEngine engine = syncline::tests::startEngineRun(
            m_engine, kEngine,
            {m_dir.filePath(str("ws")), str("--db"), m_dir.filePath(str("engine.db")), str("--listen"),
             str("127.0.0.1:0"), str("--status-every"), str("60")},
            15000);
        m_port = engine.port;
        QVERIFY2(engine.started(), engine.output.constData());
    }

    void cleanupTestCase()
    {
        m_engine.terminate();
        m_engine.waitForFinished(5000);
    }

    void aMissingTaxCodeIsRepairedAndReachesTheErp()
    {
        QCOMPARE(send(R"({"number":"INV-2000","amount":"19.99"})"), 202);
        const qint64 id = exceptionOf(str("INV-2000"));
        QVERIFY(id > 0);

        const Run table = cli({str("exceptions"), str("list")});
        QCOMPARE(table.exit, 0);
        QVERIFY2(table.out.contains(str("SCHEMA /taxCode")), qPrintable(table.out));
        QVERIFY(table.out.contains(str("invoices / check")));
        QVERIFY(table.out.contains(str("INV-2000")));
        QVERIFY(table.out.contains(str("finance")));
        QVERIFY2(table.out.contains(str("1 shown of 1.")), qPrintable(table.out));

        const Run sheet = cli({str("exceptions"), str("show"), QString::number(id)});
        QCOMPARE(sheet.exit, 0);
        QVERIFY2(
            sheet.out.contains(str("canonical entity invoice (declared by validate node check)")),
            qPrintable(sheet.out));
        QVERIFY(sheet.out.contains(str("\"number\": \"INV-2000\"")));

        // A repair that is still wrong is refused, saying what and where.
        write(str("still-wrong.json"), R"({"number":"INV-2000","amount":"19.99","taxCode":"X"})");
        const Run refused = cli({str("exceptions"),
                                 str("repair"),
                                 QString::number(id),
                                 m_dir.filePath(str("still-wrong.json"))});
        QCOMPARE(refused.exit, 1);
        QVERIFY2(refused.err.contains(str("422")) && refused.err.contains(str("/taxCode:")),
                 qPrintable(refused.err));

        write(str("fixed.json"),
              R"({"number":"INV-2000","amount":"19.99","taxCode":"txcd_10103001"})");
        const Run repaired = cli({str("exceptions"),
                                  str("repair"),
                                  QString::number(id),
                                  m_dir.filePath(str("fixed.json")),
                                  str("--reason"),
                                  str("tax code from the contract"),
                                  str("--resubmit")});
        QVERIFY2(repaired.exit == 0, qPrintable(repaired.err));
        QVERIFY2(repaired.out.contains(str("version 1 (a valid invoice)")),
                 qPrintable(repaired.out));
        QVERIFY(repaired.out.contains(
            str("replayed: repaired input version 1 goes again from node check")));
        QTRY_COMPARE_WITH_TIMEOUT(m_erp.document(str("INV-2000")).value(str("taxCode")).toString(),
                                  str("txcd_10103001"),
                                  15000);

        const QJsonObject after = json({str("exceptions"), str("show"), QString::number(id)});
        QCOMPARE(after.value(str("state")).toString(), str("resolved"));
        QCOMPARE(after.value(str("resolution")).toString(), str("repaired"));
        QVERIFY(!after.value(str("input")).toObject().contains(str("taxCode")));
        QCOMPARE(after.value(str("repairedVersions")).toArray().size(), 1);

        const Run twice = cli({str("replay"), QString::number(id), str("--reason"), str("again")});
        QCOMPARE(twice.exit, 1);
        QVERIFY2(twice.err.contains(str("409")), qPrintable(twice.err));
        QCOMPARE(cli({str("replay"), QString::number(id)}).exit, 2); // no reason
    }

    void anExceptionIsAssignedCommentedAndDiscarded()
    {
        const qint64 id = raiseWithoutTaxCode(str("INV-3000"));
        QVERIFY(id > 0);
        const QString number = QString::number(id);
        const Run assigned =
            cli({str("exceptions"), str("assign"), number, str("--to"), str("fiona")});
        QCOMPARE(assigned.exit, 0);
        QCOMPARE(assigned.out, QStringLiteral("Exception %1 is now assigned to fiona.\n").arg(id));
        QCOMPARE(
            cli({str("exceptions"), str("comment"), number, str("customer will send it")}).exit, 0);
        QCOMPARE(cli({str("exceptions"), str("discard"), number}).exit, 2);
        const Run discarded = cli({str("exceptions"),
                                   str("discard"),
                                   number,
                                   str("--reason"),
                                   str("invoice cancelled in billing")});
        QCOMPARE(discarded.exit, 0);
        QVERIFY(discarded.out.contains(str("resolved (discarded)")));

        const Run history = cli({str("exceptions"), str("show"), number});
        QVERIFY2(history.out.contains(str("customer will send it")), qPrintable(history.out));
        const Run none =
            cli({str("exceptions"), str("list"), str("--business-key"), str("INV-3000")});
        QVERIFY2(none.out.startsWith(str("No exceptions match.")), qPrintable(none.out));
        const Run any = cli({str("exceptions"),
                             str("list"),
                             str("--state"),
                             str("any"),
                             str("--counts"),
                             str("reason,state")});
        QVERIFY2(any.out.contains(str("By state: resolved 2")), qPrintable(any.out));

        // Every action on the exception is in the audit trail, with the bootstrap token's user.
        auto c =
            store::Connection::open(m_dir.filePath(str("engine.db")), store::OpenMode::ReadOnly);
        QVERIFY(c.ok());
        auto rows = c->prepare("SELECT action, actor, reason FROM audit"
                               " WHERE object_type = 'exception' ORDER BY sequence");
        QStringList actions;
        while (*rows->step()) {
            actions.append(rows->qtext(0) + u'/' + rows->qtext(1));
        }
        QCOMPARE(actions,
                 (QStringList{str("repair/engine"),
                              str("replay/engine"),
                              str("assign/engine"),
                              str("comment/engine"),
                              str("discard/engine")}));
    }

    void anUnreadableInputIsNamedInTheSheet()
    {
        const qint64 id = raiseWithoutTaxCode(str("INV-3100"));
        QVERIFY(id > 0);
        const QString number = QString::number(id);
        const QString messageId =
            json({str("exceptions"), str("show"), number}).value(str("messageId")).toString();
        QVERIFY(!messageId.isEmpty());
        {
            auto c = store::Connection::open(m_dir.filePath(str("engine.db")));
            auto damage = c->prepare("UPDATE messages SET payload_encoding = 7 WHERE message_id = ?");
            damage->bind(1, messageId);
            QVERIFY(damage->run());
        }
        const Run sheet = cli({str("exceptions"), str("show"), number});
        QCOMPARE(sheet.exit, 0);
        QVERIFY2(sheet.out.contains(str("cannot be read: the stored payload of message ")
                                    + messageId),
                 qPrintable(sheet.out));
    }

    void badUsageSaysSo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no action") << QStringList{str("exceptions")};
        QTest::newRow("unknown action") << QStringList{str("exceptions"), str("fix"), str("1")};
        QTest::newRow("show without id") << QStringList{str("exceptions"), str("show")};
        QTest::newRow("id not a number") << QStringList{str("exceptions"), str("show"), str("x")};
        QTest::newRow("repair without file")
            << QStringList{str("exceptions"), str("repair"), str("1")};
        QTest::newRow("repair of a file that is not JSON")
            << QStringList{str("exceptions"), str("repair"), str("1"), str("/dev/null")};
    }

    void badUsageSaysSo()
    {
        QFETCH(QStringList, arguments);
        const Run run = cli(arguments);
        QCOMPARE(run.exit, 2);
        QVERIFY2(run.err.startsWith(str("syncline-engine exceptions: ")), qPrintable(run.err));
    }
};

QTEST_GUILESS_MAIN(TestExceptionsCli)
#include "tst_exceptionscli.moc"
