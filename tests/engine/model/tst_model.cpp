#include "engine/model/problemcodes.h"
#include "engine/model/workspaceloader.h"
#include "engine/model/workspacesaver.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>

using namespace syncline::engine::model;

namespace {

const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");

QMap<QString, QByteArray> readTree(const QString &folder);

// A small workspace with one object of every kind that loads without a single problem (the
// files under data/valid). Each problem case replaces or removes one file of it.
QMap<QString, QByteArray> validFiles()
{
    return readTree(QStringLiteral(SYNCLINE_SOURCE_DIR "/tests/engine/model/data/valid"));
}

void writeFiles(const QString &folder, const QMap<QString, QByteArray> &files)
{
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        const QString path = QDir(folder).filePath(it.key());
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QFile file(path);
        QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
        file.write(it.value());
    }
}

QMap<QString, QByteArray> readTree(const QString &folder)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (file.open(QIODevice::ReadOnly)) {
            files.insert(QDir(folder).relativeFilePath(path), file.readAll());
        }
    }
    return files;
}

QString describe(const ProblemList &problems)
{
    QStringList lines;
    for (const Problem &problem : problems) {
        lines.append(problem.toString());
    }
    return lines.join(u'\n');
}

const Problem *findProblem(const ProblemList &problems, const QString &code, const QString &file,
                           const QString &pointer)
{
    for (const Problem &problem : problems) {
        if (problem.code == code && problem.file == file && problem.pointer == pointer) {
            return &problem;
        }
    }
    return nullptr;
}

} // namespace

class TestModel : public QObject
{
    Q_OBJECT

private slots:
    void demoLoadsWithoutProblems();
    void demoRoundTripIsByteIdentical();
    void demoAnnotatesOwnersKeysAndPersonalData();
    void validWorkspaceOfEveryKindLoads();
    void problems_data();
    void problems();
    void unknownKeyIsReportedAndKeptOnSave();
    void severalProblemsAreReportedAtOnce();
    void brokenFileIsNotEchoedAsMissingReferences();
    void missingFolderIsAProblem();
    void deepNestingIsRefused();
    void longOneLineFilesLoadFast();
    void checkWorkspaceSeesEditsInMemory();
    void canonicalJsonSortsKeysAndEndsWithNewline();
    void saveCreatesFoldersAndLeavesUnchangedFilesAlone();
};

void TestModel::demoLoadsWithoutProblems()
{
    const LoadResult result = loadWorkspace(kDemo);
    QVERIFY2(result.problems.isEmpty(), qPrintable(describe(result.problems)));
    QCOMPARE(result.workspace.count(ObjectKind::System), 6);
    const QStringList entities = result.workspace.ids(ObjectKind::Canonical);
    for (const char *id : {"customer", "product", "subscription", "order", "invoice", "payment",
                           "case", "entitlement", "usageEvent", "usageSummary", "journalEntry"}) {
        QVERIFY2(entities.contains(QLatin1String(id)), id);
    }
    QCOMPARE(result.workspace.ids(ObjectKind::System),
             (QStringList{QStringLiteral("billing"), QStringLiteral("crm"),
                          QStringLiteral("dataPlatform"), QStringLiteral("erp"),
                          QStringLiteral("support"), QStringLiteral("usage")}));
    QVERIFY(!result.workspace.name().isEmpty());
    QCOMPARE(result.workspace.find(ObjectKind::Canonical, QStringLiteral("usageEvent"))->file,
             QStringLiteral("canonical/usageEvent.schema.json"));
}

void TestModel::demoRoundTripIsByteIdentical()
{
    const LoadResult loaded = loadWorkspace(kDemo);
    QVERIFY(loaded.ok());
    QTemporaryDir target;
    QVERIFY(target.isValid());
    const auto saved = saveWorkspace(loaded.workspace, target.path());
    QVERIFY2(saved.ok(), saved.ok() ? "" : qPrintable(saved.error().message));

    const QMap<QString, QByteArray> original = readTree(kDemo);
    const QMap<QString, QByteArray> written = readTree(target.path());
    QCOMPARE(written.keys(), original.keys());
    for (auto it = original.cbegin(); it != original.cend(); ++it) {
        QVERIFY2(written.value(it.key()) == it.value(), qPrintable(it.key()));
    }
    // Loading what was saved gives the same workspace.
    const LoadResult reloaded = loadWorkspace(target.path());
    QVERIFY(reloaded.ok());
    QVERIFY(reloaded.workspace == loaded.workspace);
}

void TestModel::demoAnnotatesOwnersKeysAndPersonalData()
{
    const LoadResult result = loadWorkspace(kDemo);
    const WorkspaceObject *customer = result.workspace.find(ObjectKind::Canonical,
                                                            QStringLiteral("customer"));
    QVERIFY(customer);
    const nlohmann::json &properties = customer->document["properties"];
    QVERIFY(customer->document["x-syncline-businessKey"] == nlohmann::json::array({"globalAccountId"}));
    QVERIFY(properties["erpCustomerNumber"]["x-syncline-owner"] == "erp");
    QVERIFY(properties["legalName"]["x-syncline-owner"] == "erp");
    QVERIFY(properties["crmAccountId"]["x-syncline-owner"] == "crm");
    for (const char *field : {"globalAccountId", "legalEntity", "legalName", "taxRegistrations",
                              "soldTo", "billTo", "currency", "paymentTerms", "supportTier",
                              "region", "erpCustomerNumber"}) {
        QVERIFY2(properties.contains(field), field);
    }
    const WorkspaceObject *shared = result.workspace.find(ObjectKind::Canonical,
                                                          QStringLiteral("shared"));
    QVERIFY(shared);
    QVERIFY(shared->document["definitions"]["Contact"]["properties"]["email"]["x-syncline-pii"] == "email");
    QVERIFY(shared->document["definitions"]["Money"]["properties"]["amount"]["type"] == "string");
    // Invoice amounts are exact decimal strings with their currency, through the Money type.
    const WorkspaceObject *invoice = result.workspace.find(ObjectKind::Canonical,
                                                           QStringLiteral("invoice"));
    QVERIFY(invoice->document["properties"]["total"]["$ref"] == "shared.schema.json#/definitions/Money");
    // No system file carries a secret, only references.
    for (const WorkspaceObject &system : result.workspace.objects(ObjectKind::System)) {
        const nlohmann::json &auth = system.document["auth"];
        QVERIFY(QString::fromStdString(auth.value("secretRef", std::string("secret:")))
                    .startsWith(QLatin1String("secret:")));
    }
}

void TestModel::validWorkspaceOfEveryKindLoads()
{
    QTemporaryDir dir;
    writeFiles(dir.path(), validFiles());
    const LoadResult result = loadWorkspace(dir.path());
    QVERIFY2(result.problems.isEmpty(), qPrintable(describe(result.problems)));
    for (ObjectKind kind : kAllObjectKinds) {
        QVERIFY2(result.workspace.count(kind) >= 1, qPrintable(kindFolder(kind)));
    }
    QTemporaryDir copy;
    QVERIFY(saveWorkspace(result.workspace, copy.path()).ok());
    QCOMPARE(readTree(copy.path()), readTree(dir.path()));
}

void TestModel::problems_data()
{
    QTest::addColumn<QString>("file");       // the file of validFiles() to replace
    QTest::addColumn<QByteArray>("content"); // its new content; empty removes it
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("problemFile");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("line");           // 0: not checked
    QTest::addColumn<int>("column");

    const QString crm = QStringLiteral("systems/crm.system.json");
    const QString account = QStringLiteral("canonical/account.schema.json");
    const QString mapping = QStringLiteral("mappings/account-in.mapping.json");
    const QString flow = QStringLiteral("flows/account-sync.flow.json");
    const QString lookup = QStringLiteral("lookups/terms.lookup.json");
    const QString workspace = QStringLiteral("syncline.workspace.json");
    const QByteArray base = validFiles().value(crm);
    const auto crmWith = [&](const char *from, const char *to) {
        QByteArray bytes = base;
        return bytes.replace(from, to);
    };
    const auto replaced = [](QByteArray bytes, const char *from, const char *to) {
        Q_ASSERT(bytes.contains(from));
        return bytes.replace(from, to);
    };
    const auto edit = [](const QString &file, const char *from, const char *to) {
        QByteArray bytes = validFiles().value(file);
        Q_ASSERT(bytes.contains(from));
        return bytes.replace(from, to);
    };

    QTest::newRow("broken JSON with line and column")
        << crm << crmWith("\"family\": \"crm\",", "\"family\": \"crm\"") << "JSON_SYNTAX" << crm
        << "" << 7 << 3;
    QTest::newRow("unknown key") << crm << crmWith("\"name\": \"CRM\"", "\"name\": \"CRM\",\n  \"colour\": \"red\"")
                                 << "UNKNOWN_KEY" << crm << "/colour" << 9 << 3;
    QTest::newRow("duplicate key") << crm << crmWith("\"id\": \"crm\",", "\"id\": \"crm\",\n  \"id\": \"crm\",")
                                   << "DUPLICATE_KEY" << crm << "/id" << 8 << 3;
    QTest::newRow("missing field") << crm << crmWith("  \"baseUrl\": \"http://127.0.0.1:9000/crm\",\n", "")
                                   << "MISSING_FIELD" << crm << "" << 1 << 1;
    QTest::newRow("wrong type") << crm << crmWith("\"name\": \"CRM\"", "\"name\": 42") << "WRONG_TYPE"
                                << crm << "/name" << 8 << 3;
    QTest::newRow("invalid enum value") << crm << crmWith("\"family\": \"crm\"", "\"family\": \"marketing\"")
                                        << "INVALID_VALUE" << crm << "/family" << 0 << 0;
    QTest::newRow("invalid URL") << crm << crmWith("http://127.0.0.1:9000/crm", "ftp://host/crm")
                                 << "INVALID_VALUE" << crm << "/baseUrl" << 0 << 0;
    QTest::newRow("secret in clear")
        << crm << crmWith("\"type\": \"none\"", "\"type\": \"none\",\n    \"password\": \"hunter2\"")
        << "SECRET_VALUE" << crm << "/auth/password" << 0 << 0;
    QTest::newRow("auth without secret reference")
        << crm << crmWith("\"type\": \"none\"", "\"type\": \"bearer\"") << "MISSING_FIELD" << crm
        << "/auth" << 0 << 0;
    QTest::newRow("id does not match file name") << crm << crmWith("\"id\": \"crm\"", "\"id\": \"salesforce\"")
                                                 << "ID_MISMATCH" << crm << "/id" << 0 << 0;
    QTest::newRow("schema $id does not match file name")
        << account << edit(account, "\"account.schema.json\"", "\"acct.schema.json\"") << "ID_MISMATCH"
        << account << "/$id" << 2 << 3;
    QTest::newRow("duplicate id across files")
        << QStringLiteral("systems/crm-copy.system.json") << base << "DUPLICATE_ID"
        << QStringLiteral("systems/crm-copy.system.json") << "/id" << 0 << 0;
    QTest::newRow("ids differing only in case")
        << QStringLiteral("systems/cRM.system.json") << crmWith("\"id\": \"crm\"", "\"id\": \"cRM\"")
        << "DUPLICATE_ID" << crm << "" << 0 << 0;
    QTest::newRow("duplicate node id")
        << flow
        << edit(flow, "\"type\": \"map\"\n    }\n  ],",
                "\"type\": \"map\"\n    },\n    {\n      \"id\": \"map\",\n      \"type\": \"route\"\n    }\n  ],")
        << "DUPLICATE_ID" << flow << "/nodes/2/id" << 24 << 7;
    QTest::newRow("duplicate lookup key")
        << lookup << edit(lookup, "\"Net 60\"", "\"Net 30\"") << "DUPLICATE_ID" << lookup
        << "/rows/1/crm" << 0 << 0;
    QTest::newRow("owner system does not exist")
        << account << edit(account, "\"x-syncline-owner\": \"crm\"", "\"x-syncline-owner\": \"erp\"")
        << "MISSING_REFERENCE" << account << "/x-syncline-owner" << 0 << 0;
    QTest::newRow("$ref does not resolve")
        << account << edit(account, "#/definitions/Money", "#/definitions/Amount")
        << "MISSING_REFERENCE" << account << "/properties/balance/$ref" << 6 << 7;
    QTest::newRow("unknown schema keyword")
        << account << edit(account, "\"type\": \"string\"", "\"tpye\": \"string\"") << "UNKNOWN_KEY"
        << account << "/properties/id/tpye" << 9 << 7;
    QTest::newRow("business key not a property")
        << account << edit(account, "\"x-syncline-businessKey\": [\n    \"id\"", "\"x-syncline-businessKey\": [\n    \"number\"")
        << "MISSING_REFERENCE" << account << "/x-syncline-businessKey/0" << 0 << 0;
    QTest::newRow("entity field without system of record")
        << account
        << replaced(edit(account, "  ],\n  \"x-syncline-owner\": \"crm\"\n", "  ]\n"),
                    "\"id\": {\n      \"type\": \"string\"\n",
                    "\"id\": {\n      \"type\": \"string\",\n      \"x-syncline-owner\": \"crm\"\n")
        << "MISSING_FIELD" << account << "/properties/balance" << 5 << 5;
    QTest::newRow("money that is not a string")
        << QStringLiteral("canonical/common.schema.json")
        << edit(QStringLiteral("canonical/common.schema.json"), "\"type\": \"string\",\n          \"x-syncline-money\"",
                "\"type\": \"number\",\n          \"x-syncline-money\"")
        << "INVALID_VALUE" << QStringLiteral("canonical/common.schema.json")
        << "/definitions/Money/properties/amount/x-syncline-money" << 0 << 0;
    QTest::newRow("unknown personal-data class")
        << account
        << edit(account, "\"id\": {\n      \"type\": \"string\"\n",
                "\"id\": {\n      \"type\": \"string\",\n      \"x-syncline-pii\": \"shoeSize\"\n")
        << "INVALID_VALUE" << account << "/properties/id/x-syncline-pii" << 0 << 0;
    QTest::newRow("personal-data class that is not a name")
        << account
        << edit(account, "\"id\": {\n      \"type\": \"string\"\n",
                "\"id\": {\n      \"type\": \"string\",\n      \"x-syncline-pii\": true\n")
        << "WRONG_TYPE" << account << "/properties/id/x-syncline-pii" << 0 << 0;
    QTest::newRow("mapping target entity missing")
        << mapping << edit(mapping, "\"entity\": \"account\"", "\"entity\": \"contact\"")
        << "MISSING_REFERENCE" << mapping << "/target/entity" << 0 << 0;
    QTest::newRow("mapping target field missing")
        << mapping << edit(mapping, "\"balance.amount\"", "\"balance.total\"") << "MISSING_REFERENCE"
        << mapping << "/fields/balance.total" << 0 << 0;
    QTest::newRow("mapping fixture names repeat")
        << mapping << edit(mapping, "    }\n  ],\n  \"id\"",
                           "    },\n    {\n      \"expected\": {},\n      \"input\": {},\n      \"name\": \"plain account\"\n    }\n  ],\n  \"id\"")
        << "DUPLICATE_ID" << mapping << "/fixtures/1/name" << 0 << 0;
    QTest::newRow("flow node names a missing mapping")
        << flow << edit(flow, "\"mapping\": \"account-in\"", "\"mapping\": \"account-out\"")
        << "MISSING_REFERENCE" << flow << "/nodes/1/settings/mapping" << 0 << 0;
    QTest::newRow("flow edge to a missing node")
        << flow << edit(flow, "\"to\": \"map\"", "\"to\": \"mapper\"") << "MISSING_REFERENCE" << flow
        << "/edges/0/to" << 0 << 0;
    QTest::newRow("flow node of unknown type")
        << flow << edit(flow, "\"type\": \"webhook\"", "\"type\": \"carrierPigeon\"") << "INVALID_VALUE"
        << flow << "/nodes/0/type" << 0 << 0;
    QTest::newRow("lookup column names a missing system")
        << lookup << edit(lookup, "\"system\": \"crm\"", "\"system\": \"erp\"") << "MISSING_REFERENCE"
        << lookup << "/columns/0/system" << 0 << 0;
    QTest::newRow("lookup row with a column that does not exist")
        << lookup << edit(lookup, "\"erp\": \"N60\"", "\"erp\": \"N60\",\n      \"sap\": \"Z060\"")
        << "UNKNOWN_KEY" << lookup << "/rows/1/sap" << 0 << 0;
    QTest::newRow("file in the wrong folder")
        << QStringLiteral("canonical/erp.system.json") << base << "WRONG_PLACE"
        << QStringLiteral("canonical/erp.system.json") << "" << 0 << 0;
    QTest::newRow("unexpected JSON file at the top")
        << QStringLiteral("notes.json") << QByteArray("{}\n") << "WRONG_PLACE"
        << QStringLiteral("notes.json") << "" << 0 << 0;
    QTest::newRow("workspace file missing") << workspace << QByteArray() << "NO_WORKSPACE" << workspace
                                            << "" << 0 << 0;
    QTest::newRow("newer format version")
        << workspace << edit(workspace, "\"formatVersion\": 1", "\"formatVersion\": 2")
        << "UNSUPPORTED_VERSION" << workspace << "/formatVersion" << 2 << 3;
}

void TestModel::problems()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, code);
    QFETCH(QString, problemFile);
    QFETCH(QString, pointer);
    QFETCH(int, line);
    QFETCH(int, column);

    QMap<QString, QByteArray> files = validFiles();
    if (content.isEmpty()) {
        files.remove(file);
    } else {
        files[file] = content;
    }
    QTemporaryDir dir;
    writeFiles(dir.path(), files);
    const LoadResult result = loadWorkspace(dir.path());

    // Exactly the one problem this case is about: every rule reports precisely, not in bulk.
    QVERIFY2(result.problems.size() == 1, qPrintable(describe(result.problems)));
    const Problem *problem = findProblem(result.problems, code, problemFile, pointer);
    QVERIFY2(problem, qPrintable(describe(result.problems)));
    QVERIFY(!problem->message.isEmpty());
    if (line > 0) {
        QCOMPARE(problem->line, line);
        QCOMPARE(problem->column, column);
    }
    if (problem->kind) {
        QCOMPARE(objectFilePath(*problem->kind, problem->objectId), problemFile);
    }
}

void TestModel::unknownKeyIsReportedAndKeptOnSave()
{
    QMap<QString, QByteArray> files = validFiles();
    const QString crm = QStringLiteral("systems/crm.system.json");
    files[crm].replace("\"name\": \"CRM\"", "\"name\": \"CRM\",\n  \"owner\": {\n    \"team\": \"revops\"\n  }");
    QTemporaryDir dir;
    writeFiles(dir.path(), files);
    const LoadResult result = loadWorkspace(dir.path());
    QVERIFY(findProblem(result.problems, QStringLiteral("UNKNOWN_KEY"), crm, QStringLiteral("/owner")));
    const WorkspaceObject *system = result.workspace.find(ObjectKind::System, QStringLiteral("crm"));
    QVERIFY(system);
    QVERIFY(system->document["owner"]["team"] == "revops");

    QTemporaryDir copy;
    QVERIFY(saveWorkspace(result.workspace, copy.path()).ok());
    QCOMPARE(readTree(copy.path()).value(crm), files.value(crm));
}

void TestModel::severalProblemsAreReportedAtOnce()
{
    QMap<QString, QByteArray> files = validFiles();
    files[QStringLiteral("systems/crm.system.json")].replace("\"name\": \"CRM\"", "\"name\": \"CRM\",\n  \"colour\": 1");
    files[QStringLiteral("systems/erp.system.json")] = "{\n  \"id\": \"erp\",,\n}\n";
    files[QStringLiteral("flows/account-sync.flow.json")].replace("\"to\": \"map\"", "\"to\": \"nowhere\"");
    files[QStringLiteral("lookups/terms.lookup.json")].replace("\"key\": \"crm\"", "\"key\": 7");
    files[QStringLiteral("canonical/account.schema.json")].replace("\"title\": \"Account\",\n", "");
    QTemporaryDir dir;
    writeFiles(dir.path(), files);
    const LoadResult result = loadWorkspace(dir.path());

    QCOMPARE(result.problems.size(), 5);
    QStringList codes;
    QStringList problemFiles;
    for (const Problem &problem : result.problems) {
        codes.append(problem.code);
        problemFiles.append(problem.file);
    }
    // Sorted by file so the output reads like a compiler's.
    QCOMPARE(problemFiles,
             (QStringList{QStringLiteral("canonical/account.schema.json"),
                          QStringLiteral("flows/account-sync.flow.json"),
                          QStringLiteral("lookups/terms.lookup.json"),
                          QStringLiteral("systems/crm.system.json"),
                          QStringLiteral("systems/erp.system.json")}));
    QCOMPARE(codes, (QStringList{QStringLiteral("MISSING_FIELD"), QStringLiteral("MISSING_REFERENCE"),
                                 QStringLiteral("WRONG_TYPE"), QStringLiteral("UNKNOWN_KEY"),
                                 QStringLiteral("JSON_SYNTAX")}));
    // Everything that parsed is still loaded.
    QCOMPARE(result.workspace.objectCount(), 6);
}

void TestModel::brokenFileIsNotEchoedAsMissingReferences()
{
    QMap<QString, QByteArray> files = validFiles();
    files[QStringLiteral("systems/crm.system.json")] = "{ \"id\": \"crm\"";
    QTemporaryDir dir;
    writeFiles(dir.path(), files);
    const LoadResult result = loadWorkspace(dir.path());
    QVERIFY2(result.problems.size() == 1, qPrintable(describe(result.problems)));
    QCOMPARE(result.problems.constFirst().code, QStringLiteral("JSON_SYNTAX"));
}

void TestModel::missingFolderIsAProblem()
{
    const LoadResult result = loadWorkspace(QStringLiteral("/nonexistent/syncline/workspace"));
    QCOMPARE(result.problems.size(), 1);
    QCOMPARE(result.problems.constFirst().code, QStringLiteral("NO_WORKSPACE"));
    QCOMPARE(result.workspace.objectCount(), 0);
}

void TestModel::deepNestingIsRefused()
{
    QMap<QString, QByteArray> files = validFiles();
    const QString flow = QStringLiteral("flows/account-sync.flow.json");
    files[flow].replace("\"onError\": \"exception\"",
                        "\"onError\": " + QByteArray(5000, '[') + QByteArray(5000, ']'));
    QTemporaryDir dir;
    writeFiles(dir.path(), files);
    const LoadResult result = loadWorkspace(dir.path());
    QVERIFY2(result.problems.size() == 1, qPrintable(describe(result.problems)));
    QCOMPARE(result.problems.constFirst().code, QStringLiteral("JSON_SYNTAX"));
    QVERIFY(result.problems.constFirst().message.contains(QLatin1String("levels deep")));
}

// Generated crosswalks can be one long line; positions are worked out only for problems.
void TestModel::longOneLineFilesLoadFast()
{
    QMap<QString, QByteArray> files = validFiles();
    QByteArray rows;
    constexpr int kRows = 20000;
    for (int i = 0; i < kRows; ++i) {
        rows += "{\"crm\":\"term-" + QByteArray::number(i) + "\",\"erp\":\"T" + QByteArray::number(i) + "\"},";
    }
    rows += "{\"crm\":\"term-7\",\"erp\":\"again\"}";
    files[QStringLiteral("lookups/terms.lookup.json")] =
        "{\"columns\":[{\"name\":\"crm\"},{\"name\":\"erp\"}],\"id\":\"terms\",\"key\":\"crm\","
        "\"name\":\"Terms\",\"rows\":[" + rows + "]}";
    QTemporaryDir dir;
    writeFiles(dir.path(), files);
    QElapsedTimer timer;
    timer.start();
    const LoadResult result = loadWorkspace(dir.path());
    const qint64 elapsedMs = timer.elapsed();
    QVERIFY2(result.problems.size() == 1, qPrintable(describe(result.problems)));
    const Problem &duplicate = result.problems.constFirst();
    QCOMPARE(duplicate.code, QStringLiteral("DUPLICATE_ID"));
    QCOMPARE(duplicate.pointer, QStringLiteral("/rows/%1/crm").arg(kRows));
    QCOMPARE(duplicate.line, 1);
    QVERIFY(duplicate.column > 500000);
    QVERIFY2(elapsedMs < 5000, qPrintable(QString::number(elapsedMs)));
}

void TestModel::checkWorkspaceSeesEditsInMemory()
{
    QTemporaryDir dir;
    writeFiles(dir.path(), validFiles());
    LoadResult result = loadWorkspace(dir.path());
    QVERIFY(checkWorkspace(result.workspace).isEmpty());

    WorkspaceObject system = *result.workspace.find(ObjectKind::System, QStringLiteral("crm"));
    result.workspace.remove(ObjectKind::System, QStringLiteral("crm"));
    const ProblemList problems = checkWorkspace(result.workspace);
    // The schema's owner, the mapping's source and the lookup column all named "crm".
    QCOMPARE(problems.size(), 3);
    for (const Problem &problem : problems) {
        QCOMPARE(problem.code, QStringLiteral("MISSING_REFERENCE"));
        QCOMPARE(problem.line, 0);
    }
    system.document["family"] = "erp";
    result.workspace.insert(system);
    QVERIFY(checkWorkspace(result.workspace).isEmpty());
}

void TestModel::canonicalJsonSortsKeysAndEndsWithNewline()
{
    const nlohmann::json document = nlohmann::json::parse(R"({"b": [1, {"z": "é", "a": null}], "a": {}})");
    QCOMPARE(canonicalJson(document),
             QByteArray("{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"a\": null,\n"
                        "      \"z\": \"\xc3\xa9\"\n    }\n  ]\n}\n"));
}

void TestModel::saveCreatesFoldersAndLeavesUnchangedFilesAlone()
{
    QTemporaryDir dir;
    writeFiles(dir.path(), validFiles());
    const LoadResult result = loadWorkspace(dir.path());
    const QString target = QDir(dir.path()).filePath(QStringLiteral("nested/copy"));
    QVERIFY(saveWorkspace(result.workspace, target).ok());
    const QString crm = QDir(target).filePath(QStringLiteral("systems/crm.system.json"));
    const QDateTime written = QFileInfo(crm).lastModified();
    // Saving again changes nothing on disk: files whose bytes are the same are not rewritten.
    QVERIFY(saveWorkspace(result.workspace, target).ok());
    QCOMPARE(QFileInfo(crm).lastModified(), written);

    // A file where the systems folder should be: the save fails and names what it could not
    // write.
    const QString blocked = QDir(dir.path()).filePath(QStringLiteral("blocked"));
    QVERIFY(QDir().mkpath(blocked));
    writeFiles(blocked, {{QStringLiteral("systems"), QByteArray("not a folder")}});
    const auto failed = saveWorkspace(result.workspace, blocked);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, QStringLiteral("WRITE_FAILED"));
    QVERIFY2(failed.error().message.contains(QLatin1String("systems")),
             qPrintable(failed.error().message));
}

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
