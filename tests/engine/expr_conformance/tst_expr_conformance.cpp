// Runs the official JSONata test suite (shared/external-data/jsonata-test-suite) by the rules of
// its TESTSUITE.md, prints passed/failed/skipped per group and in total, and fails when fewer
// cases pass than the committed baseline. Set EXPR_CONFORMANCE_GROUP to run one group, and
// EXPR_CONFORMANCE_REPORT to a file path to get every failing case with its reason
// (EXPR_CONFORMANCE_VERBOSE prints each case name before it runs).

#include "engine/expr/evalrequest.h"
#include "engine/expr/expression.h"
#include "engine/json/value.h"

#include <QDir>
#include <QFile>
#include <QtTest>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

using namespace syncline::engine;
using json::Value;

namespace {

QString sharedDir()
{
    const QByteArray env = qgetenv("SYNCLINE_SHARED_DIR");
    return env.isEmpty() ? QStringLiteral(SYNCLINE_SHARED_DIR) : QString::fromLocal8Bit(env);
}

// Reads JSON keeping member order (which $keys and friends expose) and number text.
std::optional<Value> readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    auto parsed = expr::parseJsonText(std::string_view(bytes.constData(), std::size_t(bytes.size())));
    if (!parsed.ok()) {
        return std::nullopt;
    }
    return parsed.value();
}

// Structural equality as the suite's runner checks it: numbers as doubles, object member order
// ignored, members holding undefined treated as absent; optionally arrays as multisets.
bool sameResult(const Value &a, const Value &b, bool unordered);

bool sameArrays(const Value &a, const Value &b, bool unordered)
{
    if (a.size() != b.size()) {
        return false;
    }
    if (!unordered) {
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!sameResult(a.items()[i], b.items()[i], false)) {
                return false;
            }
        }
        return true;
    }
    std::vector<bool> used(b.size(), false);
    for (const Value &x : a.items()) {
        bool found = false;
        for (std::size_t j = 0; j < b.size() && !found; ++j) {
            if (!used[j] && sameResult(x, b.items()[j], false)) {
                used[j] = found = true;
            }
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

bool sameResult(const Value &a, const Value &b, bool unordered)
{
    if (a.isArray() && b.isArray()) {
        return sameArrays(a, b, unordered);
    }
    if (a.isObject() && b.isObject()) {
        std::size_t countA = 0;
        for (const json::Member &m : a.members()) {
            if (m.value.isUndefined()) {
                continue;
            }
            ++countA;
            const Value *other = b.find(m.key);
            if (!other || !sameResult(m.value, *other, false)) {
                return false;
            }
        }
        std::size_t countB = 0;
        for (const json::Member &m : b.members()) {
            countB += m.value.isUndefined() ? 0 : 1;
        }
        return countA == countB;
    }
    if (a.isFunction() || b.isFunction()) {
        return false;
    }
    return a == b;
}

struct GroupStats
{
    int passed = 0;
    int failed = 0;
    int skipped = 0;
};

struct CaseOutcome
{
    bool passed = false;
    bool skipped = false;
    std::string reason;
};

std::string describe(const Value &v)
{
    if (v.isUndefined()) {
        return "undefined";
    }
    std::string text = json::toJsonText(v);
    if (text.size() > 300) {
        text = text.substr(0, 300) + "...";
    }
    return text;
}

CaseOutcome runCase(const Value &tc, const QString &groupDir, const QString &datasets)
{
    CaseOutcome outcome;
    std::string source;
    if (const Value *e = tc.find("expr")) {
        source = std::string(e->toStringView());
    } else if (const Value *f = tc.find("expr-file")) {
        QFile file(groupDir + QLatin1Char('/') + f->toQString());
        if (!file.open(QIODevice::ReadOnly)) {
            outcome.skipped = true;
            outcome.reason = "expression file missing";
            return outcome;
        }
        source = file.readAll().toStdString();
    }
    Value input = Value::undefined();
    const Value *dataset = tc.find("dataset");
    if (const Value *data = tc.find("data")) {
        input = *data;
    } else if (dataset && dataset->isString()) {
        const auto data = readJson(datasets + QLatin1Char('/') + dataset->toQString()
                                   + QStringLiteral(".json"));
        if (!data) {
            outcome.skipped = true;
            outcome.reason = "dataset missing";
            return outcome;
        }
        input = *data;
    }
    const Value bindings = tc.get("bindings");
    expr::EvalOptions options;
    options.maxDepth = 0;
    options.timeLimitMs = 10000;
    if (const Value *limit = tc.find("timelimit")) {
        options.timeLimitMs = static_cast<int>(limit->toNumber());
        const Value *depth = tc.find("depth");
        options.maxDepth = depth ? static_cast<int>(depth->toNumber()) : 0;
    }

    std::string expectedCode;
    if (const Value *code = tc.find("code")) {
        expectedCode = std::string(code->toStringView());
    } else if (const Value *error = tc.find("error")) {
        expectedCode = std::string(error->get("code").toStringView());
    }

    const auto started = std::chrono::steady_clock::now();
    auto compiled = expr::Expression::compile(source);
    expr::ExprResult<Value> result = compiled.ok()
                                         ? compiled.value().evaluate(input, bindings, options)
                                         : expr::ExprResult<Value>(compiled.error());
    const auto elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();
    if (elapsedMs > 10000) {
        outcome.reason = "took " + std::to_string(elapsedMs) + " ms";
        return outcome;
    }
    if (!expectedCode.empty()) {
        if (result.ok()) {
            outcome.reason = "expected error " + expectedCode + ", got " + describe(result.value());
            return outcome;
        }
        if (result.error().code != expectedCode) {
            outcome.reason = "expected error " + expectedCode + ", got " + result.error().code
                             + ": " + result.error().message;
            return outcome;
        }
        outcome.passed = true;
        return outcome;
    }
    if (!result.ok()) {
        outcome.reason = "error " + result.error().code + ": " + result.error().message;
        return outcome;
    }
    if (tc.find("undefinedResult")) {
        outcome.passed = result.value().isUndefined();
        if (!outcome.passed) {
            outcome.reason = "expected undefined, got " + describe(result.value());
        }
        return outcome;
    }
    const Value *expectedResult = tc.find("result");
    if (!expectedResult) {
        outcome.skipped = true;
        outcome.reason = "no expectation";
        return outcome;
    }
    const Value &expected = *expectedResult;
    const bool unordered = tc.get("unordered").toBool();
    outcome.passed = sameResult(result.value(), expected, unordered);
    if (!outcome.passed) {
        outcome.reason = "expected " + describe(expected) + ", got " + describe(result.value());
    }
    return outcome;
}

} // namespace

class TestExprConformance : public QObject
{
    Q_OBJECT

private slots:
    void officialSuite();
};

void TestExprConformance::officialSuite()
{
    const QString root = sharedDir() + QStringLiteral("/external-data/jsonata-test-suite");
    const QString datasets = root + QStringLiteral("/datasets");
    QDir groupsDir(root + QStringLiteral("/groups"));
    QVERIFY2(groupsDir.exists(), qPrintable(QStringLiteral("missing %1").arg(groupsDir.path())));
    const QString onlyGroup = QString::fromLocal8Bit(qgetenv("EXPR_CONFORMANCE_GROUP"));
    const bool verbose = qEnvironmentVariableIsSet("EXPR_CONFORMANCE_VERBOSE");

    std::map<std::string, GroupStats> stats;
    std::ostringstream failures;
    GroupStats total;
    const QStringList groups = groupsDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &group : groups) {
        if (!onlyGroup.isEmpty() && group != onlyGroup) {
            continue;
        }
        const QString groupDir = groupsDir.filePath(group);
        const QStringList files = QDir(groupDir).entryList({QStringLiteral("*.json")}, QDir::Files,
                                                           QDir::Name);
        GroupStats &gs = stats[group.toStdString()];
        for (const QString &file : files) {
            const auto content = readJson(groupDir + QLatin1Char('/') + file);
            std::vector<Value> cases;
            if (content && content->isArray()) {
                cases.assign(content->items().begin(), content->items().end());
            } else if (content) {
                cases.push_back(*content);
            }
            for (std::size_t i = 0; i < cases.size(); ++i) {
                const std::string name = group.toStdString() + "/" + file.chopped(5).toStdString()
                                         + (content->isArray() ? "_" + std::to_string(i) : "");
                if (verbose) {
                    qInfo("%s", name.c_str());
                }
                const CaseOutcome outcome = runCase(cases[i], groupDir, datasets);
                if (outcome.skipped) {
                    ++gs.skipped;
                } else if (outcome.passed) {
                    ++gs.passed;
                } else {
                    ++gs.failed;
                    const Value exprText = cases[i].get("expr");
                    failures << name << "\t"
                             << (exprText.isString() ? std::string(exprText.toStringView())
                                                     : std::string("(file)"))
                             << "\t" << outcome.reason << "\n";
                }
            }
        }
        total.passed += gs.passed;
        total.failed += gs.failed;
        total.skipped += gs.skipped;
    }
    for (const auto &[group, gs] : stats) {
        qInfo("%-32s passed %4d  failed %3d  skipped %2d", group.c_str(), gs.passed, gs.failed,
              gs.skipped);
    }
    const int run = total.passed + total.failed;
    qInfo("TOTAL passed %d  failed %d  skipped %d  (%.1f%% of %d run)", total.passed, total.failed,
          total.skipped, run ? 100.0 * total.passed / run : 0.0, run);
    const QByteArray reportPath = qgetenv("EXPR_CONFORMANCE_REPORT");
    if (!reportPath.isEmpty()) {
        std::ofstream(reportPath.constData()) << failures.str();
    }
    if (!onlyGroup.isEmpty()) {
        return;
    }
    QFile baselineFile(QStringLiteral(EXPR_CONFORMANCE_BASELINE));
    QVERIFY(baselineFile.open(QIODevice::ReadOnly));
    const int baseline = baselineFile.readAll().trimmed().toInt();
    QVERIFY2(total.passed >= baseline,
             qPrintable(QStringLiteral("%1 cases pass, below the baseline of %2")
                            .arg(total.passed)
                            .arg(baseline)));
}

QTEST_GUILESS_MAIN(TestExprConformance)
#include "tst_expr_conformance.moc"
