#include "cli.h"

#include "engine/plugin/connectorregistry.h"

namespace syncline::cli {

namespace {

using engine::plugin::ConnectorRegistry;
using engine::plugin::LoadedConnector;

QString connectorText(const LoadedConnector &c)
{
    const auto &d = c.description;
    QString text = QStringLiteral("%1 — %2 (%3), family %4, API %5\n  %6\n")
                       .arg(c.id, c.name, c.vendor, c.family)
                       .arg(c.apiVersion)
                       .arg(c.file);
    text += QStringLiteral("  auth: %1 · idempotency: %2 · webhooks: %3\n")
                .arg(d.authKinds.join(QStringLiteral(", ")),
                     d.idempotencyHeader.isEmpty() ? QStringLiteral("none") : d.idempotencyHeader,
                     d.webhookSignature);
    for (const auto &object : d.objects) {
        QStringList ops;
        for (const auto &op : object.operations) {
            ops.append(
                QStringLiteral("%1 %2 %3").arg(op.name, QString::fromLatin1(op.method), op.path));
        }
        text +=
            QStringLiteral("  %1:\n    %2\n").arg(object.name, ops.join(QStringLiteral("\n    ")));
    }
    return text;
}

} // namespace

int runConnectors(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "List the connector plugins the engine loads — their families, objects and operations — "
        "and every plugin file that failed to load, with the reason.\n"
        "Exits 0 when every plugin loaded, 1 when one failed, 2 on bad usage."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the result as JSON, for scripts."));
    const QCommandLineOption full(QStringLiteral("schemas"),
                                  QStringLiteral("With --json: include the settings and object "
                                                 "schemas."));
    const QCommandLineOption plugins = pluginsOption();
    parser.addOptions({json, full, plugins});
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    if (!parser.positionalArguments().isEmpty()) {
        return usageError(QStringLiteral("connectors"), QStringLiteral("takes no arguments"));
    }
    const auto registry = ConnectorRegistry::load(pluginFolders(parser, plugins));
    if (parser.isSet(json)) {
        out(QString::fromStdString(registry->toJson(parser.isSet(full)).dump(2)) + u'\n');
        return registry->failures().isEmpty() ? kExitOk : kExitProblems;
    }
    QString text;
    for (const LoadedConnector &connector : registry->connectors()) {
        text += connectorText(connector);
    }
    for (const auto &failure : registry->failures()) {
        text += QStringLiteral("NOT LOADED %1\n").arg(failure.message);
    }
    text += QStringLiteral("%1 connector(s) loaded from %2; %3 plugin(s) failed\n")
                .arg(registry->connectors().size())
                .arg(registry->folders().isEmpty() ? QStringLiteral("(no plugin folder found)")
                                                   : registry->folders().join(QStringLiteral(", ")))
                .arg(registry->failures().size());
    out(text);
    return registry->failures().isEmpty() ? kExitOk : kExitProblems;
}

} // namespace syncline::cli
