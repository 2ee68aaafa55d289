#pragma once

#include <QCommandLineParser>
#include <QStringList>

#include <optional>

namespace syncline::cli {

/// Process exit codes shared by every sub-command.
enum ExitCode : int {
    kExitOk = 0,
    kExitProblems = 1, // the command ran and found problems (validation errors, failed checks)
    kExitUsage = 2,    // bad arguments, unreadable input
};

/// Parses `arguments` (the sub-command name first) with `parser`, which must already hold the
/// command's options. Handles --help itself. Returns an exit code when the caller should stop
/// (help printed, or a usage error reported on stderr), nothing when parsing succeeded.
std::optional<int> parse(QCommandLineParser &parser, const QStringList &arguments);

/// Prints "syncline-engine <command>: <message>" to stderr and returns kExitUsage.
int usageError(const QString &command, const QString &message);

/// The bytes of a JSON file, or of stdin for "-", checked by strict intake so that a typo is
/// reported with its position before anything is sent; nothing (and `error` says why) otherwise.
std::optional<QByteArray> readJsonFile(const QString &name, QString &error);

/// --plugins DIR (repeatable): the folders of connector plugins, for the commands that load them.
QCommandLineOption pluginsOption();
/// The folders --plugins named, else the engine's default folders.
QStringList pluginFolders(const QCommandLineParser &parser, const QCommandLineOption &option);

/// Writes text to stdout / stderr as UTF-8 (no trailing newline added).
void out(const QString &text);
void err(const QString &text);

} // namespace syncline::cli
