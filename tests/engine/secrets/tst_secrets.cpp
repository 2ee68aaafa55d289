#include "../access/enginefixture.h"

#include "engine/security/redaction.h"
#include "engine/security/secretcatalog.h"
#include "engine/security/secretsfile.h"

#include <QDir>
#include <QFileInfo>

using namespace accesstest;
using security::SecretsFile;

namespace {

QFile::Permissions ownerOnly()
{
    return QFile::ReadOwner | QFile::WriteOwner;
}

} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT

private slots:
    void aMissingFileIsMadeOwnerOnlyByTheFirstSecret()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets.json"));
        Result<std::shared_ptr<SecretsFile>> file = SecretsFile::open(path);
        QVERIFY(file);
        QVERIFY((*file)->references().isEmpty());
        const security::SecretLookup lookup = (*file)->lookup();
        QVERIFY(!lookup(QStringLiteral("secret:erp/api-key")));

        QVERIFY((*file)->set(QStringLiteral("secret:erp/api-key"), "first"));
        QCOMPARE(QFileInfo(path).permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 ownerOnly());
        QCOMPARE(*lookup(QStringLiteral("secret:erp/api-key")), QByteArray("first"));
        QVERIFY((*file)->set(QStringLiteral("secret:erp/api-key"), "second"));
        QCOMPARE(*lookup(QStringLiteral("secret:erp/api-key")), QByteArray("second"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
                 QStringList{QStringLiteral("secrets.json")}); // no temporary file left

        Result<std::shared_ptr<SecretsFile>> reread = SecretsFile::open(path);
        QVERIFY(reread);
        QCOMPARE((*reread)->references(), QStringList{QStringLiteral("secret:erp/api-key")});
        QCOMPARE(*(*reread)->lookup()(QStringLiteral("secret:erp/api-key")), QByteArray("second"));
    }

    void aFileOthersMayReadIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets.json"));
        Result<std::shared_ptr<SecretsFile>> file = SecretsFile::open(path);
        QVERIFY(file && (*file)->set(QStringLiteral("secret:a"), "kept"));
        QFile::setPermissions(path, ownerOnly() | QFile::ReadOther);

        const Result<void> refused = (*file)->set(QStringLiteral("secret:a"), "leaked-value");
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("SECRETS_FILE"));
        QVERIFY(refused.error().message.contains(QStringLiteral("chmod 600")));
        QVERIFY(!refused.error().message.contains(QStringLiteral("leaked-value")));
        QCOMPARE(*(*file)->lookup()(QStringLiteral("secret:a")), QByteArray("kept"));
        QFile written(path);
        QVERIFY(written.open(QIODevice::ReadOnly));
        QVERIFY(!written.readAll().contains("leaked-value"));
        QVERIFY(!SecretsFile::open(path));
    }

    void malformedReferencesAndEmptyValuesAreRefused_data()
    {
        QTest::addColumn<QString>("reference");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("no prefix") << QStringLiteral("erp/api-key") << QByteArray("v");
        QTest::newRow("space") << QStringLiteral("secret:erp key") << QByteArray("v");
        QTest::newRow("empty name") << QStringLiteral("secret:") << QByteArray("v");
        QTest::newRow("empty value") << QStringLiteral("secret:erp/api-key") << QByteArray();
    }

    void malformedReferencesAndEmptyValuesAreRefused()
    {
        QFETCH(QString, reference);
        QFETCH(QByteArray, value);
        QTemporaryDir dir;
        Result<std::shared_ptr<SecretsFile>> file =
            SecretsFile::open(dir.filePath(QStringLiteral("s.json")));
        QVERIFY(file);
        const Result<void> refused = (*file)->set(reference, value);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("SECRET_INVALID"));
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("s.json"))));
    }

    void theCatalogSaysWhereEachValueComesFrom()
    {
        QTemporaryDir dir;
        Result<std::shared_ptr<SecretsFile>> file =
            SecretsFile::open(dir.filePath(QStringLiteral("s.json")));
        QVERIFY(file && (*file)->set(QStringLiteral("secret:erp/api-key"), "from-file"));
        QVERIFY((*file)->set(QStringLiteral("secret:unused"), "x"));
        qputenv("SYNCLINE_SECRET_BILLING_WEBHOOK_SIGNING", "from-env");
        security::SecretCatalog catalog(*file,
                                        [](const QString &reference) -> std::optional<QByteArray> {
                                            if (reference == QLatin1String("secret:crm/token")) {
                                                return QByteArray("from-keychain");
                                            }
                                            return std::nullopt;
                                        });
        model::Workspace workspace;
        model::WorkspaceObject erp;
        erp.kind = model::ObjectKind::System;
        erp.id = QStringLiteral("erp");
        erp.document = {{"id", "erp"}, {"auth", {{"secretRef", "secret:erp/api-key"}}}};
        workspace.insert(erp);
        model::WorkspaceObject billing = erp;
        billing.id = QStringLiteral("billing");
        billing.document = {{"webhook", {{"secretRef", "secret:billing/webhook-signing"}}},
                            {"other", {"secret:crm/token", "secret:missing/one"}}};
        workspace.insert(billing);
        catalog.setWorkspace(workspace);

        QHash<QString, security::SecretSource> byReference;
        for (const security::SecretSource &source : catalog.sources()) {
            byReference.insert(source.reference, source);
        }
        QCOMPARE(byReference.size(), 5);
        QCOMPARE(byReference[QStringLiteral("secret:erp/api-key")].source, QStringLiteral("file"));
        QCOMPARE(byReference[QStringLiteral("secret:erp/api-key")].usedBy,
                 QStringList{QStringLiteral("system erp")});
        QCOMPARE(byReference[QStringLiteral("secret:billing/webhook-signing")].source,
                 QStringLiteral("environment"));
        QCOMPARE(byReference[QStringLiteral("secret:crm/token")].source,
                 QStringLiteral("provided"));
        QCOMPARE(byReference[QStringLiteral("secret:missing/one")].source,
                 QStringLiteral("missing"));
        QCOMPARE(byReference[QStringLiteral("secret:unused")].usedBy, QStringList());
        QCOMPARE(*catalog.lookup()(QStringLiteral("secret:crm/token")),
                 QByteArray("from-keychain"));
        qunsetenv("SYNCLINE_SECRET_BILLING_WEBHOOK_SIGNING");
    }

    void echoedSecretsAreCutFromText()
    {
        const QByteArray secret = "s3cret/value+1";
        const QList<QByteArray> forms = security::secretForms(secret);
        QVERIFY(forms.contains(secret));
        QVERIFY(forms.contains(QByteArray("s3cret%2Fvalue%2B1")));
        QVERIFY(forms.contains(secret.toBase64()));
        const QString echoed = QStringLiteral("bad key s3cret/value+1 (form: s3cret%2Fvalue%2B1, "
                                              "basic: %1)")
                                   .arg(QString::fromLatin1(secret.toBase64()));
        QCOMPARE(security::redact(echoed, forms),
                 QStringLiteral("bad key [secret] (form: [secret], basic: [secret])"));
        // A value too short to cut without cutting the message is left alone.
        QVERIFY(!security::secretForms("ab").contains("ab"));
        QCOMPARE(security::redact(QStringLiteral("about tabs"), {"ab"}),
                 QStringLiteral("about tabs"));
    }

    void theApiNeverShowsAValueAndRecordsEveryChange()
    {
        EngineFixture engine;
        QVERIFY(engine.start("erp-key-value"));
        const net::HttpResponse listed =
            engine.call(kBootToken, "GET", QStringLiteral("/api/v1/secrets"));
        QCOMPARE(listed.status, 200);
        QVERIFY(!listed.body.contains("erp-key-value"));
        QVERIFY(!listed.body.contains("whsec_test"));
        const nlohmann::json sources = parse(listed.body)["secrets"];
        QCOMPARE(sources.size(), size_t(2));
        QVERIFY(sources[1]["reference"] == "secret:erp/api-key" && sources[1]["source"] == "file");

        const qint64 before = engine.lastAuditSequence();
        const net::HttpResponse rotated =
            engine.call(kBootToken,
                        "POST",
                        QStringLiteral("/api/v1/secrets"),
                        R"({"reference":"secret:erp/api-key","value":"rotated-value"})");
        QCOMPARE(rotated.status, 200);
        QVERIFY(parse(rotated.body)["rotated"] == true);
        QVERIFY(!rotated.body.contains("rotated-value"));
        const nlohmann::json records =
            engine.auditAfter(before, QStringLiteral("objectType=secret"));
        QCOMPARE(records.size(), size_t(1));
        QVERIFY(records[0]["action"] == "secret.rotate");
        QVERIFY(records[0].dump().find("rotated-value") == std::string::npos);
        QFile file(engine.secretsPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("rotated-value"));
        file.close();

        // A file that became readable by others: nothing written, nothing recorded.
        QFile::setPermissions(engine.secretsPath(), ownerOnly() | QFile::ReadGroup);
        const qint64 beforeRefusal = engine.lastAuditSequence();
        const net::HttpResponse refused =
            engine.call(kBootToken,
                        "POST",
                        QStringLiteral("/api/v1/secrets"),
                        R"({"reference":"secret:erp/api-key","value":"third-value"})");
        QCOMPARE(refused.status, 409);
        QVERIFY(parse(refused.body)["code"] == "SECRETS_FILE");
        QVERIFY(!refused.body.contains("third-value"));
        QCOMPARE(engine.lastAuditSequence(), beforeRefusal);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("third-value"));
        engine.stop();
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
