#pragma once

// The demo test's real parts: the sandbox program, and the demo workspace copied for the engine
// and pointed at that sandbox. The engine itself starts through tests/common/enginerun.h.

#include "tests/common/sandboxrun.h"

#include <QByteArray>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace syncline::tests::demo {

const QString kEngine = QStringLiteral(SYNCLINE_BIN_DIR "/syncline-engine");
const QString kDemo = QStringLiteral(SYNCLINE_SOURCE_DIR "/resources/demo");
const QString kSecrets = QStringLiteral(SYNCLINE_SOURCE_DIR "/installer/sandbox-secrets.json");

// The demo workspace in `target`, pointed at this test's sandbox, with a short usage window.
inline bool copyWorkspace(const QString &target, const QString &sandboxUrl)
{
    QDirIterator files(kDemo, QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        const QString from = files.next();
        const QString to = target + u'/' + QDir(kDemo).relativeFilePath(from);
        QDir().mkpath(QFileInfo(to).path());
        QFile in(from);
        if (!in.open(QIODevice::ReadOnly)) {
            return false;
        }
        QByteArray content = in.readAll();
        content.replace("http://127.0.0.1:8790", sandboxUrl.toUtf8());
        content.replace("\"windowMs\": 60000", "\"windowMs\": 2000");
        // The 500 ms answer budget is the demo's promise on an idle machine (the sandbox's
        // traffic reports each answer's elapsedMs); beside the rest of the suite on two busy
        // cores the test checks that the desk gets the entitlement, not how fast.
        content.replace("\"timeoutMs\": 500\n", "\"timeoutMs\": 8000\n");
        content.replace("\"timeoutMs\": 300\n", "\"timeoutMs\": 5000\n");
        QFile out(to);
        if (!out.open(QIODevice::WriteOnly) || out.write(content) != content.size()) {
            return false;
        }
    }
    return true;
}

} // namespace syncline::tests::demo
