#include "cli.h"

#include "engine/json/intake.h"
#include "engine/schema/schemainference.h"
#include "engine/schema/schemavalidator.h"

#include <QFileInfo>

namespace syncline::cli {

namespace {

using engine::json::JsonIntake;
using engine::json::Value;

QString overview()
{
    return QStringLiteral(
        "Usage: syncline-engine schema <sub-command> [options]\n\n"
        "Sub-commands:\n"
        "  infer SAMPLE...              Infer a JSON Schema (draft-07) from sample payloads\n"
        "  validate --schema S FILE...  List every way the files break schema S\n\n"
        "Run 'syncline-engine schema <sub-command> --help' for its options.\n");
}

// Reads a JSON file with strict intake; prints why not and returns nothing when it cannot.
std::optional<Value> readJson(const QString &command, const QString &path)
{
    const auto result = JsonIntake::readFile(path);
    if (!result.ok()) {
        err(QStringLiteral("syncline-engine %1: %2\n").arg(command, result.error().message));
        return std::nullopt;
    }
    if (!result->ok()) {
        err(QStringLiteral("syncline-engine %1: %2: %3\n")
                .arg(command, path, result->refusal().describe()));
        return std::nullopt;
    }
    return result->value();
}

// The value at a JSON pointer ("/tickets"), or undefined.
Value atPointer(const Value &root, const QString &pointer)
{
    Value current = root;
    const QStringList tokens = pointer.split(u'/').mid(1);
    for (QString token : tokens) {
        token.replace(QStringLiteral("~1"), QStringLiteral("/")).replace(QStringLiteral("~0"), QStringLiteral("~"));
        if (current.isArray()) {
            bool ok = false;
            const qulonglong index = token.toULongLong(&ok);
            current = ok && index < current.size() ? current[index] : Value::undefined();
        } else {
            current = current.get(token.toStdString());
        }
    }
    return current;
}

int infer(const QStringList &arguments)
{
    const QString command = QStringLiteral("schema infer");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Infer a JSON Schema (draft-07) from sample payloads and print it (2-space indent,\n"
        "sorted keys: ready for canonical/*.schema.json). Members present in every sample are\n"
        "required; arrays merge their elements; formats and small enums are detected.\n"
        "Samples are read with strict intake. Exit status: 0 ok, 2 a sample is unreadable."));
    parser.addPositionalArgument(QStringLiteral("SAMPLE"), QStringLiteral("JSON sample files"),
                                 QStringLiteral("SAMPLE..."));
    const QCommandLineOption records(
        QStringLiteral("records"),
        QStringLiteral("Treat the elements of the array at this JSON pointer in each file as the "
                       "samples (e.g. /tickets for a list response)."),
        QStringLiteral("POINTER"));
    parser.addOption(records);
    if (const auto exit = parse(parser, QStringList{command} + arguments)) {
        return *exit;
    }
    const QStringList files = parser.positionalArguments();
    if (files.isEmpty()) {
        return usageError(command, QStringLiteral("name at least one SAMPLE file"));
    }
    engine::schema::SchemaInference inference;
    for (const QString &file : files) {
        const std::optional<Value> sample = readJson(command, file);
        if (!sample) {
            return kExitUsage;
        }
        if (!parser.isSet(records)) {
            inference.addSample(*sample);
            continue;
        }
        const Value list = atPointer(*sample, parser.value(records));
        if (!list.isArray()) {
            return usageError(command, QStringLiteral("%1: no array at %2")
                                           .arg(file, parser.value(records)));
        }
        for (const Value &record : list.items()) {
            inference.addSample(record);
        }
    }
    out(QString::fromStdString(engine::json::toPrettyJsonText(inference.schema())) + u'\n');
    return kExitOk;
}

int validate(const QStringList &arguments)
{
    const QString command = QStringLiteral("schema validate");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Validate JSON files against a JSON Schema (draft-07) and list every violation as\n"
        "'FILE: POINTER (field): message [keyword]'. $refs resolve from the schema's folder\n"
        "and any --schemas folder, never the network.\n"
        "Exit status: 0 all valid, 1 violations found, 2 unreadable input or unusable schema."));
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("JSON files to validate"),
                                 QStringLiteral("FILE..."));
    const QCommandLineOption schemaOption(QStringLiteral("schema"),
                                          QStringLiteral("The schema file (required)."),
                                          QStringLiteral("S"));
    const QCommandLineOption schemasOption(
        QStringLiteral("schemas"),
        QStringLiteral("Another folder of schemas that $refs may name (repeatable)."),
        QStringLiteral("DIR"));
    parser.addOption(schemaOption);
    parser.addOption(schemasOption);
    if (const auto exit = parse(parser, QStringList{command} + arguments)) {
        return *exit;
    }
    if (!parser.isSet(schemaOption)) {
        return usageError(command, QStringLiteral("--schema S is required"));
    }
    const QStringList files = parser.positionalArguments();
    if (files.isEmpty()) {
        return usageError(command, QStringLiteral("name at least one FILE to validate"));
    }

    const QFileInfo schemaFile(parser.value(schemaOption));
    const std::optional<Value> schemaDocument = readJson(command, schemaFile.filePath());
    if (!schemaDocument) {
        return kExitUsage;
    }
    // $refs name siblings of the schema file, or files below a --schemas folder.
    engine::schema::SchemaSet set;
    (void)set.addFolder(schemaFile.absolutePath(), QString(),
                        engine::schema::SchemaSet::FolderScan::TopLevel);
    for (const QString &folder : parser.values(schemasOption)) {
        if (const auto added = set.addFolder(folder); !added.ok()) {
            return usageError(command, added.error().message);
        }
    }
    const auto validator = engine::schema::SchemaValidator::compile(*schemaDocument, set,
                                                                    schemaFile.fileName());
    if (!validator.ok()) {
        return usageError(command, QStringLiteral("%1: %2 (%3)")
                                       .arg(schemaFile.filePath(), validator.error().message,
                                            validator.error().code));
    }

    int exitCode = kExitOk;
    for (const QString &file : files) {
        const std::optional<Value> instance = readJson(command, file);
        if (!instance) {
            exitCode = kExitUsage;
            continue;
        }
        const engine::schema::Violations violations = validator->validate(*instance);
        if (violations.isEmpty()) {
            out(QStringLiteral("%1: valid\n").arg(file));
            continue;
        }
        for (const auto &violation : violations) {
            out(QStringLiteral("%1: %2 [%3]\n").arg(file, violation.text(), violation.keyword));
        }
        exitCode = std::max(exitCode, int(kExitProblems));
    }
    return exitCode;
}

} // namespace

int runSchema(const QStringList &arguments)
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
    if (sub == QLatin1String("infer")) {
        return infer(arguments.mid(2));
    }
    if (sub == QLatin1String("validate")) {
        return validate(arguments.mid(2));
    }
    return usageError(QStringLiteral("schema"),
                      QStringLiteral("unknown sub-command '%1' (try: infer, validate)").arg(sub));
}

} // namespace syncline::cli
