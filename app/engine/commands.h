#pragma once

#include <QStringList>

#include <span>

namespace syncline::cli {

/// One sub-command of syncline-engine. `run` receives the arguments starting with the
/// command's own name (as QCommandLineParser expects) and returns the process exit code.
struct Command
{
    const char *name;
    const char *summary;
    int (*run)(const QStringList &arguments);
};

/// Every sub-command, in the order `syncline-engine --help` lists them.
std::span<const Command> commands();

} // namespace syncline::cli
