#include "desk.h"

#include "engine/model/workspaceloader.h"

using deskfixture::Desk;
using deskfixture::invoiceSchema;
using deskfixture::str;
using deskfixture::system;
using deskfixture::Target;
using deskfixture::text;
using namespace syncline::engine;

namespace {

// One flow that sends each message to the node that fails the way its "case" asks.
nlohmann::json casesFlow()
{
    const auto route = [](const char *name) {
        return nlohmann::json{{"output", name},
                              {"condition", std::string("case = '") + name + "'"}};
    };
    const auto http = [](const char *system, const char *path, nlohmann::json extra = {}) {
        nlohmann::json settings = {
            {"system", system}, {"method", "POST"}, {"path", path}, {"businessKey", "/number"}};
        if (extra.is_object()) {
            if (extra.is_object()) {
                settings.update(extra);
            }
        }
        return settings;
    };
    nlohmann::json routes =
        nlohmann::json::array({{{"condition", "case = 'rule'"},
                                {"raise", "UNMATCHED_CUSTOMER"},
                                {"detail", "no CRM account has this customer's VAT number"}},
                               route("schema"),
                               route("tax"),
                               route("lookup"),
                               route("refuse"),
                               route("down"),
                               route("hang"),
                               route("branch")});
    nlohmann::json nodes = {
        {{"id", "in"}, {"type", "webhook"}},
        {{"id", "triage"}, {"type", "route"}, {"settings", {{"routes", routes}}}},
        {{"id", "check-schema"}, {"type", "validate"}, {"settings", {{"schema", "invoice"}}}},
        {{"id", "check-tax"},
         {"type", "validate"},
         {"settings",
          {{"schema", "invoice"}, {"reasonCodes", {{"/taxCode", "MISSING_TAX_CODE"}}}}}},
        {{"id", "tax-code"},
         {"type", "lookup"},
         {"settings",
          {{"lookup", "tax-codes"},
           {"valueColumn", "erp"},
           {"input", "/country"},
           {"target", "taxCode"}}}},
        {{"id", "post-refuse"}, {"type", "http"}, {"settings", http("erp", "/invoices/refuse")}},
        {{"id", "post-down"},
         {"type", "http"},
         {"settings",
          http("erp",
               "/invoices/down",
               {{"retry",
                 {{"maxAttempts", 2},
                  {"initialDelayMs", 10},
                  {"maxDelayMs", 20},
                  {"jitter", 0}}}})}},
        {{"id", "post-hang"},
         {"type", "http"},
         {"settings", http("crm", "/accounts/hang", {{"timeoutMs", 300}})}},
        {{"id", "post-branch"}, {"type", "http"}, {"settings", http("erp", "/orders/refuse")}},
        {{"id", "raise"},
         {"type", "errorBranch"},
         {"settings",
          {{"reasonCode", "ERP_REFUSED_ORDER"},
           {"ownerRole", "admin"},
           {"reason", "the ERP refused the sales order"}}}},
    };
    nlohmann::json edges = {{{"from", "in"}, {"to", "triage"}},
                            {{"from", "post-branch"}, {"to", "raise"}, {"output", "error"}}};
    for (const char *name : {"schema", "tax", "lookup", "refuse", "down", "hang", "branch"}) {
        static const QHash<QString, const char *> targets = {{str("schema"), "check-schema"},
                                                             {str("tax"), "check-tax"},
                                                             {str("lookup"), "tax-code"},
                                                             {str("refuse"), "post-refuse"},
                                                             {str("down"), "post-down"},
                                                             {str("hang"), "post-hang"},
                                                             {str("branch"), "post-branch"}};
        edges.push_back({{"from", "triage"}, {"to", targets.value(str(name))}, {"output", name}});
    }
    return {
        {"id", "cases"},
        {"name", "Cases"},
        {"policy",
         {{"owner", {{"technical", "analyst"}}}, {"slaHours", {{"business", 48}, {"default", 2}}}}},
        {"nodes", nodes},
        {"edges", edges}};
}

nlohmann::json taxCodes()
{
    return nlohmann::json::parse(R"({"id": "tax-codes", "name": "Tax codes",
        "columns": [{"name": "country"}, {"name": "erp"}], "key": "country",
        "rows": [{"country": "DE", "erp": "DE19"}]})");
}

} // namespace

class TestExceptionCreation : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Target> m_target;
    std::unique_ptr<Desk> m_desk;

    std::optional<store::ExceptionRecord> byKey(const QString &key)
    {
        store::ExceptionFilter filter;
        filter.businessKey = key;
        auto page = m_desk->exceptionStore().list(filter, std::nullopt, 10);
        if (!page.ok() || page->items.isEmpty()) {
            return std::nullopt;
        }
        return page->items.first();
    }

private slots:
    void initTestCase()
    {
        m_target = std::make_unique<Target>();
        m_desk = std::make_unique<Desk>();
        m_desk->deploy({{"canonical/invoice.schema.json", invoiceSchema()},
                        {"lookups/tax-codes.lookup.json", taxCodes()},
                        {"systems/erp.system.json", system(str("erp"), m_target->baseUrl())},
                        {"systems/crm.system.json", system(str("crm"), m_target->baseUrl(), false)},
                        {"flows/cases.flow.json", casesFlow()}});
    }
    void cleanupTestCase()
    {
        m_desk.reset();
        m_target.reset();
    }

    void everyFailureBecomesAnExceptionWithItsCode_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("category");
        QTest::addColumn<QString>("node");
        QTest::addColumn<QString>("raisedAt");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("owner");
        QTest::addColumn<int>("slaHours");
        QTest::addColumn<int>("attempts");
        QTest::addColumn<QString>("detailHas");

        struct Case
        {
            const char *name, *payload, *code, *category, *node, *raisedAt, *pointer, *owner;
            int slaHours, attempts;
            const char *detail;
        };
        // clang-format off
        static const Case cases[] = {
            {"schema", R"({"case":"schema","number":"K-schema","amount":"12","taxCode":"DE19"})",
             "SCHEMA", "business", "check-schema", "check-schema", "/amount",
             "finance", 48, 1, "/amount"},
            {"own code for a field", R"({"case":"tax","number":"K-tax","amount":"12.00"})",
             "MISSING_TAX_CODE", "business", "check-tax", "check-tax", "/taxCode",
             "finance", 48, 1, "/taxCode"},
            {"rule", R"({"case":"rule","number":"K-rule"})",
             "UNMATCHED_CUSTOMER", "business", "triage", "triage", "",
             "finance", 48, 1, "VAT number"},
            {"lookup miss", R"({"case":"lookup","number":"K-lookup","country":"FR"})",
             "LOOKUP_MISS", "business", "tax-code", "tax-code", "",
             "finance", 48, 1, "\"FR\""},
            {"4xx", R"({"case":"refuse","number":"K-refuse"})",
             "HTTP_4XX", "business", "post-refuse", "post-refuse", "",
             "finance", 48, 1, "tax code XX-0 is unknown"},
            {"retries exhausted", R"({"case":"down","number":"K-down"})",
             "RETRIES_EXHAUSTED", "technical", "post-down", "post-down", "",
             "analyst", 2, 2, "HTTP_503"},
            {"uncertain", R"({"case":"hang","number":"K-hang"})",
             "UNCERTAIN", "uncertain", "post-hang", "post-hang", "",
             "admin", 2, 1, "calling again could post twice"},
            {"error branch", R"({"case":"branch","number":"K-branch"})",
             "ERP_REFUSED_ORDER", "business", "post-branch", "raise", "",
             "admin", 48, 1, "refused the sales order"},
            {"intake code", R"({"case":"x","number":"K-dup","number":"K-dup"})",
             "DUP_KEY", "business", "triage", "triage", "",
             "finance", 48, 1, "appears twice"},
        };
        // clang-format on
        for (const Case &c : cases) {
            QTest::newRow(c.name) << QByteArray(c.payload) << str(c.code) << str(c.category)
                                  << str(c.node) << str(c.raisedAt) << str(c.pointer)
                                  << str(c.owner) << c.slaHours << c.attempts << str(c.detail);
        }
    }

    void everyFailureBecomesAnExceptionWithItsCode()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QString, code);
        QFETCH(QString, category);
        QFETCH(QString, node);
        QFETCH(QString, raisedAt);
        QFETCH(QString, pointer);
        QFETCH(QString, owner);
        QFETCH(int, slaHours);
        QFETCH(int, attempts);
        QFETCH(QString, detailHas);

        const QString key =
            QString::fromLatin1(payload.mid(payload.indexOf("K-")).split('"').first());
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        const QString messageId = m_desk->ingest(str("cases"), payload, key);
        QTRY_VERIFY_WITH_TIMEOUT(byKey(key).has_value(), 10000);
        const store::ExceptionRecord e = *byKey(key);
        QCOMPARE(e.reasonCode, code);
        QCOMPARE(store::exceptionCategoryName(e.category), category);
        QCOMPARE(e.flowId, str("cases"));
        QCOMPARE(e.flowVersion, 1);
        QCOMPARE(e.nodeId, node);
        QCOMPARE(e.raisedAtNodeId, raisedAt);
        QCOMPARE(e.pointer, pointer);
        QCOMPARE(e.ownerRole, owner);
        QCOMPARE(e.attempts, attempts);
        QCOMPARE(e.state, store::ExceptionState::Open);
        QVERIFY2(e.detail.contains(detailHas), qPrintable(e.detail));
        QVERIFY(!e.correlationId.isEmpty());
        QCOMPARE(e.businessKey, key);
        QVERIFY(e.createdAtMs >= before);
        QCOMPARE(e.slaDueAtMs, e.createdAtMs + qint64(slaHours) * 3'600'000);
        // The input the failed node received: the stored message itself (an error branch
        // raises for the node before it, with that node's input).
        QCOMPARE(e.messageId, messageId);
        QVERIFY(e.replayBlocker.isEmpty());

        // The exception was committed with the failing step: its step record is there too.
        const auto steps = m_desk->rows(
            qPrintable(QStringLiteral("SELECT status FROM steps WHERE node_id = '%1' AND "
                                      "error_code <> ''")
                           .arg(raisedAt)),
            1);
        QVERIFY(!steps.isEmpty());
    }

    void theTargetsOwnErrorIsKept()
    {
        QTRY_VERIFY_WITH_TIMEOUT(byKey(str("K-refuse")).has_value(), 10000);
        const nlohmann::json facts =
            nlohmann::json::parse(byKey(str("K-refuse"))->facts.toStdString());
        QCOMPARE(facts.value("status", 0), 422);
        QCOMPARE(facts.value("system", ""), std::string("erp"));
        QCOMPARE(text(facts["targetError"]["error"]["code"]), str("tax_code_invalid"));
    }

    void schemaViolationsAreListedWithTheirPointers()
    {
        QTRY_VERIFY_WITH_TIMEOUT(byKey(str("K-tax")).has_value(), 10000);
        const nlohmann::json facts =
            nlohmann::json::parse(byKey(str("K-tax"))->facts.toStdString());
        QCOMPARE(facts.value("schema", ""), std::string("invoice"));
        QCOMPARE(text(facts["violations"][0]["pointer"]), str("/taxCode"));
        QCOMPARE(text(facts["violations"][0]["keyword"]), str("required"));
    }

    void countsFollowTheQueue()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_desk->count(), qint64(9), 10000);
        store::ExceptionFilter business;
        business.category = store::ExceptionCategory::Business;
        QCOMPARE(m_desk->count(business), qint64(7));
        auto byOwner = m_desk->exceptionStore().countBy({}, store::ExceptionGroup::Owner);
        QVERIFY(byOwner.ok());
        QCOMPARE(byOwner->size(), 3);
        QCOMPARE(byOwner->first().key, str("finance"));
        QCOMPARE(byOwner->first().count, qint64(6));
        // The engine's parked queue and the unresolved exceptions agree.
        qint64 parked = 0;
        const QList<store::QueueDepth> depths = *m_desk->store().queueDepths();
        for (const store::QueueDepth &d : depths) {
            parked += d.failed;
        }
        QCOMPARE(parked, qint64(9));
    }

    void aPolicyIsCheckedWithTheWorkspace()
    {
        nlohmann::json flow = casesFlow();
        flow["policy"] = {{"owner", {{"business", "bob"}, {"weekend", "admin"}}},
                          {"slaHours", {{"technical", 0}}}};
        model::Workspace workspace;
        workspace.setDocument({{"formatVersion", 1}, {"name", "w"}});
        workspace.insert(
            {model::ObjectKind::Flow, str("cases"), str("flows/cases.flow.json"), flow});
        QStringList found;
        for (const model::Problem &problem : model::checkWorkspace(workspace)) {
            if (problem.pointer.startsWith(str("/policy"))) {
                found.append(problem.pointer + u' ' + problem.code);
            }
        }
        found.sort();
        QCOMPARE(found,
                 (QStringList{str("/policy/owner/business INVALID_VALUE"),
                              str("/policy/owner/weekend UNKNOWN_KEY"),
                              str("/policy/slaHours/technical INVALID_VALUE")}));
    }
};

QTEST_GUILESS_MAIN(TestExceptionCreation)
#include "tst_exceptioncreation.moc"
