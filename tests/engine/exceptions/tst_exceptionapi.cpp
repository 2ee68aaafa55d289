#include "desk.h"

#include "engine/runtime/httpnode.h"
#include "engine/store/auditjobs.h"

using deskfixture::Desk;
using deskfixture::invoiceSchema;
using deskfixture::str;
using deskfixture::system;
using deskfixture::Target;
using deskfixture::text;
using namespace syncline::engine;

namespace {

nlohmann::json http(const char *system, const char *path, nlohmann::json extra = {})
{
    nlohmann::json settings = {
        {"system", system}, {"method", "POST"}, {"path", path}, {"businessKey", "/number"}};
    if (extra.is_object()) {
        settings.update(extra);
    }
    return settings;
}

// orders: check the invoice (its own code for a missing tax code) → CRM → ERP.
nlohmann::json ordersFlow()
{
    return {{"id", "orders"},
            {"name", "Orders"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "check"},
               {"type", "validate"},
               {"settings",
                {{"schema", "invoice"}, {"reasonCodes", {{"/taxCode", "MISSING_TAX_CODE"}}}}}},
              {{"id", "crm"}, {"type", "http"}, {"settings", http("crm", "/accounts/ok")}},
              {{"id", "erp"}, {"type", "http"}, {"settings", http("erp", "/invoices/flaky")}}}},
            {"edges",
             {{{"from", "in"}, {"to", "check"}},
              {{"from", "check"}, {"to", "crm"}},
              {{"from", "crm"}, {"to", "erp"}}}}};
}

// strict: one charge to a target that keeps each Idempotency-Key's answer (Target's "/strict"),
// tried once.
nlohmann::json strictFlow()
{
    return {{"id", "strict"},
            {"name", "Strict"},
            {"nodes",
             {{{"id", "in"}, {"type", "webhook"}},
              {{"id", "charge"},
               {"type", "http"},
               {"settings", http("billing", "/charges/strict", {{"retry", {{"maxAttempts", 1}}}})}}}},
            {"edges", {{{"from", "in"}, {"to", "charge"}}}}};
}

// A feed written to a folder that does not exist: a technical exception after one attempt,
// owned as `owner` says (the default, admin, when none).
nlohmann::json feedFlow(const char *id, const char *owner, const QString &folder)
{
    nlohmann::json flow = {
        {"id", id},
        {"name", id},
        {"nodes",
         {{{"id", "in"}, {"type", "webhook"}},
          {{"id", "push"},
           {"type", "write"},
           {"settings",
            {{"format", "jsonl"},
             {"path", (folder + QStringLiteral("/missing/feed.jsonl")).toStdString()},
             {"retry", {{"maxAttempts", 1}}}}}}}},
        {"edges", {{{"from", "in"}, {"to", "push"}}}}};
    if (owner) {
        flow["policy"] = {{"owner", {{"technical", owner}}}};
    }
    return flow;
}

QByteArray invoice(const QString &number, bool withTaxCode = true)
{
    nlohmann::json document = {{"number", number.toStdString()}, {"amount", "19.99"}};
    if (withTaxCode) {
        document["taxCode"] = "DE19";
    }
    return QByteArray::fromStdString(document.dump());
}

} // namespace

class TestExceptionApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Target> m_target;
    std::unique_ptr<Desk> m_desk;

    // Waits for the exception of a business key and returns its id (0 when none came).
    qint64 exceptionFor(const QString &key)
    {
        store::ExceptionFilter filter;
        filter.businessKey = key;
        filter.states = store::ExceptionFilter::States::Unresolved;
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            auto page = m_desk->exceptionStore().list(filter, std::nullopt, 1);
            if (page.ok() && !page->items.isEmpty()) {
                return page->items.first().id;
            }
            QTest::qWait(20);
        }
        qWarning("no exception for %s", qPrintable(key));
        return 0;
    }

    int auditCount()
    {
        auto c = m_desk->store().reader();
        auto audit = store::readAudit(*c, 0, 100000);
        return audit.ok() ? int(audit->size()) : -1;
    }

    int m_serial = 0;
    // A fresh exception of a kind: "finance" (MISSING_TAX_CODE), "finance-technical",
    // "admin" (technical, the default owner).
    qint64 fresh(const QString &kind)
    {
        const QString key = QStringLiteral("K-%1").arg(++m_serial);
        if (kind == QLatin1String("finance")) {
            m_desk->ingest(str("orders"), invoice(key, false), key);
        } else {
            m_desk->ingest(
                kind == QLatin1String("admin") ? str("sync") : str("feeds"), invoice(key), key);
        }
        return exceptionFor(key);
    }

    static QByteArray actionBody(const QString &action)
    {
        if (action == QLatin1String("assign")) {
            return R"({"assignee":"fiona"})";
        }
        if (action == QLatin1String("comment")) {
            return R"({"text":"called the customer"})";
        }
        if (action == QLatin1String("repair")) {
            return R"({"payload":{"number":"K-0","amount":"19.99","taxCode":"DE19"},"reason":"tax code from the contract"})";
        }
        return R"({"reason":"checked with the ERP team"})";
    }

private slots:
    void initTestCase()
    {
        m_target = std::make_unique<Target>();
        m_desk = std::make_unique<Desk>();
        m_desk->deploy({{"canonical/invoice.schema.json", invoiceSchema()},
                        {"systems/erp.system.json", system(str("erp"), m_target->baseUrl())},
                        {"systems/crm.system.json", system(str("crm"), m_target->baseUrl())},
                        {"systems/billing.system.json", system(str("billing"), m_target->baseUrl())},
                        {"flows/orders.flow.json", ordersFlow()},
                        {"flows/strict.flow.json", strictFlow()},
                        {"flows/feeds.flow.json", feedFlow("feeds", "finance", m_desk->folder())},
                        {"flows/sync.flow.json", feedFlow("sync", nullptr, m_desk->folder())}});
        m_desk->serve();
    }
    void cleanupTestCase()
    {
        m_desk.reset();
        m_target.reset();
    }

    void everyRoleGetsWhatItMay_data()
    {
        QTest::addColumn<QString>("role");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("action");
        QTest::addColumn<int>("status");
        const QStringList actions = {str("show"),
                                     str("assign"),
                                     str("comment"),
                                     str("repair"),
                                     str("replay"),
                                     str("discard")};
        const auto rows = [&](const char *role, const char *kind, QList<int> statuses) {
            for (qsizetype i = 0; i < actions.size(); ++i) {
                QTest::addRow("%s %s on %s", role, qPrintable(actions[i]), kind)
                    << str(role) << str(kind) << actions[i] << statuses[i];
            }
        };
        rows("viewer", "finance", {200, 403, 403, 403, 403, 403});
        rows("analyst", "admin", {200, 403, 403, 403, 403, 403});
        rows("finance", "finance", {200, 200, 200, 200, 200, 403});
        rows("finance", "finance-technical", {200, 200, 200, 200, 403, 403});
        rows("finance", "admin", {403, 403, 403, 403, 403, 403});
        rows("admin", "finance", {200, 200, 200, 200, 200, 200});
        rows("admin", "admin", {200, 200, 200, 200, 200, 200});
    }

    void everyRoleGetsWhatItMay()
    {
        QFETCH(QString, role);
        QFETCH(QString, kind);
        QFETCH(QString, action);
        QFETCH(int, status);
        const qint64 id = fresh(kind);
        QVERIFY(id > 0);
        const int audited = auditCount();
        const QString path = QStringLiteral("/api/v1/exceptions/%1").arg(id);
        const Desk::Answer answer =
            action == QLatin1String("show")
                ? m_desk->call("GET", path, role.toLatin1())
                : m_desk->call("POST", path + u'/' + action, role.toLatin1(), actionBody(action));
        QVERIFY2(answer.status == status, answer.raw.constData());
        const bool privileged = action != QLatin1String("show");
        QCOMPARE(auditCount(), audited + (status == 200 && privileged ? 1 : 0));
        if (status == 403) {
            QVERIFY2(answer.body.value("code", "") == "FORBIDDEN", answer.raw.constData());
        }
    }

    void aFinanceUserSeesOnlyItsQueue()
    {
        fresh(str("finance"));
        fresh(str("admin"));
        const Desk::Answer mine =
            m_desk->call("GET", str("/api/v1/exceptions?state=unresolved&counts=owner"), "finance");
        QCOMPARE(mine.status, 200);
        QVERIFY(!mine.body["items"].empty());
        for (const nlohmann::json &item : mine.body["items"]) {
            QCOMPARE(text(item["ownerRole"]), str("finance"));
        }
        QCOMPARE(mine.body["counts"]["owner"].size(), size_t(1));
        QCOMPARE(m_desk->call("GET", str("/api/v1/exceptions?owner=admin"), "finance").status, 403);
        const Desk::Answer all =
            m_desk->call("GET", str("/api/v1/exceptions?counts=owner"), "viewer");
        QVERIFY(all.body["counts"]["owner"].size() >= 2);
    }

    void aFinanceUsersViewMasksEmailAndTaxId()
    {
        const QString key = QStringLiteral("K-PII");
        m_desk->ingest(str("orders"),
                       R"({"number":"K-PII","amount":"19.99","customerEmail":"jane@acme.de",)"
                       R"("customerTaxId":"DE123456789"})",
                       key);
        const qint64 id = exceptionFor(key);
        QVERIFY(id > 0);
        const QString path = QStringLiteral("/api/v1/exceptions/%1").arg(id);
        const int audited = auditCount();
        for (const char *role : {"finance", "viewer", "admin"}) {
            const Desk::Answer seen = m_desk->call("GET", path, role);
            QCOMPARE(seen.status, 200);
            QVERIFY2(!seen.raw.contains("jane@acme.de"), seen.raw.constData());
            QVERIFY2(!seen.raw.contains("DE123456789"), seen.raw.constData());
            QVERIFY2(seen.raw.contains("j***@a***.de"), seen.raw.constData());
            QVERIFY2(seen.raw.contains("*********89"), seen.raw.constData());
            const Desk::Answer listed =
                m_desk->call("GET", str("/api/v1/exceptions?businessKey=K-PII"), role);
            QVERIFY(!listed.raw.contains("jane@acme.de"));
        }
        QCOMPARE(auditCount(), audited);
        QCOMPARE(m_desk->call("GET", path + str("?unmask=true&reason=customer%20asked"), "finance")
                     .status,
                 403);
        const Desk::Answer clear =
            m_desk->call("GET", path + str("?unmask=true&reason=customer%20asked"), "admin");
        QCOMPARE(clear.status, 200);
        QVERIFY(clear.raw.contains("jane@acme.de") && clear.raw.contains("DE123456789"));
        QCOMPARE(auditCount(), audited + 1);
    }

    void anUnreadableInputIsNamedInsteadOfShown()
    {
        const qint64 id = fresh(str("finance"));
        QVERIFY(id > 0);
        const QString messageId = (*m_desk->exceptionStore().get(id))->record.messageId;
        {
            auto c = store::Connection::open(m_desk->databasePath());
            auto damage = c->prepare("UPDATE messages SET payload_encoding = 7 WHERE message_id = ?");
            damage->bind(1, messageId);
            QVERIFY(damage->run());
        }
        const Desk::Answer seen =
            m_desk->call("GET", QStringLiteral("/api/v1/exceptions/%1").arg(id), "finance");
        QVERIFY2(seen.status == 200, seen.raw.constData());
        QVERIFY(seen.body["input"].is_null());
        const QString why = text(seen.body["inputError"]);
        QVERIFY2(why.contains(messageId) && why.contains(str("unknown encoding 7")),
                 seen.raw.constData());
    }

    void aRepairFromTheMaskedViewKeepsThePersonalData()
    {
        const QString key = QStringLiteral("K-PII-REPAIR");
        m_desk->ingest(
            str("orders"),
            R"({"number":"K-PII-REPAIR","amount":"19.99","customerEmail":"jane@acme.de",)"
            R"("customerTaxId":"DE123456789"})",
            key);
        const qint64 id = exceptionFor(key);
        QVERIFY(id > 0);
        const QString path = QStringLiteral("/api/v1/exceptions/%1").arg(id);
        const Desk::Answer seen = m_desk->call("GET", path, "finance");
        nlohmann::json input = seen.body["input"];
        QCOMPARE(text(input["customerTaxId"]), str("*********89"));
        input["taxCode"] = "DE19";
        const nlohmann::json repair = {{"payload", input},
                                       {"reason", "tax code from the contract"}};
        const Desk::Answer repaired = m_desk->call(
            "POST", path + str("/repair"), "finance", QByteArray::fromStdString(repair.dump()));
        QVERIFY2(repaired.status == 200, repaired.raw.constData());
        const Desk::Answer clear =
            m_desk->call("GET", path + str("?unmask=true&reason=checking%20the%20repair"), "admin");
        const nlohmann::json version = clear.body["repairedVersions"].at(0);
        QVERIFY2(version.dump().find("jane@acme.de") != std::string::npos, clear.raw.constData());
        QVERIFY(version.dump().find("DE123456789") != std::string::npos);
        QVERIFY(version.dump().find("DE19") != std::string::npos);
        QVERIFY(version.dump().find("***") == std::string::npos);
    }

    void listsFilterCountAndPage()
    {
        for (int i = 0; i < 3; ++i) {
            fresh(str("finance"));
        }
        const QString query =
            str("/api/v1/exceptions?reason=MISSING_TAX_CODE&node=check"
                "&state=unresolved&newerThan=1h&limit=2&counts=reason,node,state");
        const Desk::Answer first = m_desk->call("GET", query, "admin");
        QCOMPARE(first.status, 200);
        QCOMPARE(first.body["items"].size(), size_t(2));
        const qint64 total = first.body["total"].get<qint64>();
        QVERIFY(total >= 3);
        QCOMPARE(text(first.body["counts"]["reason"][0]["key"]), str("MISSING_TAX_CODE"));
        QCOMPARE(first.body["counts"]["reason"][0]["count"].get<qint64>(), total);
        QCOMPARE(text(first.body["counts"]["node"][0]["flow"]), str("orders"));
        QVERIFY(first.body["nextCursor"].is_string());
        QSet<qint64> seen;
        nlohmann::json page = first.body;
        for (;;) {
            for (const nlohmann::json &item : page["items"]) {
                QVERIFY(!seen.contains(item["id"].get<qint64>()));
                seen.insert(item["id"].get<qint64>());
                QCOMPARE(text(item["reasonCode"]), str("MISSING_TAX_CODE"));
                QCOMPARE(text(item["pointer"]), str("/taxCode"));
            }
            if (!page["nextCursor"].is_string()) {
                break;
            }
            page = m_desk
                       ->call("GET",
                              query + str("&cursor=") +
                                  QString::fromStdString(page["nextCursor"].get<std::string>()),
                              "admin")
                       .body;
        }
        QCOMPARE(qint64(seen.size()), total);
        QCOMPARE(m_desk->call("GET", str("/api/v1/exceptions?state=lost"), "admin").status, 400);
        QCOMPARE(m_desk->call("GET", str("/api/v1/exceptions?olderThan=soon"), "admin").status,
                 400);
        QCOMPARE(m_desk->call("GET", str("/api/v1/exceptions?cursor=%%%"), "admin").status, 400);
        QCOMPARE(m_desk->call("GET", str("/api/v1/exceptions/123456789"), "admin").status, 404);
    }

    void replayAndDiscardNeedAReason_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("replay without a body") << str("replay") << QByteArray();
        QTest::newRow("replay with a blank reason")
            << str("replay") << QByteArray(R"({"reason":"  "})");
        QTest::newRow("discard without a reason") << str("discard") << QByteArray(R"({})");
        QTest::newRow("resubmitted repair")
            << str("repair")
            << QByteArray(
                   R"({"payload":{"number":"K","amount":"1.00","taxCode":"DE19"},"resubmit":true})");
    }

    void replayAndDiscardNeedAReason()
    {
        QFETCH(QString, action);
        QFETCH(QByteArray, body);
        const qint64 id = fresh(str("finance"));
        const int audited = auditCount();
        const Desk::Answer answer = m_desk->call(
            "POST", QStringLiteral("/api/v1/exceptions/%1/%2").arg(id).arg(action), "admin", body);
        QCOMPARE(answer.status, 422);
        QCOMPARE(text(answer.body["code"]), str("REASON_REQUIRED"));
        QCOMPARE(auditCount(), audited);
    }

    void aRepairIsCheckedAgainstTheDeclaredSchema()
    {
        m_target->setRefusals(0);
        const qint64 id = fresh(str("finance"));
        const QString base = QStringLiteral("/api/v1/exceptions/%1").arg(id);
        const Desk::Answer shown = m_desk->call("GET", base, "finance");
        QCOMPARE(text(shown.body["inputSchema"]["entity"]), str("invoice"));
        QCOMPARE(text(shown.body["inputSchema"]["declaredBy"]), str("validate node check"));
        QVERIFY(shown.raw.contains("\"input\":{\"amount\":\"19.99\""));

        const Desk::Answer invalid = m_desk->call(
            "POST",
            base + str("/repair"),
            "finance",
            R"({"payload":{"number":"K","amount":"19.9","taxCode":"D"},"reason":"try"})");
        QCOMPARE(invalid.status, 422);
        QCOMPARE(text(invalid.body["code"]), str("REPAIR_INVALID"));
        QStringList where;
        for (const nlohmann::json &v : invalid.body["violations"]) {
            where.append(QString::fromStdString(v["pointer"].get<std::string>() + " " +
                                                v["keyword"].get<std::string>()));
        }
        where.sort();
        QCOMPARE(where, (QStringList{str("/amount pattern"), str("/taxCode minLength")}));
        QVERIFY2(invalid.body["detail"].get<std::string>().find("Tax code") != std::string::npos,
                 invalid.raw.constData());
        const Desk::Answer notJson =
            m_desk->call("POST", base + str("/repair"), "finance", R"({"payload":{"a":1,"a":2}})");
        QCOMPARE(notJson.status, 400); // the body itself is refused by strict intake
        QCOMPARE(text(m_desk->call("GET", base, "finance").body["repairs"]), str("0"));

        // A valid one is kept beside the original and resubmitted from the failed node: the
        // exact amount text goes to the ERP.
        const Desk::Answer repaired = m_desk->call(
            "POST",
            base + str("/repair"),
            "finance",
            R"({"payload":{"number":"K-fixed","amount":"19.990000000000000001","taxCode":"DE19"},"reason":"tax code from the contract","resubmit":true})");
        QVERIFY2(repaired.status == 422, repaired.raw.constData()); // amount has two decimals only
        const Desk::Answer fixed = m_desk->call(
            "POST",
            base + str("/repair"),
            "finance",
            R"({"payload":{"number":"K-fixed","amount":"19.99","taxCode":"DE19"},"reason":"tax code from the contract","resubmit":true})");
        QVERIFY2(fixed.status == 200, fixed.raw.constData());
        QCOMPARE(text(fixed.body["version"]["version"]), str("1"));
        QCOMPARE(text(fixed.body["replay"]["node"]), str("check"));
        QTRY_VERIFY_WITH_TIMEOUT(
            !m_target->calls("/invoices/flaky").isEmpty() &&
                m_target->calls("/invoices/flaky").last().body.contains("K-fixed"),
            10000);
        const Desk::Answer after = m_desk->call("GET", base, "finance");
        QCOMPARE(text(after.body["state"]), str("resolved"));
        QCOMPARE(text(after.body["resolution"]), str("repaired"));
        QVERIFY(after.raw.contains("\"input\":{\"amount\":\"19.99\",\"number\":\"K-"));
        QCOMPARE(after.body["repairedVersions"].size(), size_t(1));
        QCOMPARE(text(after.body["history"].back()["kind"]), str("replayed"));
    }

    void aReplayAfterAPartialSuccessSendsOnlyTheFailedCallWithItsOriginalKey()
    {
        m_target->setRefusals(int(m_target->calls("/invoices/flaky").size()) + 1);
        const QString key = str("K-partial");
        const int crmBefore = int(m_target->calls("/accounts/ok").size());
        m_desk->ingest(str("orders"), invoice(key), key, str("corr-partial"));
        const qint64 id = exceptionFor(key);
        const store::ExceptionRecord failed = (*m_desk->exceptionStore().get(id))->record;
        QCOMPARE(failed.reasonCode, str("HTTP_4XX"));
        QCOMPARE(failed.nodeId, str("erp"));
        QCOMPARE(int(m_target->calls("/accounts/ok").size()), crmBefore + 1);
        const QList<Target::Call> refused = m_target->calls("/invoices/flaky");
        const QByteArray originalKey = refused.last().idempotencyKey;
        const QString ledgerKey =
            runtime::HttpNode::idempotencyKey(str("corr-partial"), str("orders"), str("erp"), key,
                                              m_desk->store().orderedEffectKeysAfter());
        QCOMPARE(originalKey, ledgerKey.toLatin1());

        const Desk::Answer replayed =
            m_desk->call("POST",
                         QStringLiteral("/api/v1/exceptions/%1/replay").arg(id),
                         "finance",
                         R"({"reason":"the ERP team added the tax code"})");
        QVERIFY2(replayed.status == 200, replayed.raw.constData());
        QTRY_COMPARE_WITH_TIMEOUT(
            m_target->calls("/invoices/flaky").size(), refused.size() + 1, 10000);
        QCOMPARE(m_target->calls("/invoices/flaky").last().idempotencyKey, originalKey);
        QCOMPARE(int(m_target->calls("/accounts/ok").size()), crmBefore + 1); // not again
        QTRY_COMPARE_WITH_TIMEOUT(
            (*m_desk->store().effect(ledgerKey))->state, store::EffectState::Succeeded, 10000);
        QCOMPARE((*m_desk->store().effect(ledgerKey))->attempts, 2);
    }

    void aReplaySkipsEffectsThatAlreadySucceededForItsCorrelationId()
    {
        // The invoice went through once; the same invoice (same correlation id) comes again
        // without its tax code, is repaired and replayed from the check: the CRM and ERP calls
        // already succeeded for it, so the ledger answers and nothing is sent twice.
        m_target->setRefusals(0);
        const QString key = str("K-twice");
        m_desk->ingest(str("orders"), invoice(key), key, str("corr-twice"));
        const QString crmKey =
            runtime::HttpNode::idempotencyKey(str("corr-twice"), str("orders"), str("crm"), key,
                                              m_desk->store().orderedEffectKeysAfter());
        const QString erpKey =
            runtime::HttpNode::idempotencyKey(str("corr-twice"), str("orders"), str("erp"), key,
                                              m_desk->store().orderedEffectKeysAfter());
        QTRY_VERIFY_WITH_TIMEOUT(m_desk->store().effect(erpKey)->has_value() &&
                                     (*m_desk->store().effect(erpKey))->state ==
                                         store::EffectState::Succeeded,
                                 10000);
        const qsizetype calls = m_target->calls().size();
        m_desk->ingest(str("orders"), invoice(key, false), key, str("corr-twice"));
        const qint64 id = exceptionFor(key);
        const Desk::Answer replayed =
            m_desk->call("POST",
                         QStringLiteral("/api/v1/exceptions/%1/repair").arg(id),
                         "finance",
                         QStringLiteral(R"({"payload":%1,"reason":"same invoice","resubmit":true})")
                             .arg(QString::fromUtf8(invoice(key)))
                             .toUtf8());
        QVERIFY2(replayed.status == 200, replayed.raw.constData());
        // The replayed message runs to the end of the flow without a call.
        QTRY_COMPARE_WITH_TIMEOUT(
            m_desk->rows("SELECT count(*) FROM work_items WHERE state <> 'failed'", 1)[0][0],
            str("0"),
            10000);
        QCOMPARE(m_target->calls().size(), calls);
        QCOMPARE((*m_desk->store().effect(crmKey))->attempts, 1);
        QCOMPARE((*m_desk->store().effect(erpKey))->attempts, 1);
    }

    void aRepairedInputGetsANewKeyOnlyAfterTheTargetRefusedTheOldOne()
    {
        // The target refused the charge (a business 4xx it keeps under the key): the repaired
        // charge is a new request, so it goes under a new key — with the old key the target
        // would refuse it as a reused key with another body.
        const QString key = str("K-strict");
        m_desk->ingest(str("strict"), R"({"number":"K-strict","amount":"19.99","taxCode":"XX-0"})", key,
                       str("corr-strict"));
        const qint64 id = exceptionFor(key);
        QCOMPARE((*m_desk->exceptionStore().get(id))->record.reasonCode, str("HTTP_4XX"));
        const QString original =
            runtime::HttpNode::idempotencyKey(str("corr-strict"), str("strict"), str("charge"), key,
                                              m_desk->store().orderedEffectKeysAfter());
        QCOMPARE(m_target->calls("/charges/strict").last().idempotencyKey, original.toLatin1());

        const Desk::Answer repaired = m_desk->call(
            "POST", QStringLiteral("/api/v1/exceptions/%1/repair").arg(id), "finance",
            R"({"payload":{"number":"K-strict","amount":"19.99","taxCode":"DE19"},"reason":"valid tax code","resubmit":true})");
        QVERIFY2(repaired.status == 200, repaired.raw.constData());
        const QString renewed = original + str("-r1");
        QTRY_VERIFY_WITH_TIMEOUT(m_desk->store().effect(renewed)->has_value()
                                     && (*m_desk->store().effect(renewed))->state == store::EffectState::Succeeded,
                                 10000);
        const QList<Target::Call> calls = m_target->calls("/charges/strict");
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls.last().idempotencyKey, renewed.toLatin1());
        QVERIFY(calls.last().body.contains("DE19"));
        const store::EffectRecord refused = **m_desk->store().effect(original);
        QCOMPARE(refused.state, store::EffectState::Failed);
        QCOMPARE(refused.httpStatus, 422);
        QCOMPARE(refused.attempts, 1);
        store::ExceptionFilter open;
        open.states = store::ExceptionFilter::States::Unresolved;
        open.businessKey = key;
        QCOMPARE(m_desk->count(open), 0);
    }

    void aRepairedInputKeepsTheKeyWhenTheTargetMayHaveActed()
    {
        // The charge failed technically (503, tried once): the target may have taken it, so the
        // repaired charge goes under the original key — a target with idempotency support
        // recognises it, and no second charge can come of it.
        const QString key = str("K-wobbly");
        m_desk->ingest(str("strict"), R"({"number":"K-wobbly","amount":"0.00","taxCode":"DE19"})", key,
                       str("corr-wobbly"));
        const qint64 id = exceptionFor(key);
        QCOMPARE((*m_desk->exceptionStore().get(id))->record.reasonCode, str("RETRIES_EXHAUSTED"));
        const QString original =
            runtime::HttpNode::idempotencyKey(str("corr-wobbly"), str("strict"), str("charge"), key,
                                              m_desk->store().orderedEffectKeysAfter());
        const Desk::Answer repaired = m_desk->call(
            "POST", QStringLiteral("/api/v1/exceptions/%1/repair").arg(id), "admin",
            R"({"payload":{"number":"K-wobbly","amount":"19.99","taxCode":"DE19"},"reason":"amount from the order","resubmit":true})");
        QVERIFY2(repaired.status == 200, repaired.raw.constData());
        QTRY_VERIFY_WITH_TIMEOUT((*m_desk->store().effect(original))->state == store::EffectState::Succeeded, 10000);
        QCOMPARE(m_target->calls("/charges/strict").last().idempotencyKey, original.toLatin1());
        QCOMPARE((*m_desk->store().effect(original))->attempts, 2);
        QVERIFY(!m_desk->store().effect(original + str("-r1"))->has_value());
    }

    void aResolvedExceptionIsNotReplayedTwice()
    {
        const qint64 id = fresh(str("admin"));
        const QString path = QStringLiteral("/api/v1/exceptions/%1/discard").arg(id);
        QCOMPARE(m_desk->call("POST", path, "admin", R"({"reason":"duplicate feed row"})").status,
                 200);
        const Desk::Answer again =
            m_desk->call("POST",
                         QStringLiteral("/api/v1/exceptions/%1/replay").arg(id),
                         "admin",
                         R"({"reason":"try"})");
        QCOMPARE(again.status, 409);
        QCOMPARE(text(again.body["code"]), str("EXCEPTION_RESOLVED"));
    }
};

QTEST_GUILESS_MAIN(TestExceptionApi)
#include "tst_exceptionapi.moc"
