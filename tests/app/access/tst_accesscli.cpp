#include "../../engine/access/enginefixture.h"

#include "engine/store/connection.h"
#include "engine/store/sqliteauditstore.h"
#include "engine/store/sqlitemessagestore.h"

#include <QProcess>

using namespace accesstest;

namespace {

const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run cli(const QStringList &arguments)
{
    QProcess process;
    process.start(kEngine, arguments);
    Run run;
    if (!process.waitForFinished(20000)) {
        return run;
    }
    run.exitCode = process.exitCode();
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class TestAccessCli : public QObject
{
    Q_OBJECT

private slots:
    void verifyNamesTheFirstBrokenLink_data()
    {
        QTest::addColumn<QByteArray>("tamper");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");
        QTest::newRow("intact") << QByteArray() << 0
                                << QStringLiteral("audit chain intact: 6 records held");
        QTest::newRow("a reason rewritten")
            << QByteArray("UPDATE audit SET reason = 'nothing happened' WHERE sequence = 3") << 1
            << QStringLiteral("BROKEN at record 3: its content no longer matches its hash");
        QTest::newRow("an actor swapped")
            << QByteArray("UPDATE audit SET actor = 'someone-else' WHERE sequence = 5") << 1
            << QStringLiteral("BROKEN at record 5");
        QTest::newRow("a record deleted") << QByteArray("DELETE FROM audit WHERE sequence = 2") << 1
                                          << QStringLiteral("record 2 is missing");
        QTest::newRow("a record rehashed but the next link kept")
            << QByteArray("UPDATE audit SET reason = 'x', hash = '" + QByteArray(64, 'a') +
                          "' WHERE sequence = 4")
            << 1 << QStringLiteral("BROKEN at record 4");
    }

    void verifyNamesTheFirstBrokenLink()
    {
        QFETCH(QByteArray, tamper);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("engine.db"));
        {
            auto store = store::SqliteMessageStore::open(path);
            QVERIFY(store);
            store::SqliteAuditStore audit(**store);
            for (int i = 1; i <= 6; ++i) {
                store::AuditRecord record;
                record.actor = QStringLiteral("admin-%1").arg(i);
                record.role = QStringLiteral("admin");
                record.action = QStringLiteral("replay");
                record.objectType = QStringLiteral("exception");
                record.objectId = QString::number(i);
                record.reason = QStringLiteral("customer asked");
                QVERIFY(audit.append(record));
            }
        }
        if (!tamper.isEmpty()) {
            Result<store::Connection> db = store::Connection::open(path);
            QVERIFY(db);
            QVERIFY(db->exec(tamper.toStdString()));
        }
        const Run verified =
            cli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), path});
        QCOMPARE(verified.exitCode, exitCode);
        QVERIFY2(verified.out.contains(expected), qPrintable(verified.out + verified.err));

        const Run json = cli({QStringLiteral("audit"),
                              QStringLiteral("verify"),
                              QStringLiteral("--db"),
                              path,
                              QStringLiteral("--json")});
        QCOMPARE(json.exitCode, exitCode);
        const nlohmann::json answer = nlohmann::json::parse(json.out.toStdString());
        QCOMPARE(answer["intact"].get<bool>(), exitCode == 0);
    }

    void verifyRefusesWhatIsNotAnEngineDatabase()
    {
        QTemporaryDir dir;
        QCOMPARE(cli({QStringLiteral("audit"),
                      QStringLiteral("verify"),
                      QStringLiteral("--db"),
                      dir.filePath(QStringLiteral("missing.db"))})
                     .exitCode,
                 2);
        QFile text(dir.filePath(QStringLiteral("notes.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("just some text, not SQLite");
        text.close();
        const Run run = cli({QStringLiteral("audit"),
                             QStringLiteral("verify"),
                             QStringLiteral("--db"),
                             text.fileName()});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(!run.err.isEmpty());
        QCOMPARE(cli({QStringLiteral("audit"), QStringLiteral("verify")}).exitCode, 2);
    }

    void usersAreManagedFromTheCommandLine()
    {
        EngineFixture engine;
        QVERIFY(engine.start());
        engine.writeFile(QStringLiteral("boot.token"), kBootToken);
        engine.writeFile(QStringLiteral("viewer.token"),
                         engine.tokens.value(security::Role::Viewer));
        const QStringList boot = {QStringLiteral("--engine"),
                                  QStringLiteral("http://127.0.0.1:%1").arg(engine.engine->port()),
                                  QStringLiteral("--token-file"),
                                  engine.path(QStringLiteral("boot.token"))};
        const auto users = [&](QStringList arguments, const QStringList &connection) {
            return cli(QStringList{QStringLiteral("users")} + arguments + connection);
        };

        const Run added = users({QStringLiteral("add"),
                                 QStringLiteral("carol"),
                                 QStringLiteral("--role"),
                                 QStringLiteral("finance"),
                                 QStringLiteral("--name"),
                                 QStringLiteral("Carol C")},
                                boot);
        QCOMPARE(added.exitCode, 0);
        const QRegularExpression tokenLine(QStringLiteral("token: ([0-9a-f]{64})"));
        const QString token = tokenLine.match(added.out).captured(1);
        QVERIFY2(!token.isEmpty(), qPrintable(added.out));
        engine.writeFile(QStringLiteral("carol.token"), token.toUtf8());
        const QStringList carol = {
            boot[0], boot[1], boot[2], engine.path(QStringLiteral("carol.token"))};

        const Run listed = users({QStringLiteral("list")}, boot);
        QCOMPARE(listed.exitCode, 0);
        QVERIFY(listed.out.contains(QStringLiteral("carol")));
        QVERIFY(listed.out.contains(QStringLiteral("Carol C")));
        QVERIFY(!listed.out.contains(token));

        QCOMPARE(
            users({QStringLiteral("set-role"), QStringLiteral("carol"), QStringLiteral("analyst")},
                  boot)
                .exitCode,
            0);
        const Run json = users({QStringLiteral("list"), QStringLiteral("--json")}, boot);
        const nlohmann::json all = nlohmann::json::parse(json.out.toStdString())["users"];
        const auto found = std::find_if(
            all.begin(), all.end(), [](const nlohmann::json &u) { return u["id"] == "carol"; });
        QVERIFY(found != all.end() && (*found)["role"] == "analyst");

        // Carol may not manage users: the engine refuses, the CLI says so and exits 1.
        const Run refused = users({QStringLiteral("list")}, carol);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("403")), qPrintable(refused.err));

        const Run rotated = users(
            {QStringLiteral("rotate-token"), QStringLiteral("carol"), QStringLiteral("--json")},
            boot);
        QCOMPARE(rotated.exitCode, 0);
        QVERIFY(nlohmann::json::parse(rotated.out.toStdString())["token"] != token.toStdString());
        QCOMPARE(users({QStringLiteral("disable"), QStringLiteral("carol")}, boot).exitCode, 0);
        const Run gone = cli({QStringLiteral("status"), carol[0], carol[1], carol[2], carol[3]});
        QCOMPARE(gone.exitCode, 1);
        QVERIFY(gone.err.contains(QStringLiteral("401")));

        QCOMPARE(users({QStringLiteral("add"), QStringLiteral("dave")}, boot).exitCode, 2);
        QCOMPARE(users({QStringLiteral("promote"), QStringLiteral("dave")}, boot).exitCode, 2);
        QCOMPARE(
            users({QStringLiteral("set-role"), QStringLiteral("nobody"), QStringLiteral("admin")},
                  boot)
                .exitCode,
            1);

        // Every change and every CLI login is in the trail, newest first.
        const Run trail = cli({QStringLiteral("audit"),
                               QStringLiteral("list"),
                               QStringLiteral("--object-type"),
                               QStringLiteral("user"),
                               QStringLiteral("--object-id"),
                               QStringLiteral("carol"),
                               boot[0],
                               boot[1],
                               boot[2],
                               boot[3]});
        QCOMPARE(trail.exitCode, 0);
        const QStringList lines = trail.out.trimmed().split(u'\n');
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].contains(QStringLiteral("user.update user carol")));
        QVERIFY(lines[1].contains(QStringLiteral("user.token user carol")));
        QVERIFY(lines[3].contains(QStringLiteral("engine (admin) user.create user carol")));
        const Run logins = cli({QStringLiteral("audit"),
                                QStringLiteral("list"),
                                QStringLiteral("--action"),
                                QStringLiteral("login"),
                                QStringLiteral("--json"),
                                boot[0],
                                boot[1],
                                boot[2],
                                boot[3]});
        QVERIFY(nlohmann::json::parse(logins.out.toStdString())["entries"].size() >= 8);
        const Run denied = cli({QStringLiteral("audit"),
                                QStringLiteral("list"),
                                boot[0],
                                boot[1],
                                boot[2],
                                engine.path(QStringLiteral("viewer.token"))});
        QCOMPARE(denied.exitCode, 1);
        engine.stop();
    }
};

QTEST_GUILESS_MAIN(TestAccessCli)
#include "tst_accesscli.moc"
