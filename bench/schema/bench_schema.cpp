// Times SchemaValidator on one instance two ways in the same process: validate() (the instance
// read in place through the json::Value adapter) and validateConverted() (the path before it: a
// json::toNlohmann() copy read through valijson's nlohmann adapter). Rounds alternate between
// the two so that a busy neighbour on the shared machine slows both alike; the median round
// counts. Both must give the same violations, or the run fails.
//
//   bench_schema [--input FILE] [--schema FILE] [--rounds 15] [--ms 200]
//
// Defaults: shared/bench/jsonata/input/invoice_event.json against the invoice-event schema that
// bench/e2e/run.sh writes into its workspace (the validate node of the end-to-end benchmark).

#include "engine/json/intake.h"
#include "engine/schema/schemavalidator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace syncline::engine;

namespace {

// Kept equal to write_workspace in bench/e2e/run.sh (canonical/invoice-event.schema.json).
const char *const kInvoiceEventSchema = R"({
  "$id": "invoice-event.schema.json", "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Invoice event", "description": "A billing webhook event carrying an invoice.",
  "type": "object", "required": ["id", "type", "data"],
  "properties": {
    "id": {"type": "string"}, "type": {"type": "string"},
    "data": {"type": "object", "required": ["object"], "properties": {"object": {
      "type": "object", "required": ["id", "number", "currency", "lines"],
      "properties": {"id": {"type": "string"}, "number": {"type": "string"},
                     "currency": {"type": "string"},
                     "lines": {"type": "object", "required": ["data"],
                               "properties": {"data": {"type": "array"}}}}}}}},
  "x-syncline-businessKey": ["id"], "x-syncline-owner": "billing"
})";

std::optional<json::Value> parseJson(const QByteArray &text, const QString &what)
{
    const json::IntakeResult result = json::JsonIntake::parse(text);
    if (!result.ok()) {
        std::fprintf(stderr, "bench_schema: %s: %s\n", qPrintable(what),
                     qPrintable(result.refusal().describe()));
        return std::nullopt;
    }
    return result.value();
}

std::optional<json::Value> readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "bench_schema: cannot read %s\n", qPrintable(path));
        return std::nullopt;
    }
    return parseJson(file.readAll(), path);
}

// Nanoseconds per call of `run`, over about `budgetMs`.
double nsPerCall(const std::function<void()> &run, qint64 budgetMs)
{
    QElapsedTimer timer;
    timer.start();
    qint64 calls = 0;
    do {
        for (int i = 0; i < 64; ++i) {
            run();
        }
        calls += 64;
    } while (timer.elapsed() < budgetMs);
    return double(timer.nsecsElapsed()) / double(calls);
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

QStringList texts(const schema::Violations &violations)
{
    QStringList lines;
    for (const schema::Violation &v : violations) {
        lines.append(v.keyword + u' ' + v.text());
    }
    return lines;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption inputOption(QStringLiteral("input"), QStringLiteral("Instance file."),
                                         QStringLiteral("file"),
                                         QStringLiteral(SYNCLINE_SHARED_DIR)
                                             + QStringLiteral("/bench/jsonata/input/invoice_event.json"));
    const QCommandLineOption schemaOption(QStringLiteral("schema"),
                                          QStringLiteral("Schema file (default: the e2e one)."),
                                          QStringLiteral("file"));
    const QCommandLineOption roundsOption(QStringLiteral("rounds"), QStringLiteral("Rounds."),
                                          QStringLiteral("n"), QStringLiteral("15"));
    const QCommandLineOption msOption(QStringLiteral("ms"), QStringLiteral("Milliseconds per side per round."),
                                      QStringLiteral("ms"), QStringLiteral("200"));
    parser.addOptions({inputOption, schemaOption, roundsOption, msOption});
    parser.process(app);

    const auto instance = readJson(parser.value(inputOption));
    const auto schemaDocument = parser.isSet(schemaOption)
                                    ? readJson(parser.value(schemaOption))
                                    : parseJson(QByteArray(kInvoiceEventSchema),
                                                QStringLiteral("built-in schema"));
    if (!instance || !schemaDocument) {
        return 2;
    }
    const auto validator = schema::SchemaValidator::compile(*schemaDocument);
    if (!validator.ok()) {
        std::fprintf(stderr, "bench_schema: %s\n", qPrintable(validator.error().message));
        return 2;
    }
    const QStringList inPlace = texts(validator->validate(*instance));
    if (inPlace != texts(validator->validateConverted(*instance))) {
        std::fprintf(stderr, "bench_schema: the two paths disagree\n");
        return 1;
    }

    const int rounds = std::max(1, parser.value(roundsOption).toInt());
    const qint64 budgetMs = std::max(10, parser.value(msOption).toInt());
    std::vector<double> before;
    std::vector<double> after;
    std::vector<double> ratios;
    const auto runBefore = [&] { (void)validator->validateConverted(*instance); };
    const auto runAfter = [&] { (void)validator->validate(*instance); };
    for (int round = 0; round < rounds; ++round) {
        // Alternate which side goes first, so warm-up and drift do not favour one.
        double b = 0;
        double a = 0;
        if (round % 2 == 0) {
            b = nsPerCall(runBefore, budgetMs);
            a = nsPerCall(runAfter, budgetMs);
        } else {
            a = nsPerCall(runAfter, budgetMs);
            b = nsPerCall(runBefore, budgetMs);
        }
        before.push_back(b);
        after.push_back(a);
        ratios.push_back(b / a);
    }
    const double b = median(before);
    const double a = median(after);
    std::printf("instance: %s (%d violations)\n", qPrintable(parser.value(inputOption)),
                int(inPlace.size()));
    std::printf("before  toNlohmann + nlohmann adapter: %8.2f us/validation  %9.0f /s\n", b / 1000,
                1e9 / b);
    std::printf("after   json::Value adapter:           %8.2f us/validation  %9.0f /s\n", a / 1000,
                1e9 / a);
    std::printf("ratio before/after: %.2fx (median of %d rounds; rounds ranged %.2fx-%.2fx)\n",
                median(ratios), rounds, *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()));
    return 0;
}
