#include "engine/model/workspaceloader.h"
#include "engine/security/maskformats.h"
#include "engine/security/masker.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace syncline::engine;
using security::Masker;
using security::PiiClass;

namespace {

const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");

QByteArray masked(const Masker &masker, const QByteArray &json)
{
    return masker.apply(json, Masker::View::Masked);
}

QByteArray clear(const Masker &masker, const QByteArray &json)
{
    return masker.apply(json, Masker::View::Clear);
}

// A member's text for comparing: the string itself, anything else as JSON.
QString s(const nlohmann::json &value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

} // namespace

class TestMasker : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void formats_data();
    void formats();
    void luhn();
    void cardNumbersInText_data();
    void cardNumbersInText();
    void canonicalCustomer();
    void canonicalCustomerClear();
    void wrappedAndNested();
    void unmarkedNamesStay();
    void keywordsNeedPlausibleValues();
    void cardsShowLastFourEvenInClear();
    void textIsCopiedExactly();
    void notJsonStillHidesDetectedData();
    void treeAndTextAgree();
    void noMarksStillDetects();

private:
    Masker m_demo;
};

void TestMasker::initTestCase()
{
    const model::LoadResult loaded = model::loadWorkspace(kDemo);
    QVERIFY(loaded.problems.isEmpty());
    m_demo = Masker::forWorkspace(loaded.workspace);
    QVERIFY(m_demo.marks().markedCount() > 10);
}

void TestMasker::formats_data()
{
    QTest::addColumn<int>("cls");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("name") << int(PiiClass::Name) << QByteArray("Jane  van Doe")
                          << QByteArray("J*** v*** D***");
    QTest::newRow("name non-ascii")
        << int(PiiClass::Name) << QByteArray("Åsa Öberg") << QByteArray("Å*** Ö***");
    QTest::newRow("email") << int(PiiClass::Email) << QByteArray("jane.doe@example.com")
                           << QByteArray("j***@e***.com");
    QTest::newRow("email without domain dot")
        << int(PiiClass::Email) << QByteArray("jane@localhost") << QByteArray("j***@***");
    QTest::newRow("not an email") << int(PiiClass::Email) << QByteArray("unknown")
                                  << QByteArray("***");
    QTest::newRow("phone") << int(PiiClass::Phone) << QByteArray("+49 30 1234567")
                           << QByteArray("+** ** *****67");
    QTest::newRow("short phone keeps less")
        << int(PiiClass::Phone) << QByteArray("1234") << QByteArray("***4");
    QTest::newRow("tax id") << int(PiiClass::TaxId) << QByteArray("DE123456789")
                            << QByteArray("*********89");
    QTest::newRow("iban") << int(PiiClass::BankAccount) << QByteArray("DE89370400440532013000")
                          << QByteArray("******************3000");
    QTest::newRow("card") << int(PiiClass::CardNumber) << QByteArray("4111 1111 1111 1111")
                          << QByteArray("**** **** **** 1111");
    QTest::newRow("last four alone")
        << int(PiiClass::CardNumber) << QByteArray("4242") << QByteArray("***2");
    QTest::newRow("address") << int(PiiClass::Address) << QByteArray("1 Main Street")
                             << QByteArray("***");
    QTest::newRow("free text") << int(PiiClass::FreeText) << QByteArray("call me")
                               << QByteArray("***");
    QTest::newRow("empty stays empty") << int(PiiClass::Name) << QByteArray("") << QByteArray("");
}

void TestMasker::formats()
{
    QFETCH(int, cls);
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, expected);
    QCOMPARE(QByteArray::fromStdString(security::maskAs(PiiClass(cls), text.toStdString())),
             expected);
}

void TestMasker::luhn()
{
    QVERIFY(security::luhnValid("4111111111111111"));
    QVERIFY(security::luhnValid("378282246310005"));
    QVERIFY(!security::luhnValid("4111111111111112"));
    QVERIFY(!security::luhnValid(""));
    QVERIFY(!security::luhnValid("4111-1111"));
}

void TestMasker::cardNumbersInText_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QByteArray("card 4111111111111111 charged")
                           << QByteArray("card ************1111 charged");
    QTest::newRow("spaced") << QByteArray("4111 1111 1111 1111")
                            << QByteArray("**** **** **** 1111");
    QTest::newRow("dashed amex") << QByteArray("3782-822463-10005")
                                 << QByteArray("****-******-*0005");
    QTest::newRow("after another number")
        << QByteArray("order 12 4111 1111 1111 1111") << QByteArray("order 12 **** **** **** 1111");
    QTest::newRow("fails luhn") << QByteArray("4111111111111112") << QByteArray("4111111111111112");
    QTest::newRow("timestamp is not a card")
        << QByteArray("1700000000007") << QByteArray("1700000000007");
    QTest::newRow("long id is not a card")
        << QByteArray("41111111111111111111111") << QByteArray("41111111111111111111111");
    QTest::newRow("short") << QByteArray("411111111111") << QByteArray("411111111111");
}

void TestMasker::cardNumbersInText()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, expected);
    std::string value = text.toStdString();
    security::cutCardNumbers(value);
    QCOMPARE(QByteArray::fromStdString(value), expected);
}

void TestMasker::canonicalCustomer()
{
    const QByteArray customer = R"({"globalAccountId":"ACC-000123","legalName":"Acme GmbH",)"
                                R"("primaryContact":{"name":"Jane Doe","email":"jane@acme.de",)"
                                R"("phone":"+49 30 1234567","title":"CFO"},)"
                                R"("billTo":{"name":"Jane Doe","address":{"line1":"Hauptstr. 1",)"
                                R"("city":"Berlin","country":"DE"}},)"
                                R"("taxRegistrations":[{"country":"DE","type":"vat",)"
                                R"("number":"DE123456789"}]})";
    const nlohmann::json out = nlohmann::json::parse(masked(m_demo, customer).toStdString());
    QCOMPARE(s(out["globalAccountId"]), QStringLiteral("ACC-000123"));
    QCOMPARE(s(out["legalName"]), QStringLiteral("Acme GmbH"));
    QCOMPARE(s(out["primaryContact"]["name"]), QStringLiteral("J*** D***"));
    QCOMPARE(s(out["primaryContact"]["email"]), QStringLiteral("j***@a***.de"));
    QCOMPARE(s(out["primaryContact"]["phone"]), QStringLiteral("+** ** *****67"));
    QCOMPARE(s(out["primaryContact"]["title"]), QStringLiteral("CFO"));
    QCOMPARE(s(out["billTo"]["name"]), QStringLiteral("J*** D***"));
    QCOMPARE(s(out["billTo"]["address"]["line1"]), QStringLiteral("***"));
    QCOMPARE(s(out["billTo"]["address"]["city"]), QStringLiteral("Berlin"));
    QCOMPARE(s(out["taxRegistrations"][0]["number"]), QStringLiteral("*********89"));
    QCOMPARE(s(out["taxRegistrations"][0]["type"]), QStringLiteral("vat"));
}

void TestMasker::canonicalCustomerClear()
{
    const QByteArray customer = R"({"primaryContact":{"email":"jane@acme.de"},)"
                                R"("taxRegistrations":[{"number":"DE123456789"}]})";
    QCOMPARE(clear(m_demo, customer), customer);
}

void TestMasker::wrappedAndNested()
{
    // The case's top-level "description" is free text; an invoice line's is not.
    const QByteArray wrapped = R"({"case":{"subject":"Refund","description":"my card broke"},)"
                               R"("lines":[{"description":"Pro plan"}]})";
    const nlohmann::json out = nlohmann::json::parse(masked(m_demo, wrapped).toStdString());
    QCOMPARE(s(out["case"]["subject"]), QStringLiteral("***"));
    QCOMPARE(s(out["case"]["description"]), QStringLiteral("***"));
    QCOMPARE(s(out["lines"][0]["description"]), QStringLiteral("Pro plan"));
    const QByteArray atRoot = R"({"subject":"Refund","caseNumber":"CS-1"})";
    QCOMPARE(masked(m_demo, atRoot), QByteArray(R"({"subject":"***","caseNumber":"CS-1"})"));
}

void TestMasker::unmarkedNamesStay()
{
    // A product's name and an invoice's number are not personal; a tax registration's number is.
    const QByteArray product = R"({"sku":"PRO","name":"Pro plan","number":"INV-1"})";
    QCOMPARE(masked(m_demo, product), product);
}

void TestMasker::keywordsNeedPlausibleValues()
{
    const QByteArray source = R"({"Contact_Email__c":"jane@acme.de","emailStatus":"bounced",)"
                              R"("emailVerified":true,"vat_number":"DE123456789"})";
    const nlohmann::json out = nlohmann::json::parse(masked(m_demo, source).toStdString());
    QCOMPARE(s(out["Contact_Email__c"]), QStringLiteral("j***@a***.de"));
    QCOMPARE(s(out["emailStatus"]), QStringLiteral("bounced"));
    QVERIFY(out["emailVerified"] == true);
    QCOMPARE(s(out["vat_number"]), QStringLiteral("*********89"));
}

void TestMasker::cardsShowLastFourEvenInClear()
{
    const QByteArray payment = R"({"note":"paid with 4111 1111 1111 1111","cardLast4":"4242",)"
                               R"("cardNumber":4111111111111111})";
    const nlohmann::json cleared = nlohmann::json::parse(clear(m_demo, payment).toStdString());
    QCOMPARE(s(cleared["note"]), QStringLiteral("paid with **** **** **** 1111"));
    QCOMPARE(s(cleared["cardLast4"]), QStringLiteral("4242"));
    QCOMPARE(s(cleared["cardNumber"]), QStringLiteral("************1111"));
    const nlohmann::json hidden = nlohmann::json::parse(masked(m_demo, payment).toStdString());
    QCOMPARE(s(hidden["cardLast4"]), QStringLiteral("***2"));
    QCOMPARE(s(hidden["cardNumber"]), QStringLiteral("************1111"));
}

void TestMasker::textIsCopiedExactly()
{
    const QByteArray text = "{ \"amount\" : 12.50, \"big\": 18446744073709551616,\n"
                            "  \"esc\\u0061ped\": \"caf\\u00e9\", \"list\": [ 1, 2 ],"
                            " \"empty\": {}, \"none\": [], \"n\": null }";
    QCOMPARE(masked(m_demo, text), text);
    // An escaped member name is still recognised.
    QCOMPARE(masked(m_demo, R"({"primaryContact":{"em\u0061il":"a@b.example"}})"),
             QByteArray(R"({"primaryContact":{"em\u0061il":"a***@b***.example"}})"));
}

void TestMasker::notJsonStillHidesDetectedData()
{
    const QByteArray text = "error: jane@acme.de paid with 4111111111111111 {";
    QCOMPARE(masked(m_demo, text), QByteArray("error: j***@a***.de paid with ************1111 {"));
    QCOMPARE(clear(m_demo, text), QByteArray("error: jane@acme.de paid with ************1111 {"));
}

void TestMasker::treeAndTextAgree()
{
    const QByteArray customer = R"({"primaryContact":{"name":"Jane Doe","email":"jane@acme.de"},)"
                                R"("notes":"ring 4111111111111111","count":3,)"
                                R"("taxRegistrations":[{"number":"DE123456789"}]})";
    nlohmann::json tree = nlohmann::json::parse(customer.toStdString());
    m_demo.apply(tree, Masker::View::Masked);
    QVERIFY(tree == nlohmann::json::parse(masked(m_demo, customer).toStdString()));
}

void TestMasker::noMarksStillDetects()
{
    const Masker bare;
    const QByteArray text = R"({"name":"Jane","contact":"jane@acme.de"})";
    QCOMPARE(masked(bare, text), QByteArray(R"({"name":"Jane","contact":"j***@a***.de"})"));
}

QTEST_GUILESS_MAIN(TestMasker)
#include "tst_masker.moc"
