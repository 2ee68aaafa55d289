#include "engine/model/workspaceloader.h"
#include "engine/plugin/connectorregistry.h"
#include "engine/plugin/connectorrules.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace syncline::engine;
using namespace syncline::engine::plugin;

Q_DECLARE_METATYPE(syncline::engine::plugin::AnswerVerdict::Kind)

namespace {

const QString kPlugins = QStringLiteral(SYNCLINE_PLUGIN_DIR);
const QString kWrongApi = QStringLiteral(SYNCLINE_WRONG_API_DIR);
const QString kPayloads = QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/saas-payloads");

std::shared_ptr<const ConnectorRegistry> builtIns()
{
    static const auto registry = ConnectorRegistry::load({kPlugins});
    return registry;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString joined(const QList<PluginFailure> &failures)
{
    QStringList lines;
    for (const PluginFailure &failure : failures) {
        lines.append(failure.message);
    }
    return lines.join(u'\n');
}

// The fixture workspace of the run tests, with one more flow whose HTTP (or other) node names
// `settings`.
model::Workspace workspaceWithNode(const nlohmann::json &settings, const char *type = "http")
{
    model::Workspace workspace = model::loadWorkspace(QStringLiteral(
                                                          SYNCLINE_SOURCE_DIR "/tests/app/run/workspace"))
                                     .workspace;
    model::WorkspaceObject flow;
    flow.kind = model::ObjectKind::Flow;
    flow.id = QStringLiteral("post-invoice");
    flow.file = QStringLiteral("flows/post-invoice.flow.json");
    flow.document = {{"id", "post-invoice"},
                     {"name", "Post an invoice"},
                     {"nodes",
                      {{{"id", "in"}, {"type", "webhook"}, {"settings", {{"system", "billing"}}}},
                       {{"id", "post"}, {"type", type}, {"settings", settings}}}},
                     {"edges", {{{"from", "in"}, {"to", "post"}}}}};
    workspace.insert(flow);
    return workspace;
}

} // namespace

class TestConnectors : public QObject
{
    Q_OBJECT

private slots:
    void theBuiltInPluginsLoadFromTheBuildsPluginFolder()
    {
        const auto registry = builtIns();
        QVERIFY2(registry->failures().isEmpty(), qPrintable(joined(registry->failures())));
        QStringList families = registry->families();
        families.sort();
        QCOMPARE(families, (QStringList{QStringLiteral("billing"), QStringLiteral("crm"),
                                        QStringLiteral("dataPlatform"), QStringLiteral("erp"),
                                        QStringLiteral("support"), QStringLiteral("usage")}));
        for (const LoadedConnector &c : registry->connectors()) {
            QCOMPARE(c.apiVersion, kConnectorApiVersion);
            QVERIFY(!c.name.isEmpty() && !c.vendor.isEmpty());
            QVERIFY(c.file.startsWith(QDir(kPlugins).absolutePath()));
            QCOMPARE(c.description.settingsSchema.value(QStringLiteral("type")).toString(),
                     QStringLiteral("object"));
        }
    }

    // What the demo workspace's systems declare, the connectors of their families say too.
    void theDemoSystemsAgreeWithTheirConnectors()
    {
        const QDir systems(QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo/systems"));
        const QStringList files = systems.entryList({QStringLiteral("*.system.json")});
        QCOMPARE(files.size(), 6);
        for (const QString &file : files) {
            const QJsonObject system = QJsonDocument::fromJson(readFile(systems.filePath(file)))
                                           .object();
            const LoadedConnector *c = builtIns()->forFamily(
                system.value(QStringLiteral("family")).toString());
            QVERIFY2(c, qPrintable(file));
            const QString auth = system.value(QStringLiteral("auth"))
                                     .toObject()
                                     .value(QStringLiteral("type"))
                                     .toString();
            QVERIFY2(c->description.authKinds.contains(auth), qPrintable(file + u' ' + auth));
            const QJsonObject idem = system.value(QStringLiteral("idempotency")).toObject();
            QCOMPARE(idem.value(QStringLiteral("supported")).toBool(),
                     !c->description.idempotencyHeader.isEmpty());
            const QString signature = system.value(QStringLiteral("webhooks"))
                                          .toObject()
                                          .value(QStringLiteral("signature"))
                                          .toString(QStringLiteral("none"));
            const QString expected = signature == QLatin1String("hmacSha256")
                                         ? QStringLiteral("sha256-header")
                                         : signature;
            QCOMPARE(c->description.webhookSignature, expected);
        }
    }

    void aPluginForAnotherApiVersionIsRefusedNamingBothVersions()
    {
        const QStringList files = ConnectorLoader::pluginFiles(kWrongApi);
        QCOMPARE(files.size(), 1);
        const Result<LoadedConnector> loaded = ConnectorLoader::load(files.first());
        QVERIFY(!loaded.ok());
        const QString message = loaded.error().message;
        QVERIFY2(message.contains(files.first()), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("built for connector API version 2")),
                 qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("this engine loads version 1")),
                 qPrintable(message));
    }

    // One folder with a good plugin, one for another API version and a file that is no plugin:
    // the good one loads, the other two are reported with their files.
    void failuresAreReportedAndTheOthersStillLoad()
    {
        QTemporaryDir dir;
        const QString erp = ConnectorLoader::pluginFiles(kPlugins).filter(QStringLiteral("erp"))
                                .first();
        QVERIFY(QFile::copy(erp, dir.filePath(QFileInfo(erp).fileName())));
        const QString wrong = ConnectorLoader::pluginFiles(kWrongApi).first();
        QVERIFY(QFile::copy(wrong, dir.filePath(QFileInfo(wrong).fileName())));
        QFile junk(dir.filePath(QStringLiteral("libnotaplugin.so")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("this is a text file with a library's name\n");
        junk.close();

        const auto registry = ConnectorRegistry::load({dir.path()});
        QCOMPARE(registry->families(), QStringList{QStringLiteral("erp")});
        QCOMPARE(registry->failures().size(), 2);
        const QString failures = joined(registry->failures());
        QVERIFY2(failures.contains(QLatin1String("libnotaplugin.so: not a Qt plugin")),
                 qPrintable(failures));
        QVERIFY2(failures.contains(QLatin1String("API version 2")), qPrintable(failures));

        const nlohmann::json listed = registry->toJson();
        QCOMPARE(listed["connectors"].size(), std::size_t(1));
        QCOMPARE(listed["failures"].size(), std::size_t(2));
        QVERIFY(listed["connectors"][0]["objects"]["invoice"]["operations"].contains("create"));
    }

    void eachFamilyReadsItsAnswers_data()
    {
        QTest::addColumn<QString>("family");
        QTest::addColumn<QString>("operation");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<AnswerVerdict::Kind>("kind");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("vendorCode");

        using K = AnswerVerdict::Kind;
        const QString create = QStringLiteral("create");
        QTest::newRow("erp unknown GL account")
            << "erp" << create << 400 << QByteArray()
            << QByteArray(R"({"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Invalid account reference key 9999.","o:errorPath":"Lines[0].AccountCode","o:errorCode":"INVALID_KEY_OR_REF"}]})")
            << K::Business << "INVALID_GL_ACCOUNT" << "INVALID_KEY_OR_REF";
        QTest::newRow("erp unknown customer")
            << "erp" << create << 400 << QByteArray()
            << QByteArray(R"({"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Invalid customer reference key C-99999.","o:errorPath":"CustomerNumber","o:errorCode":"INVALID_KEY_OR_REF"}]})")
            << K::Business << "UNKNOWN_CUSTOMER" << "INVALID_KEY_OR_REF";
        QTest::newRow("erp closed period")
            << "erp" << create << 400 << QByteArray()
            << QByteArray(R"({"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"The period 2026-01 is closed.","o:errorPath":"TranDate","o:errorCode":"PERIOD_CLOSED"}]})")
            << K::Business << "CLOSED_PERIOD" << "PERIOD_CLOSED";
        QTest::newRow("erp missing tax code")
            << "erp" << create << 400 << QByteArray()
            << QByteArray(R"({"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Line 1 has no tax code.","o:errorPath":"Lines[0].TaxCode","o:errorCode":"MISSING_TAX_CODE"}]})")
            << K::Business << "MISSING_TAX_CODE" << "MISSING_TAX_CODE";
        QTest::newRow("erp currency mismatch")
            << "erp" << create << 400 << QByteArray()
            << QByteArray(R"({"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"EUR differs from the currency of the customer, USD.","o:errorPath":"Currency","o:errorCode":"CURRENCY_MISMATCH"}]})")
            << K::Business << "CURRENCY_MISMATCH" << "CURRENCY_MISMATCH";
        QTest::newRow("erp rate limit")
            << "erp" << create << 429 << QByteArray("Retry-After: 2")
            << QByteArray(R"({"title":"Too Many Requests","status":429,"o:errorDetails":[{"detail":"Request limit exceeded","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]})")
            << K::Retry << "RATE_LIMITED" << "";
        QTest::newRow("billing currency mismatch")
            << "billing" << create << 400 << QByteArray()
            << QByteArray(R"({"error":{"type":"invalid_request_error","code":"currency_mismatch","param":"currency","message":"The price is in eur but the customer pays in usd."}})")
            << K::Business << "CURRENCY_MISMATCH" << "currency_mismatch";
        QTest::newRow("billing unknown customer")
            << "billing" << create << 404 << QByteArray()
            << QByteArray(R"({"error":{"type":"invalid_request_error","code":"resource_missing","param":"customer","message":"No such customer: cus_nope"}})")
            << K::Business << "UNKNOWN_CUSTOMER" << "resource_missing";
        QTest::newRow("billing no such customer")
            << "billing" << QStringLiteral("get") << 404 << QByteArray()
            << QByteArray(R"({"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such customer: cus_nope"}})")
            << K::Business << "UNKNOWN_CUSTOMER" << "resource_missing";
        QTest::newRow("billing no such price")
            << "billing" << create << 404 << QByteArray()
            << QByteArray(R"({"error":{"type":"invalid_request_error","code":"resource_missing","param":"items[0].price","message":"No such price: price_nope"}})")
            << K::Business << "NOT_FOUND" << "resource_missing";
        QTest::newRow("billing key reused with another body")
            << "billing" << create << 422 << QByteArray()
            << QByteArray(R"({"error":{"type":"idempotency_error","code":"idempotency_key_reused","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}})")
            << K::Business << "IDEMPOTENCY_KEY_REUSED" << "idempotency_key_reused";
        QTest::newRow("billing key still in use")
            << "billing" << create << 409 << QByteArray()
            << QByteArray(R"({"error":{"type":"idempotency_error","code":"idempotency_key_in_use","message":"There is currently another in-progress request using this key."}})")
            << K::Retry << "IDEMPOTENCY_KEY_IN_USE" << "";
        QTest::newRow("billing card declined")
            << "billing" << create << 402 << QByteArray()
            << QByteArray(R"({"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}})")
            << K::Business << "PAYMENT_DECLINED" << "card_declined";
        QTest::newRow("billing outage")
            << "billing" << create << 503 << QByteArray("Retry-After: 5")
            << QByteArray(R"({"error":{"type":"api_error","message":"The sandbox is down for maintenance."}})")
            << K::Retry << "TARGET_UNAVAILABLE" << "";
        QTest::newRow("crm missing field")
            << "crm" << create << 400 << QByteArray()
            << QByteArray(R"([{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]}])")
            << K::Business << "MISSING_FIELD" << "REQUIRED_FIELD_MISSING";
        QTest::newRow("crm unknown account")
            << "crm" << create << 400 << QByteArray()
            << QByteArray(R"([{"message":"invalid cross reference id","errorCode":"INVALID_CROSS_REFERENCE_KEY","fields":["AccountId"]}])")
            << K::Business << "UNKNOWN_CUSTOMER" << "INVALID_CROSS_REFERENCE_KEY";
        QTest::newRow("crm upsert matching two records")
            << "crm" << QStringLiteral("upsert") << 300 << QByteArray()
            << QByteArray(R"(["/crm/services/data/v59.0/sobjects/Account/001000000000001AAA","/crm/services/data/v59.0/sobjects/Account/001000000000002AAA"])")
            << K::Business << "DUPLICATE" << "";
        QTest::newRow("support unknown organization")
            << "support" << create << 422 << QByteArray()
            << QByteArray(R"({"error":"RecordInvalid","description":"Record validation errors","details":{"organization_id":[{"description":"Organization: is invalid","error":"InvalidValue"}]}})")
            << K::Business << "UNKNOWN_CUSTOMER" << "InvalidValue";
        QTest::newRow("support blank name")
            << "support" << create << 422 << QByteArray()
            << QByteArray(R"({"error":"RecordInvalid","description":"Record validation errors","details":{"name":[{"description":"Name: cannot be blank","error":"BlankValue"}]}})")
            << K::Business << "MISSING_FIELD" << "BlankValue";
        QTest::newRow("support not found")
            << "support" << QStringLiteral("get") << 404 << QByteArray()
            << QByteArray(R"({"error":"RecordNotFound","description":"Not found"})")
            << K::Business << "NOT_FOUND" << "RecordNotFound";
        QTest::newRow("usage bad batch")
            << "usage" << create << 400 << QByteArray()
            << QByteArray(R"({"type":"about:blank","title":"Bad Request","status":400,"detail":"events[3].quantity is not a decimal"})")
            << K::Business << "VALIDATION_FAILED" << "Bad Request";
        QTest::newRow("data platform is append-only")
            << "dataPlatform" << create << 405 << QByteArray()
            << QByteArray(R"({"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"tables are append-only"})")
            << K::Business << "NOT_ALLOWED" << "Method Not Allowed";
    }

    void eachFamilyReadsItsAnswers()
    {
        QFETCH(QString, family);
        QFETCH(QString, operation);
        QFETCH(int, status);
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, body);
        QFETCH(AnswerVerdict::Kind, kind);
        QFETCH(QString, reason);
        QFETCH(QString, vendorCode);

        const LoadedConnector *c = builtIns()->forFamily(family);
        QVERIFY(c);
        ConnectorAnswer answer;
        answer.object = c->description.objects.first().name;
        answer.operation = operation;
        answer.status = status;
        answer.body = body;
        if (!headers.isEmpty()) {
            const qsizetype colon = headers.indexOf(':');
            answer.headers.append({headers.left(colon), headers.mid(colon + 1).trimmed()});
        }
        const AnswerVerdict verdict = c->connector->classify(answer);
        QCOMPARE(verdict.kind, kind);
        QCOMPARE(verdict.reasonCode, reason);
        if (kind == AnswerVerdict::Kind::Business) {
            QCOMPARE(verdict.vendorCode, vendorCode);
            QVERIFY(!verdict.vendorMessage.isEmpty());
        }
    }

    // Successes carry the ids the engine learns: read from real vendor objects where we have them.
    void successesNameTheExternalIds_data()
    {
        QTest::addColumn<QString>("family");
        QTest::addColumn<QString>("object");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("pointer");

        QTest::newRow("stripe customer") << "billing" << "customer"
                                         << "stripe/objects/customer.json" << "id" << "/id";
        QTest::newRow("stripe invoice") << "billing" << "invoice"
                                        << "stripe/objects/invoice.json" << "id" << "/id";
        QTest::newRow("zendesk ticket") << "support" << "ticket"
                                        << "zendesk/fixture/POST/ticket.json" << "id"
                                        << "/ticket/id";
    }

    void successesNameTheExternalIds()
    {
        QFETCH(QString, family);
        QFETCH(QString, object);
        QFETCH(QString, file);
        QFETCH(QString, name);
        QFETCH(QString, pointer);

        ConnectorAnswer answer;
        answer.object = object;
        answer.operation = QStringLiteral("create");
        answer.status = 201;
        answer.body = readFile(kPayloads + u'/' + file);
        QVERIFY2(!answer.body.isEmpty(), qPrintable(file));
        const QString expected = textAt(answer.json(), pointer);
        QVERIFY(!expected.isEmpty());
        const AnswerVerdict verdict = builtIns()->forFamily(family)->connector->classify(answer);
        QCOMPARE(verdict.kind, AnswerVerdict::Kind::Success);
        QCOMPARE(verdict.externalIds.value(name), expected);
    }

    void theWorkspaceCheckNamesTheFileAndPointer_data()
    {
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("says");

        QTest::newRow("unknown object")
            << QByteArray(R"({"system":"erp","operation":"create","object":"widget"})")
            << "/nodes/1/settings/object" << "has no object \"widget\"";
        QTest::newRow("unknown operation")
            << QByteArray(R"({"system":"erp","operation":"upsert","object":"invoice"})")
            << "/nodes/1/settings/operation" << "cannot upsert a invoice";
        QTest::newRow("get without its id")
            << QByteArray(R"({"system":"erp","operation":"get","object":"invoice"})")
            << "/nodes/1/settings/externalId" << "addresses one document";
        QTest::newRow("update without its id")
            << QByteArray(R"({"system":"billing","operation":"update","object":"customer"})")
            << "/nodes/1/settings/externalId" << "update of a customer addresses one document";
        QTest::newRow("update of what billing cannot update")
            << QByteArray(R"({"system":"billing","operation":"update","object":"invoice","externalId":"/id"})")
            << "/nodes/1/settings/operation" << "cannot update a invoice";
    }

    void theWorkspaceCheckNamesTheFileAndPointer()
    {
        QFETCH(QByteArray, settings);
        QFETCH(QString, pointer);
        QFETCH(QString, says);

        const model::ProblemList problems = checkConnectorUse(
            workspaceWithNode(nlohmann::json::parse(settings.toStdString())), *builtIns());
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.first().file, QStringLiteral("flows/post-invoice.flow.json"));
        QCOMPARE(problems.first().pointer, pointer);
        QVERIFY2(problems.first().message.contains(says), qPrintable(problems.first().message));
    }

    void aFamilyWithoutAConnectorIsReported()
    {
        const auto none = ConnectorRegistry::load({});
        const model::ProblemList problems = checkConnectorUse(
            workspaceWithNode({{"system", "erp"}, {"operation", "create"}, {"object", "invoice"}}),
            *none);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().message.contains(QLatin1String("loaded none")),
                 qPrintable(problems.first().message));
        // A plain HTTP node needs no connector.
        QVERIFY(checkConnectorUse(workspaceWithNode({{"system", "erp"}, {"path", "/invoices"}}),
                                  *none)
                    .isEmpty());
        // A good operation passes.
        QVERIFY(checkConnectorUse(workspaceWithNode({{"system", "erp"},
                                                     {"operation", "create"},
                                                     {"object", "invoice"}}),
                                  *builtIns())
                    .isEmpty());
    }

    void aPollOfAnObjectIsCheckedLikeAList()
    {
        const model::ProblemList problems = checkConnectorUse(
            workspaceWithNode({{"system", "billing"}, {"object", "creditNote"}}, "poll"), *builtIns());
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.first().pointer, QStringLiteral("/nodes/1/settings/operation"));
        QVERIFY2(problems.first().message.contains(QLatin1String("cannot list a creditNote")),
                 qPrintable(problems.first().message));
        QVERIFY(checkConnectorUse(workspaceWithNode({{"system", "erp"}, {"object", "customer"}}, "poll"),
                                  *builtIns())
                    .isEmpty());
        // A poll with its own path and paging needs no connector.
        QVERIFY(checkConnectorUse(workspaceWithNode({{"system", "erp"}, {"path", "/x"}}, "poll"),
                                  *ConnectorRegistry::load({}))
                    .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestConnectors)
#include "tst_connectors.moc"
