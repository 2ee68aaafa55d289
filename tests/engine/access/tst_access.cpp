#include "enginefixture.h"

#include "engine/security/userdirectory.h"
#include "engine/store/connection.h"

#include <QRegularExpression>

using namespace accesstest;
using security::Permission;
using security::Role;

namespace {

// One action of the admin API. Adding a route to the engine means adding one row here: the
// table test then calls it as every role and expects the matrix's answer. "{role}" in the path
// or body becomes the caller's role, so each caller acts on an object of its own.
struct Action
{
    const char *name;
    QByteArray method;
    QString path;
    QByteArray body;
    Permission permission;
    int allowedStatus;   // what an allowed caller gets
    QString auditAction; // the audit record an allowed call writes; empty for reads
};

QList<Action> actions(const QByteArray &deployment)
{
    const auto p = [](const char *text) { return QString::fromLatin1(text); };
    return {
        {"health", "GET", p("/api/v1/health"), {}, Permission::ReadOperations, 200, {}},
        {"flows", "GET", p("/api/v1/flows"), {}, Permission::ReadOperations, 200, {}},
        {"queues", "GET", p("/api/v1/queues"), {}, Permission::ReadOperations, 200, {}},
        {"metrics", "GET", p("/api/v1/metrics"), {}, Permission::ReadOperations, 200, {}},
        {"prometheus", "GET", p("/metrics"), {}, Permission::ReadOperations, 200, {}},
        {"node types", "GET", p("/api/v1/node-types"), {}, Permission::ReadOperations, 200, {}},
        {"triggers", "GET", p("/api/v1/triggers"), {}, Permission::ReadOperations, 200, {}},
        {"connectors", "GET", p("/api/v1/connectors"), {}, Permission::ReadOperations, 200, {}},
        {"roles", "GET", p("/api/v1/roles"), {}, Permission::ReadOperations, 200, {}},
        {"me", "GET", p("/api/v1/me"), {}, Permission::ReadOperations, 200, {}},
        {"login",
         "POST",
         p("/api/v1/sessions"),
         R"({"client":"test"})",
         Permission::ReadOperations,
         201,
         p("login")},
        {"deploy",
         "POST",
         p("/api/v1/deployments"),
         deployment,
         Permission::Deploy,
         200,
         p("deploy")},
        {"manual trigger",
         "POST",
         p("/api/v1/flows/manual-invoice/triggers/start/messages"),
         invoiceEvent(QStringLiteral("INV-{role}")),
         Permission::RunManualTrigger,
         202,
         {}},
        {"list users", "GET", p("/api/v1/users"), {}, Permission::ManageUsers, 200, {}},
        {"add user",
         "POST",
         p("/api/v1/users"),
         R"({"id":"new-{role}","role":"viewer"})",
         Permission::ManageUsers,
         201,
         p("user.create")},
        {"change user",
         "PATCH",
         p("/api/v1/users/subject"),
         R"({"displayName":"Renamed by {role}"})",
         Permission::ManageUsers,
         200,
         p("user.update")},
        {"rotate token",
         "POST",
         p("/api/v1/users/subject/token"),
         {},
         Permission::ManageUsers,
         200,
         p("user.token")},
        {"exceptions", "GET", p("/api/v1/exceptions"), {}, Permission::ViewExceptions, 200, {}},
        {"unmask exceptions",
         "GET",
         p("/api/v1/exceptions?unmask=true&reason=checking"),
         {},
         Permission::Unmask,
         200,
         p("unmask")},
        // Bulk replay: a filter no exception matches makes job 1, finished at once, so its
        // controls answer 409 for the admin (the audit of pause, resume and cancel is
        // tst_replayjobs's).
        {"replay dry run",
         "POST",
         p("/api/v1/replays/dry-run"),
         R"({"filter":{"flow":"manual-invoice"}})",
         Permission::BulkReplay,
         200,
         {}},
        {"bulk replay",
         "POST",
         p("/api/v1/replays"),
         R"({"filter":{"flow":"manual-invoice","businessKey":"none"},"rate":5,"reason":"r"})",
         Permission::BulkReplay,
         201,
         p("bulk-replay")},
        {"replay jobs", "GET", p("/api/v1/replays"), {}, Permission::BulkReplay, 200, {}},
        {"replay job", "GET", p("/api/v1/replays/1"), {}, Permission::BulkReplay, 200, {}},
        {"pause replay job",
         "POST",
         p("/api/v1/replays/1/pause"),
         {},
         Permission::BulkReplay,
         409,
         {}},
        {"resume replay job",
         "POST",
         p("/api/v1/replays/1/resume"),
         {},
         Permission::BulkReplay,
         409,
         {}},
        {"cancel replay job",
         "POST",
         p("/api/v1/replays/1/cancel"),
         R"({"reason":"access test"})",
         Permission::BulkReplay,
         409,
         {}},
        {"audit", "GET", p("/api/v1/audit"), {}, Permission::ViewAudit, 200, {}},
        {"verify audit", "GET", p("/api/v1/audit/verify"), {}, Permission::ViewAudit, 200, {}},
        {"list secrets", "GET", p("/api/v1/secrets"), {}, Permission::ManageSecrets, 200, {}},
        {"set secret",
         "POST",
         p("/api/v1/secrets"),
         R"({"reference":"secret:test/{role}","value":"value-of-{role}"})",
         Permission::ManageSecrets,
         200,
         p("secret.set")},
    };
}

// The permission matrix as docs/security.md prints it: role → permissions marked allowed.
QHash<QString, QSet<QString>> documentedMatrix(QString &error)
{
    QFile file(QStringLiteral(SYNCLINE_SOURCE_DIR "/docs/security.md"));
    if (!file.open(QIODevice::ReadOnly)) {
        error = file.errorString();
        return {};
    }
    const QString text = QString::fromUtf8(file.readAll());
    const qsizetype begin = text.indexOf(QStringLiteral("<!-- permission-matrix -->"));
    const qsizetype end = text.indexOf(QStringLiteral("<!-- /permission-matrix -->"));
    if (begin < 0 || end < begin) {
        error = QStringLiteral("no permission-matrix markers");
        return {};
    }
    QHash<QString, QSet<QString>> matrix;
    QStringList roles;
    for (const QString &line : text.mid(begin, end - begin).split(u'\n')) {
        if (!line.startsWith(u'|') || line.contains(QStringLiteral("---"))) {
            continue;
        }
        QStringList cells = line.split(u'|');
        cells = cells.mid(1, cells.size() - 2);
        for (QString &cell : cells) {
            cell = cell.trimmed().remove(u'`');
        }
        if (roles.isEmpty()) {
            roles = cells.mid(1);
            continue;
        }
        for (qsizetype i = 1; i < cells.size() && i - 1 < roles.size(); ++i) {
            if (cells[i] == QLatin1String("yes")) {
                matrix[roles[i - 1]].insert(cells[0]);
            }
        }
    }
    return matrix;
}

} // namespace

class TestAccess : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_engine.start());
        const net::HttpResponse subject =
            m_engine.call(kBootToken,
                          "POST",
                          QStringLiteral("/api/v1/users"),
                          R"({"id":"subject","role":"viewer","displayName":"Subject"})");
        QCOMPARE(subject.status, 201);
    }
    void cleanupTestCase() { m_engine.stop(); }

    void everyActionAsEveryRole_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("role");
        const QList<Action> all = actions({});
        for (qsizetype i = 0; i < all.size(); ++i) {
            for (Role role : security::allRoles()) {
                QTest::addRow("%s as %s", all[i].name, qPrintable(security::roleName(role)))
                    << int(i) << int(role);
            }
        }
    }

    void everyActionAsEveryRole()
    {
        QFETCH(int, index);
        QFETCH(int, role);
        const Action action = actions(m_engine.deploymentBody()).at(index);
        const Role caller = Role(role);
        const QString roleName = security::roleName(caller);
        const qint64 before = m_engine.lastAuditSequence();
        QString path = action.path;
        QByteArray body = action.body;
        path.replace(QStringLiteral("{role}"), roleName);
        body.replace("{role}", roleName.toUtf8());

        const net::HttpResponse response =
            m_engine.call(m_engine.tokens.value(caller), action.method, path, body);
        const QString actor = m_engine.userIds.value(caller);
        const nlohmann::json records =
            m_engine.auditAfter(before, QStringLiteral("actor=%1").arg(actor));
        if (!security::allows(caller, action.permission)) {
            QVERIFY2(response.status == 403, response.body.constData());
            QVERIFY(parse(response.body).value("code", "") == "FORBIDDEN");
            QVERIFY2(records.empty(), records.dump().c_str());
            return;
        }
        QVERIFY2(response.status == action.allowedStatus,
                 qPrintable(QStringLiteral("%1: %2")
                                .arg(response.status)
                                .arg(QString::fromUtf8(response.body))));
        if (action.auditAction.isEmpty()) {
            return;
        }
        QCOMPARE(records.size(), size_t(1));
        QVERIFY(records[0].value("action", "") == action.auditAction.toStdString());
        QVERIFY(records[0].value("role", "") == roleName.toStdString());
    }

    void unknownDisabledAndRotatedTokensAreRefused()
    {
        QCOMPARE(m_engine.call("no-such-token", "GET", QStringLiteral("/api/v1/me")).status, 401);
        const net::HttpResponse made =
            m_engine.call(kBootToken,
                          "POST",
                          QStringLiteral("/api/v1/users"),
                          R"({"id":"temp","role":"analyst","displayName":"Temporary"})");
        QCOMPARE(made.status, 201);
        const QByteArray token = QByteArray::fromStdString(parse(made.body)["token"]);
        QCOMPARE(token.size(), 64);
        const nlohmann::json me =
            parse(m_engine.call(token, "GET", QStringLiteral("/api/v1/me")).body);
        QVERIFY(me.value("id", "") == "temp" && me.value("role", "") == "analyst");
        QVERIFY(me.value("displayName", "") == "Temporary");

        QCOMPARE(m_engine
                     .call(kBootToken,
                           "PATCH",
                           QStringLiteral("/api/v1/users/temp"),
                           R"({"disabled":true})")
                     .status,
                 200);
        QCOMPARE(m_engine.call(token, "GET", QStringLiteral("/api/v1/me")).status, 401);
        QCOMPARE(m_engine
                     .call(kBootToken,
                           "PATCH",
                           QStringLiteral("/api/v1/users/temp"),
                           R"({"disabled":false,"role":"viewer"})")
                     .status,
                 200);
        const nlohmann::json after =
            parse(m_engine.call(token, "GET", QStringLiteral("/api/v1/me")).body);
        QVERIFY(after.value("role", "") == "viewer"); // a role change applies at once

        const net::HttpResponse rotated =
            m_engine.call(kBootToken, "POST", QStringLiteral("/api/v1/users/temp/token"));
        QCOMPARE(rotated.status, 200);
        const QByteArray fresh = QByteArray::fromStdString(parse(rotated.body)["token"]);
        QVERIFY(fresh != token);
        QCOMPARE(m_engine.call(token, "GET", QStringLiteral("/api/v1/me")).status, 401);
        QCOMPARE(m_engine.call(fresh, "GET", QStringLiteral("/api/v1/me")).status, 200);

        const nlohmann::json changes =
            m_engine.auditAfter(0, QStringLiteral("objectType=user&objectId=temp"));
        QCOMPARE(changes.size(), size_t(4)); // create, disable, enable + role, token
        QVERIFY(changes[2]["detail"]["role"] ==
                nlohmann::json({{"from", "analyst"}, {"to", "viewer"}}));
    }

    void tokensAreKeptAsHashesOnly()
    {
        const net::HttpResponse made = m_engine.call(kBootToken,
                                                     "POST",
                                                     QStringLiteral("/api/v1/users"),
                                                     R"({"id":"hashed","role":"viewer"})");
        const QByteArray token = QByteArray::fromStdString(parse(made.body)["token"]);
        Result<store::Connection> db =
            store::Connection::open(m_engine.databasePath(), store::OpenMode::ReadOnly);
        QVERIFY(db);
        Result<store::Statement> select =
            db->prepare("SELECT token_hash FROM users WHERE user_id = 'hashed'");
        QVERIFY(select && *select->step());
        QCOMPARE(QByteArray::fromStdString(select->text(0)),
                 security::UserDirectory::hashToken(token));
        for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
            QFile file(m_engine.databasePath() + suffix);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(token), qPrintable(file.fileName()));
        }
        const QByteArray listed =
            m_engine.call(kBootToken, "GET", QStringLiteral("/api/v1/users")).body;
        QVERIFY(!listed.contains(token));
        QVERIFY(!listed.contains(security::UserDirectory::hashToken(token)));
    }

    void refusalsSayWhy_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::newRow("unknown role")
            << QByteArray("POST") << QStringLiteral("/api/v1/users")
            << QByteArray(R"({"id":"x","role":"root"})") << 422 << QByteArray("USER_INVALID");
        QTest::newRow("the engine's own id")
            << QByteArray("POST") << QStringLiteral("/api/v1/users")
            << QByteArray(R"({"id":"engine","role":"admin"})") << 422 << QByteArray("USER_INVALID");
        QTest::newRow("bad id") << QByteArray("POST") << QStringLiteral("/api/v1/users")
                                << QByteArray(R"({"id":"a b","role":"admin"})") << 422
                                << QByteArray("USER_INVALID");
        QTest::newRow("taken id") << QByteArray("POST") << QStringLiteral("/api/v1/users")
                                  << QByteArray(R"({"id":"subject","role":"admin"})") << 409
                                  << QByteArray("USER_EXISTS");
        QTest::newRow("typo in a member")
            << QByteArray("POST") << QStringLiteral("/api/v1/users")
            << QByteArray(R"({"id":"y","rol":"admin"})") << 400 << QByteArray("BAD_REQUEST");
        QTest::newRow("not json") << QByteArray("POST") << QStringLiteral("/api/v1/users")
                                  << QByteArray("{id:") << 400 << QByteArray("BAD_JSON");
        QTest::newRow("unknown user")
            << QByteArray("PATCH") << QStringLiteral("/api/v1/users/nobody")
            << QByteArray(R"({"role":"admin"})") << 404 << QByteArray("USER_NOT_FOUND");
        QTest::newRow("empty change")
            << QByteArray("PATCH") << QStringLiteral("/api/v1/users/subject") << QByteArray("{}")
            << 422 << QByteArray("USER_INVALID");
        QTest::newRow("rotate unknown")
            << QByteArray("POST") << QStringLiteral("/api/v1/users/nobody/token") << QByteArray()
            << 404 << QByteArray("USER_NOT_FOUND");
        QTest::newRow("bad audit filter")
            << QByteArray("GET") << QStringLiteral("/api/v1/audit?from=yesterday") << QByteArray()
            << 400 << QByteArray("BAD_REQUEST");
        QTest::newRow("bad secret name") << QByteArray("POST") << QStringLiteral("/api/v1/secrets")
                                         << QByteArray(R"({"reference":"erp key","value":"v"})")
                                         << 422 << QByteArray("SECRET_INVALID");
    }

    void refusalsSayWhy()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        const qint64 before = m_engine.lastAuditSequence();
        const net::HttpResponse response = m_engine.call(kBootToken, method, path, body);
        QVERIFY2(response.status == status, response.body.constData());
        QVERIFY2(parse(response.body).value("code", "") == code.toStdString(),
                 response.body.constData());
        QVERIFY(!parse(response.body).value("detail", "").empty());
        QCOMPARE(m_engine.lastAuditSequence(), before); // nothing done, nothing recorded
    }

    void theRolesRouteAndTheDocsShowTheEnginesMatrix()
    {
        QHash<QString, QSet<QString>> enforced;
        for (Role role : security::allRoles()) {
            for (Permission permission : security::allPermissions()) {
                if (security::allows(role, permission)) {
                    enforced[security::roleName(role)].insert(security::permissionName(permission));
                }
            }
        }
        QString error;
        const QHash<QString, QSet<QString>> documented = documentedMatrix(error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(documented, enforced);

        const nlohmann::json roles = parse(
            m_engine
                .call(m_engine.tokens.value(Role::Viewer), "GET", QStringLiteral("/api/v1/roles"))
                .body)["roles"];
        QHash<QString, QSet<QString>> served;
        for (const nlohmann::json &role : roles) {
            for (const nlohmann::json &permission : role["permissions"]) {
                served[QString::fromStdString(role["name"])].insert(
                    QString::fromStdString(permission));
            }
        }
        QCOMPARE(served, enforced);
    }

    void aDeploymentIsRecordedWithWhoDeployedIt()
    {
        QByteArray flow = kManualFlow;
        flow.replace("Invoice posted by hand", "Invoice posted by hand, renamed");
        m_engine.writeFile(QStringLiteral("ws/flows/manual-invoice.flow.json"), flow);
        const qint64 before = m_engine.lastAuditSequence();
        const net::HttpResponse deployed = m_engine.call(m_engine.tokens.value(Role::Analyst),
                                                         "POST",
                                                         QStringLiteral("/api/v1/deployments"),
                                                         m_engine.deploymentBody());
        QCOMPARE(deployed.status, 200);
        const nlohmann::json created = parse(deployed.body)["created"];
        QCOMPARE(created.size(), size_t(1));
        const nlohmann::json records = m_engine.auditAfter(before, QStringLiteral("action=deploy"));
        QCOMPARE(records.size(), size_t(1));
        QVERIFY(records[0]["actor"] == "analyst-user");
        QVERIFY(records[0]["detail"]["created"] == created);

        // The version and its record are one commit: the record's time is the version's.
        Result<store::Connection> db =
            store::Connection::open(m_engine.databasePath(), store::OpenMode::ReadOnly);
        QVERIFY(db);
        const std::string version = created[0].get<std::string>();
        Result<store::Statement> select =
            db->prepare("SELECT deployed_at FROM flow_versions WHERE flow_id = 'manual-invoice'"
                        " ORDER BY version DESC LIMIT 1");
        QVERIFY(select && *select->step());
        QCOMPARE(select->int64(0), records[0].value("at", qint64(0)));
    }

    void theAuditTrailFiltersAndPages()
    {
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(m_engine
                         .call(m_engine.tokens.value(Role::Finance),
                               "POST",
                               QStringLiteral("/api/v1/sessions"),
                               R"({"client":"pager"})")
                         .status,
                     201);
        }
        const QString filter =
            QStringLiteral("/api/v1/audit?actor=finance-user&action=login&limit=2");
        const nlohmann::json first = parse(m_engine.call(kBootToken, "GET", filter).body);
        QCOMPARE(first["entries"].size(), size_t(2));
        QVERIFY(first["entries"][0]["sequence"] > first["entries"][1]["sequence"]); // newest first
        const qint64 cursor = first["next"]["before"];
        const nlohmann::json second = parse(
            m_engine.call(kBootToken, "GET", filter + QStringLiteral("&before=%1").arg(cursor))
                .body);
        QCOMPARE(second["entries"].size(), size_t(2));
        QVERIFY(second["entries"][0]["sequence"] < cursor);
        for (const nlohmann::json &entry : second["entries"]) {
            QVERIFY(entry["actor"] == "finance-user" && entry["action"] == "login");
            QVERIFY(entry["detail"]["client"] == "pager" || entry["detail"]["client"] == "test");
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const nlohmann::json future = parse(
            m_engine
                .call(
                    kBootToken, "GET", QStringLiteral("/api/v1/audit?from=%1").arg(now + 3'600'000))
                .body);
        QVERIFY(future["entries"].empty());
        QVERIFY(future["next"].is_null());
        const nlohmann::json verified =
            parse(m_engine.call(kBootToken, "GET", QStringLiteral("/api/v1/audit/verify")).body);
        QVERIFY(verified["intact"] == true);
        QVERIFY(verified["checked"] > 10);
    }

private:
    EngineFixture m_engine;
};

QTEST_GUILESS_MAIN(TestAccess)
#include "tst_access.moc"
