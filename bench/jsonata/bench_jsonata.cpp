// Evaluates each case of shared/bench/jsonata/cases.json with Syncline's JSONata engine:
// compile once, evaluate many times on the same parsed input for about --seconds per case,
// check the result against the expected one, and print one JSON line per case:
//   {"name": "...", "ok": true, "evalsPerSecond": 12345.6, "evaluations": 1000}
// bench/jsonata/run.sh runs jsonata-js on the same cases and writes the comparison table.

#include "engine/expr/evalrequest.h"
#include "engine/expr/expression.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <chrono>
#include <cstdio>
#include <string>

using namespace syncline::engine;

namespace {

std::optional<std::string> readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    return file.readAll().toStdString();
}

std::optional<json::Value> readJson(const QString &path)
{
    const auto text = readText(path);
    if (!text) {
        return std::nullopt;
    }
    auto parsed = expr::parseJsonText(*text);
    if (!parsed.ok()) {
        return std::nullopt;
    }
    return parsed.value();
}

void report(const std::string &name, bool ok, double perSecond, long evaluations,
            const std::string &problem)
{
    std::string line = "{\"name\":";
    json::appendQuotedString(line, name);
    line += ok ? ",\"ok\":true" : ",\"ok\":false";
    line += ",\"evalsPerSecond\":" + json::numberToText(perSecond);
    line += ",\"evaluations\":" + std::to_string(evaluations);
    if (!problem.empty()) {
        line += ",\"problem\":";
        json::appendQuotedString(line, problem);
    }
    line += "}\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QString casesPath = QStringLiteral(SYNCLINE_SHARED_DIR) + QStringLiteral("/bench/jsonata/cases.json");
    double seconds = 2.0;
    QString only;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--cases")) {
            casesPath = args[i + 1];
        } else if (args[i] == QLatin1String("--seconds")) {
            seconds = args[i + 1].toDouble();
        } else if (args[i] == QLatin1String("--only")) {
            only = args[i + 1];
        }
    }
    const auto cases = readJson(casesPath);
    if (!cases) {
        std::fprintf(stderr, "bench_jsonata: cannot read %s\n", qPrintable(casesPath));
        return 2;
    }
    const QDir base = QFileInfo(casesPath).dir();
    int failures = 0;
    for (const json::Value &c : cases->get("cases").items()) {
        const std::string name(c.get("name").toStringView());
        if (!only.isEmpty() && QString::fromStdString(name) != only) {
            continue;
        }
        const auto source = readText(base.filePath(c.get("expr").toQString()));
        const auto input = readJson(base.filePath(c.get("input").toQString()));
        const auto expected = readJson(base.filePath(c.get("expected").toQString()));
        if (!source || !input || !expected) {
            report(name, false, 0, 0, "case files missing");
            ++failures;
            continue;
        }
        auto compiled = expr::Expression::compile(*source);
        if (!compiled.ok()) {
            report(name, false, 0, 0, compiled.error().code + ": " + compiled.error().message);
            ++failures;
            continue;
        }
        const expr::Expression &expression = compiled.value();
        const auto first = expression.evaluate(*input);
        if (!first.ok() || !(first.value() == *expected)) {
            report(name, false, 0, 0,
                   first.ok() ? "result differs from expected"
                              : first.error().code + ": " + first.error().message);
            ++failures;
            continue;
        }
        using Clock = std::chrono::steady_clock;
        const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
        const auto start = Clock::now();
        long evaluations = 0;
        auto now = start;
        do {
            for (int k = 0; k < 8; ++k) {
                const auto r = expression.evaluate(*input);
                if (!r.ok()) {
                    report(name, false, 0, evaluations, r.error().message);
                    return 1;
                }
            }
            evaluations += 8;
            now = Clock::now();
        } while (now < deadline);
        const double elapsed = std::chrono::duration<double>(now - start).count();
        report(name, true, evaluations / elapsed, evaluations, {});
    }
    return failures == 0 ? 0 : 1;
}
