#include "cli.h"

#include "engine/expr/evalrequest.h"

#include <QFile>

#include <cstdio>
#include <iostream>
#include <string>

namespace syncline::cli {

namespace {

std::optional<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    return file.readAll();
}

std::optional<int> positiveOption(const QCommandLineParser &parser, const QCommandLineOption &option,
                                  int &target)
{
    if (!parser.isSet(option)) {
        return std::nullopt;
    }
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < 0) {
        return usageError(QStringLiteral("eval"),
                          QStringLiteral("--%1 needs a whole number").arg(option.names().first()));
    }
    target = value;
    return std::nullopt;
}

void printLine(const std::string &line)
{
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
}

int runBatch(const engine::expr::EvalOptions &options)
{
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.find_first_not_of(" \t") == std::string::npos) {
            continue;
        }
        printLine(engine::expr::evaluateBatchLine(line, options));
        std::fflush(stdout);
    }
    return kExitOk;
}

} // namespace

int runEval(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Evaluate a JSONata expression and print one JSON line: {\"result\": V}, "
        "{\"undefined\": true} or {\"error\": {...}}. With --batch, read JSON Lines "
        "{\"expr\", \"data\", \"bindings\"} on stdin and answer each with one line."));
    const QCommandLineOption exprFile(QStringLiteral("expr-file"),
                                      QStringLiteral("File holding the expression."),
                                      QStringLiteral("file"));
    const QCommandLineOption dataFile(QStringLiteral("data-file"),
                                      QStringLiteral("JSON input document."), QStringLiteral("file"));
    const QCommandLineOption noInput(QStringLiteral("no-input"),
                                     QStringLiteral("Evaluate without input (input is undefined)."));
    const QCommandLineOption bindingsFile(QStringLiteral("bindings-file"),
                                          QStringLiteral("JSON object of variable bindings."),
                                          QStringLiteral("file"));
    const QCommandLineOption batch(QStringLiteral("batch"),
                                   QStringLiteral("Read JSON Lines requests on stdin."));
    const QCommandLineOption timeLimit(
        QStringLiteral("time-limit-ms"),
        QStringLiteral("Time limit per expression (default %1 ms).")
            .arg(engine::expr::EvalOptions::kDefaultTimeLimitMs),
        QStringLiteral("ms"));
    const QCommandLineOption maxDepth(
        QStringLiteral("max-depth"),
        QStringLiteral("Evaluation depth limit per expression (default %1).")
            .arg(engine::expr::EvalOptions::kDefaultMaxDepth),
        QStringLiteral("n"));
    parser.addOptions({exprFile, dataFile, noInput, bindingsFile, batch, timeLimit, maxDepth});
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    engine::expr::EvalOptions options;
    if (const auto exit = positiveOption(parser, timeLimit, options.timeLimitMs)) {
        return *exit;
    }
    if (const auto exit = positiveOption(parser, maxDepth, options.maxDepth)) {
        return *exit;
    }
    const QString command = QStringLiteral("eval");
    if (parser.isSet(batch)) {
        if (parser.isSet(exprFile) || parser.isSet(dataFile) || parser.isSet(bindingsFile)) {
            return usageError(command, QStringLiteral("--batch reads everything from stdin"));
        }
        return runBatch(options);
    }
    if (!parser.isSet(exprFile)) {
        return usageError(command, QStringLiteral("--expr-file or --batch is required"));
    }
    if (parser.isSet(dataFile) == parser.isSet(noInput)) {
        return usageError(command, QStringLiteral("give exactly one of --data-file and --no-input"));
    }
    const auto expression = readFile(parser.value(exprFile));
    if (!expression) {
        return usageError(command, QStringLiteral("cannot read %1").arg(parser.value(exprFile)));
    }
    engine::json::Value input = engine::json::Value::undefined();
    if (parser.isSet(dataFile)) {
        const auto data = readFile(parser.value(dataFile));
        if (!data) {
            return usageError(command, QStringLiteral("cannot read %1").arg(parser.value(dataFile)));
        }
        auto parsed = engine::expr::parseJsonText(std::string_view(data->constData(),
                                                                   std::size_t(data->size())));
        if (!parsed.ok()) {
            return usageError(command, QStringLiteral("%1 is not valid JSON: %2")
                                           .arg(parser.value(dataFile), parsed.error().message));
        }
        input = parsed.value();
    }
    engine::json::Value bindings = engine::json::Value::undefined();
    if (parser.isSet(bindingsFile)) {
        const auto data = readFile(parser.value(bindingsFile));
        if (!data) {
            return usageError(command,
                              QStringLiteral("cannot read %1").arg(parser.value(bindingsFile)));
        }
        auto parsed = engine::expr::parseJsonText(std::string_view(data->constData(),
                                                                   std::size_t(data->size())));
        if (!parsed.ok() || !parsed.value().isObject()) {
            return usageError(command, QStringLiteral("%1 must hold a JSON object")
                                           .arg(parser.value(bindingsFile)));
        }
        bindings = parsed.value();
    }
    printLine(engine::expr::evaluateToJsonLine(
        std::string_view(expression->constData(), std::size_t(expression->size())), input,
        bindings, options));
    return kExitOk;
}

} // namespace syncline::cli
