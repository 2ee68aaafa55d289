#pragma once

// Starts `syncline-engine run …` for an app test and waits until the engine says where it
// listens and where its admin token is — the same two lines an operator reads. The token is read
// from the file the engine names, so a test that passes no --token-file gets the default one.

#include <QByteArray>
#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace syncline::tests {

struct RunningEngine
{
    quint16 port = 0;
    QString url;       // http://127.0.0.1:PORT
    QByteArray token;  // the admin token
    QByteArray output; // what the engine printed until it was ready (for a failure message)

    bool started() const { return port != 0 && !token.isEmpty(); }
};

// `arguments` follow `run` (the workspace, --db, --listen 127.0.0.1:0, …). The engine's standard
// error goes to the test's own (its log and warnings stay visible) unless `mode` says otherwise.
inline RunningEngine startEngineRun(QProcess &process, const QString &program, const QStringList &arguments,
                                    int timeoutMs = 30'000,
                                    QProcess::ProcessChannelMode mode = QProcess::ForwardedErrorChannel)
{
    static const QRegularExpression listening(QStringLiteral("on (http://127\\.0\\.0\\.1:(\\d+)) "));
    static const QRegularExpression tokenAt(QStringLiteral("admin token in (.+); stop with"));
    RunningEngine engine;
    process.setProcessChannelMode(mode);
    process.start(program, QStringList{QStringLiteral("run")} + arguments);
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && process.waitForReadyRead(int(deadline.remainingTime()))) {
        engine.output += process.readAllStandardOutput();
        const QString seen = QString::fromUtf8(engine.output);
        const QRegularExpressionMatch url = listening.match(seen);
        const QRegularExpressionMatch token = tokenAt.match(seen);
        if (!url.hasMatch() || !token.hasMatch()) {
            continue;
        }
        QFile file(token.captured(1));
        if (!file.open(QIODevice::ReadOnly)) {
            qWarning("the engine named its token file %s, which cannot be read", qPrintable(file.fileName()));
            return engine;
        }
        engine.token = file.readAll().trimmed();
        engine.url = url.captured(1);
        engine.port = url.captured(2).toUShort();
        return engine;
    }
    qWarning("%s did not start: %s", qPrintable(program), engine.output.constData());
    return engine;
}

} // namespace syncline::tests
