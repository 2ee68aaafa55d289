#include "cli.h"

#include "engine/core/versions.h"

namespace syncline::cli {

int runVersion(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Print the versions of Syncline and the libraries it runs on."));
    if (const auto exit = parse(parser, arguments)) {
        return *exit;
    }
    QString text = QStringLiteral("syncline-engine %1\n").arg(engine::synclineVersion());
    for (const auto &[name, version] : engine::componentVersions()) {
        text += QStringLiteral("  %1 %2\n").arg(name, version);
    }
    out(text);
    return kExitOk;
}

} // namespace syncline::cli
