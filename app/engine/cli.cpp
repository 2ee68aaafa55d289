#include "cli.h"

#include "engine/json/intake.h"
#include "engine/plugin/connectorloader.h"

#include <QFile>

#include <cstdio>

namespace syncline::cli {

std::optional<int> parse(QCommandLineParser &parser, const QStringList &arguments)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(arguments)) {
        return usageError(arguments.value(0), parser.errorText());
    }
    if (parser.isSet(help)) {
        // QCommandLineParser names the binary's path; name the sub-command instead.
        QString text = parser.helpText();
        const qsizetype firstLineEnd = text.indexOf(u'\n');
        const QString usage = QStringLiteral("Usage: syncline-engine %1 [options]")
                                  .arg(arguments.value(0))
                              + text.mid(text.indexOf(u' ', 7), firstLineEnd - text.indexOf(u' ', 7))
                                    .remove(QStringLiteral(" [options]"));
        out(usage + text.mid(firstLineEnd));
        return kExitOk;
    }
    return std::nullopt;
}

int usageError(const QString &command, const QString &message)
{
    err(QStringLiteral("syncline-engine %1: %2\n").arg(command, message));
    return kExitUsage;
}

std::optional<QByteArray> readJsonFile(const QString &name, QString &error)
{
    QFile file;
    const bool opened = name == QLatin1String("-")
                            ? file.open(stdin, QIODevice::ReadOnly)
                            : (file.setFileName(name), file.open(QIODevice::ReadOnly));
    if (!opened) {
        error = QStringLiteral("cannot read %1: %2").arg(name, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    const engine::json::IntakeResult parsed = engine::json::JsonIntake::parse(bytes);
    if (!parsed.ok()) {
        error = QStringLiteral("%1 is not strict JSON: %2").arg(name, parsed.refusal().describe());
        return std::nullopt;
    }
    return bytes;
}

void out(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
}

void err(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
}

QCommandLineOption pluginsOption()
{
    return QCommandLineOption(QStringLiteral("plugins"),
                              QStringLiteral("A folder of connector plugins (repeatable); default: "
                                             "SYNCLINE_PLUGIN_PATH, else the plugins folder beside "
                                             "the program's."),
                              QStringLiteral("DIR"));
}

QStringList pluginFolders(const QCommandLineParser &parser, const QCommandLineOption &option)
{
    return parser.isSet(option) ? parser.values(option)
                                : engine::plugin::ConnectorLoader::defaultFolders();
}

} // namespace syncline::cli
