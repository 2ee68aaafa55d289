#pragma once

// Starts `syncline-sandbox` for a test on a free loopback port and reads the URL its first line
// names; and reads a JSON file of the repository (a demo system, the sandbox's secrets).

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::tests {

// The URL the sandbox listens on, or empty (with a warning naming what it printed) when it did
// not start within 30 s.
inline QString startSandbox(QProcess &process, const QString &stateFile)
{
    const QString program = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-sandbox");
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                            QStringLiteral("--state"), stateFile});
    static const QRegularExpression url(QStringLiteral("(http://127\\.0\\.0\\.1:[0-9]+)"));
    QByteArray seen;
    while (process.waitForReadyRead(30'000)) {
        seen += process.readAll();
        const QRegularExpressionMatch match = url.match(QString::fromUtf8(seen));
        if (match.hasMatch()) {
            return match.captured(1);
        }
    }
    qWarning("%s did not start: %s", qPrintable(program), seen.constData());
    return {};
}

// The file's JSON, or a discarded value when it cannot be read or parsed.
inline nlohmann::json readJsonFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return nlohmann::json::value_t::discarded;
    }
    const QByteArray text = file.readAll();
    return nlohmann::json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
}

} // namespace syncline::tests
