#include "engine/model/workspaceloader.h"
#include "engine/net/httpclient.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/adminapi.h"
#include "engine/runtime/personaldata.h"
#include "engine/store/sqliteauditstore.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using namespace syncline::engine::runtime;
using security::Role;

namespace {

// An exception's input as a finance user would open it: a canonical customer.
const QByteArray kInput =
    R"({"globalAccountId":"ACC-000123","legalName":"Acme GmbH",)"
    R"("primaryContact":{"name":"Jane Doe","email":"jane@acme.de"},)"
    R"("taxRegistrations":[{"country":"DE","type":"vat","number":"DE123456789"}],)"
    R"("note":"paid by card 4111 1111 1111 1111"})";

nlohmann::json parse(const QByteArray &body)
{
    return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

std::string text(const nlohmann::json &value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

class TestPersonalData : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        auto opened = store::SqliteMessageStore::open(m_dir.filePath(QStringLiteral("e.db")));
        QVERIFY(opened);
        m_store = std::move(*opened);
        m_audit = std::make_unique<store::SqliteAuditStore>(*m_store);
        m_personal = std::make_unique<PersonalData>(*m_audit);
        const model::LoadResult demo =
            model::loadWorkspace(QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo"));
        QVERIFY(demo.problems.isEmpty());
        m_personal->setWorkspace(demo.workspace);

        // Each role's token is its name.
        m_admin = std::make_unique<AdminApi>([](const QByteArray &token)
                                                 -> std::optional<security::Principal> {
            const std::optional<Role> role = security::roleFromName(QString::fromUtf8(token));
            if (!role) {
                return std::nullopt;
            }
            return security::Principal{QString::fromUtf8(token) + QStringLiteral("-user"), *role};
        });
        // A route like the exception queue's: it shows a stored payload.
        m_admin->add(
            {"GET",
             "/api/v1/exceptions/{id}",
             security::Permission::ViewExceptions,
             [this](const AdminCall &call, const net::Responder &respond) {
                 const auto view =
                     m_personal->viewFor(call, QStringLiteral("exception"), call.param("id"));
                 if (const auto *refusal = std::get_if<net::ServerResponse>(&view)) {
                     respond(*refusal);
                     return;
                 }
                 const PayloadView &shown = std::get<PayloadView>(view);
                 respond(net::ServerResponse::json(200, "{\"input\":" + shown.apply(kInput) + "}"));
             }});
        QVERIFY(m_server.listen({}, [this](net::ServerRequest request, net::Responder respond) {
            m_admin->handle(request, respond);
        }));
    }

    void cleanupTestCase()
    {
        m_server.stop();
        m_admin.reset();
        m_personal.reset();
        m_audit.reset();
        m_store.reset();
    }

    void everyRoleSeesMaskedData_data()
    {
        QTest::addColumn<QByteArray>("role");
        QTest::addColumn<QString>("query");
        QTest::newRow("viewer") << QByteArray("viewer") << QString();
        QTest::newRow("finance") << QByteArray("finance") << QString();
        QTest::newRow("analyst") << QByteArray("analyst") << QString();
        QTest::newRow("admin without asking") << QByteArray("admin") << QString();
        QTest::newRow("admin, unmask=false")
            << QByteArray("admin") << QStringLiteral("?unmask=false&reason=x");
    }

    void everyRoleSeesMaskedData()
    {
        QFETCH(QByteArray, role);
        QFETCH(QString, query);
        const qint64 before = auditCount();
        const net::HttpResponse response =
            get(role, QStringLiteral("/api/v1/exceptions/7") + query);
        QCOMPARE(response.status, 200);
        const nlohmann::json input = parse(response.body)["input"];
        QCOMPARE(text(input["primaryContact"]["email"]), std::string("j***@a***.de"));
        QCOMPARE(text(input["primaryContact"]["name"]), std::string("J*** D***"));
        QCOMPARE(text(input["taxRegistrations"][0]["number"]), std::string("*********89"));
        QCOMPARE(text(input["note"]), std::string("paid by card **** **** **** 1111"));
        QCOMPARE(text(input["legalName"]), std::string("Acme GmbH"));
        QVERIFY(!response.body.contains("jane@acme.de"));
        QVERIFY(!response.body.contains("DE123456789"));
        QCOMPARE(auditCount(), before);
    }

    void unmaskingNeedsThePermissionAndAReason_data()
    {
        QTest::addColumn<QByteArray>("role");
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::newRow("finance may not")
            << QByteArray("finance") << QStringLiteral("?unmask=true&reason=audit") << 403
            << QByteArray("FORBIDDEN");
        QTest::newRow("viewer may not")
            << QByteArray("viewer") << QStringLiteral("?unmask=true&reason=audit") << 403
            << QByteArray("FORBIDDEN");
        QTest::newRow("admin without a reason")
            << QByteArray("admin") << QStringLiteral("?unmask=true") << 400
            << QByteArray("REASON_REQUIRED");
        QTest::newRow("admin with a blank reason")
            << QByteArray("admin") << QStringLiteral("?unmask=true&reason=%20") << 400
            << QByteArray("REASON_REQUIRED");
        QTest::newRow("not a yes or no")
            << QByteArray("admin") << QStringLiteral("?unmask=please&reason=x") << 400
            << QByteArray("BAD_REQUEST");
    }

    void unmaskingNeedsThePermissionAndAReason()
    {
        QFETCH(QByteArray, role);
        QFETCH(QString, query);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        const qint64 before = auditCount();
        const net::HttpResponse response =
            get(role, QStringLiteral("/api/v1/exceptions/7") + query);
        QCOMPARE(response.status, status);
        QVERIFY(parse(response.body).value("code", "") == code.toStdString());
        QVERIFY(!response.body.contains("jane@acme.de"));
        QCOMPARE(auditCount(), before);
    }

    void anAdminUnmasksWithAReasonAndIsAudited()
    {
        const net::HttpResponse response = get(
            "admin", QStringLiteral("/api/v1/exceptions/7?unmask=true&reason=customer%20called"));
        QCOMPARE(response.status, 200);
        const nlohmann::json input = parse(response.body)["input"];
        QCOMPARE(text(input["primaryContact"]["email"]), std::string("jane@acme.de"));
        QCOMPARE(text(input["taxRegistrations"][0]["number"]), std::string("DE123456789"));
        // A card number never shows more than its last four digits.
        QCOMPARE(text(input["note"]), std::string("paid by card **** **** **** 1111"));

        store::AuditQuery newest;
        newest.newestFirst = true;
        Result<QList<store::AuditEntry>> entries = m_audit->query(newest);
        QVERIFY(entries && !entries->isEmpty());
        const store::AuditRecord &record = entries->constFirst().record;
        QCOMPARE(record.action, QStringLiteral("unmask"));
        QCOMPARE(record.actor, QStringLiteral("admin-user"));
        QCOMPARE(record.role, QStringLiteral("admin"));
        QCOMPARE(record.objectType, QStringLiteral("exception"));
        QCOMPARE(record.objectId, QStringLiteral("7"));
        QCOMPARE(record.reason, QStringLiteral("customer called"));
        QVERIFY(!record.detail.contains("jane"));
    }

private:
    net::HttpResponse get(const QByteArray &token, const QString &path)
    {
        net::HttpRequest request;
        request.url = QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()) + path;
        request.headers = {{"Authorization", "Bearer " + token}};
        const net::HttpOutcome outcome = m_client.send(request).get();
        return outcome.response ? *outcome.response : net::HttpResponse{};
    }

    qint64 auditCount()
    {
        Result<QList<store::AuditEntry>> entries = m_audit->query({});
        return entries ? entries->size() : -1;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<store::SqliteMessageStore> m_store;
    std::unique_ptr<store::SqliteAuditStore> m_audit;
    std::unique_ptr<PersonalData> m_personal;
    std::unique_ptr<AdminApi> m_admin;
    net::HttpServer m_server;
    net::HttpClient m_client;
};

QTEST_GUILESS_MAIN(TestPersonalData)
#include "tst_personaldata.moc"
