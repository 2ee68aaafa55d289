#include "engine/runtime/nodefactory.h"
#include "engine/runtime/nodetypes.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

namespace {

nlohmann::json parse(const char *text)
{
    return nlohmann::json::parse(text);
}

} // namespace

class TestNodeTypes : public QObject
{
    Q_OBJECT

private slots:
    void everyTypeDescribesItsSettingsForAForm()
    {
        QVERIFY(nodeTypes().size() >= 6);
        for (const NodeTypeInfo &info : nodeTypes()) {
            QVERIFY2(!info.title.isEmpty() && !info.summary.isEmpty(), qPrintable(info.type));
            QCOMPARE(info.settingsSchema.value("type", ""), std::string("object"));
            for (const auto &[key, property] : info.settingsSchema["properties"].items()) {
                QVERIFY2(property.contains("title"),
                         qPrintable(info.type + QStringLiteral("/") + QString::fromStdString(key)));
            }
            QCOMPARE(findNodeType(info.type), &info);
        }
    }

    void paletteOrderIsByCategory()
    {
        NodeCategory previous = NodeCategory::Trigger;
        for (const NodeTypeInfo &info : nodeTypes()) {
            QVERIFY(info.category >= previous);
            previous = info.category;
        }
        QCOMPARE(nodeTypes().first().category, NodeCategory::Trigger);
    }

    void commonSettingsAreOfferedToNodesWithAQueue()
    {
        const NodeTypeInfo *http = findNodeType(QStringLiteral("http"));
        QVERIFY(http);
        QVERIFY(http->settingsSchema["properties"].contains("retry"));
        QVERIFY(http->settingsSchema["properties"].contains("concurrency"));
        const NodeTypeInfo *webhook = findNodeType(QStringLiteral("webhook"));
        QVERIFY(webhook && webhook->isTrigger());
        QVERIFY(!webhook->settingsSchema["properties"].contains("retry"));
        QVERIFY(http->outputs.contains(QStringLiteral("error")));
        QVERIFY(!webhook->outputs.contains(QStringLiteral("error")));
    }

    void settingsAreCheckedWithPointers_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("settings");
        QTest::addColumn<QString>("problem"); // empty: valid

        QTest::newRow("http ok") << "http"
                                 << QByteArray(R"({"system":"erp","path":"/orders","method":"PUT","connectTimeoutMs":2000,"retry":{"maxAttempts":3}})")
                                 << QString();
        QTest::newRow("http bad method") << "http"
                                         << QByteArray(R"({"system":"erp","path":"/x","method":"FETCH"})")
                                         << "settings/method";
        QTest::newRow("http missing system") << "http" << QByteArray(R"({"path":"/x"})")
                                             << "settings/system";
        QTest::newRow("unknown setting") << "map"
                                         << QByteArray(R"({"mapping":"m","mappnig":"typo"})")
                                         << "settings/mappnig";
        QTest::newRow("retry jitter") << "validate"
                                      << QByteArray(R"({"schema":"invoice","retry":{"jitter":2}})")
                                      << "settings/retry/jitter";
        QTest::newRow("route needs routes") << "route" << QByteArray(R"({"routes":[]})")
                                            << "settings/routes";
        QTest::newRow("webhook ok") << "webhook"
                                    << QByteArray(R"({"system":"billing","deliveryId":"/id"})")
                                    << QString();
    }

    void settingsAreCheckedWithPointers()
    {
        QFETCH(QString, type);
        QFETCH(QByteArray, settings);
        QFETCH(QString, problem);
        const NodeTypeInfo *info = findNodeType(type);
        QVERIFY(info);
        const QStringList problems = checkNodeSettings(*info, parse(settings.constData()));
        if (problem.isEmpty()) {
            QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
            return;
        }
        QVERIFY(!problems.isEmpty());
        QVERIFY2(problems.first().startsWith(problem), qPrintable(problems.first()));
    }

    void deployNamesTheNodeAndSettingThatIsWrong()
    {
        QTemporaryDir dir;
        auto store = store::SqliteMessageStore::open(dir.filePath(QStringLiteral("s.db")));
        QVERIFY(store.ok());
        net::HttpClient http;
        NodeFactory factory(model::Workspace(),
                            {.store = **store, .http = http, .secrets = {}, .clockMs = {}, .topics = {}});
        Result<FlowPlan> plan = FlowPlan::fromDocument(
            parse(R"({"id":"f","nodes":[{"id":"in","type":"webhook"},)"
                  R"({"id":"post","type":"http","settings":{"system":"erp","path":"/x","timeoutMs":-5}}],)"
                  R"("edges":[{"from":"in","to":"post"}]})"),
            1);
        QVERIFY(plan.ok());
        Result<QHash<QString, std::shared_ptr<NodeRunner>>> runners = factory.build(*plan);
        QVERIFY(!runners.ok());
        QCOMPARE(runners.error().code, QStringLiteral("FLOW_CANNOT_RUN"));
        QVERIFY2(runners.error().message.contains(QStringLiteral("node post (http): settings/timeoutMs")),
                 qPrintable(runners.error().message));
    }
};

QTEST_GUILESS_MAIN(TestNodeTypes)
#include "tst_nodetypes.moc"
