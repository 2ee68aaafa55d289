#include "cli.h"

#include "engine/json/intake.h"

#include <QFile>

namespace syncline::cli {

namespace {

using engine::json::IntakeLimits;
using engine::json::JsonIntake;

const QString kCommand = QStringLiteral("json check");

QString overview()
{
    return QStringLiteral(
        "Usage: syncline-engine json <sub-command> [options]\n\n"
        "Sub-commands:\n"
        "  check FILE...   Read files with Syncline's strict JSON intake: accept them exactly, or\n"
        "                  say why not (reason code, line, column, byte, JSON pointer)\n\n"
        "Run 'syncline-engine json check --help' for its options.\n");
}

std::optional<std::int64_t> positiveNumber(const QString &text)
{
    bool ok = false;
    const qlonglong value = text.toLongLong(&ok);
    return ok && value >= 0 ? std::optional<std::int64_t>(value) : std::nullopt;
}

int check(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Check JSON files with the strict intake every outside body goes through: duplicate\n"
        "member names, invalid UTF-8, NUL bytes, trailing content, numbers beyond a double,\n"
        "size and depth limits. Prints 'FILE: accepted' or\n"
        "'FILE:LINE:COLUMN: REASON (byte N) in POINTER: message'. Use '-' for stdin.\n"
        "Exit status: 0 all accepted, 1 some refused, 2 a file could not be read."));
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("JSON files to check"),
                                 QStringLiteral("FILE..."));
    const QCommandLineOption maxBytes(QStringLiteral("max-bytes"),
                                      QStringLiteral("Size limit in bytes (default 5242880)."),
                                      QStringLiteral("N"));
    const QCommandLineOption maxDepth(QStringLiteral("max-depth"),
                                      QStringLiteral("Nesting limit (default 64, at most 1000)."),
                                      QStringLiteral("N"));
    parser.addOption(maxBytes);
    parser.addOption(maxDepth);
    if (const auto exit = parse(parser, QStringList{kCommand} + arguments)) {
        return *exit;
    }
    IntakeLimits limits;
    if (parser.isSet(maxBytes)) {
        const auto value = positiveNumber(parser.value(maxBytes));
        if (!value) {
            return usageError(kCommand, QStringLiteral("--max-bytes needs a number of bytes"));
        }
        limits.maxBytes = *value;
    }
    if (parser.isSet(maxDepth)) {
        const auto value = positiveNumber(parser.value(maxDepth));
        if (!value) {
            return usageError(kCommand, QStringLiteral("--max-depth needs a number"));
        }
        limits.maxDepth = int(std::min<std::int64_t>(*value, IntakeLimits::kDepthCeiling));
    }
    const QStringList files = parser.positionalArguments();
    if (files.isEmpty()) {
        return usageError(kCommand, QStringLiteral("name at least one FILE (or - for stdin)"));
    }

    int exitCode = kExitOk;
    for (const QString &file : files) {
        QFile stdinFile;
        auto result = file == QLatin1String("-") && stdinFile.open(stdin, QIODevice::ReadOnly)
                          ? JsonIntake::read(stdinFile, limits)
                          : JsonIntake::readFile(file, limits);
        if (!result.ok()) {
            err(QStringLiteral("%1: %2\n").arg(file, result.error().message));
            exitCode = kExitUsage;
            continue;
        }
        if (result->ok()) {
            out(QStringLiteral("%1: accepted\n").arg(file));
            continue;
        }
        const auto &refusal = result->refusal();
        QString where = QStringLiteral("%1:%2:%3: %4 (byte %5)")
                            .arg(file)
                            .arg(refusal.line)
                            .arg(refusal.column)
                            .arg(refusal.code())
                            .arg(refusal.byteOffset);
        if (refusal.pointer) {
            where += QStringLiteral(" in %1").arg(refusal.pointer->isEmpty()
                                                      ? QStringLiteral("the top-level value")
                                                      : *refusal.pointer);
        }
        out(QStringLiteral("%1: %2\n").arg(where, refusal.message));
        exitCode = std::max(exitCode, int(kExitProblems));
    }
    return exitCode;
}

} // namespace

int runJson(const QStringList &arguments)
{
    const QString sub = arguments.value(1);
    if (sub.isEmpty()) {
        err(overview());
        return kExitUsage;
    }
    if (sub == QLatin1String("--help") || sub == QLatin1String("-h")) {
        out(overview());
        return kExitOk;
    }
    if (sub == QLatin1String("check")) {
        return check(arguments.mid(2));
    }
    return usageError(QStringLiteral("json"),
                      QStringLiteral("unknown sub-command '%1' (try: check)").arg(sub));
}

} // namespace syncline::cli
