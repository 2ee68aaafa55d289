#pragma once

// The JSON-Schema-Test-Suite in ../shared, as the schema tests read it: its remotes/ folder
// served from disk as http://localhost:1234/ and the draft-07 meta-schema from
// json-schema-metaschemas, so nothing is fetched from the network.

#include "engine/json/intake.h"
#include "engine/schema/schemaset.h"

#include <QFile>
#include <QString>
#include <QTest>

namespace syncline::tests {

inline const QString kSchemaSuite =
    QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/json-schema-test-suite");
inline const QString kDraft7MetaSchema =
    QStringLiteral(SYNCLINE_SHARED_DIR "/external-data/json-schema-metaschemas/draft-07/schema.json");

/// A suite file (or any test JSON) as a Value; the test stops when it cannot be read.
inline engine::json::Value readSuiteJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read %s", qPrintable(path));
    }
    const engine::json::IntakeResult result = engine::json::JsonIntake::parse(file.readAll());
    if (!result.ok()) {
        qFatal("%s: %s", qPrintable(path), qPrintable(result.refusal().describe()));
    }
    return result.value();
}

/// The documents the suite's schemas refer to: its remotes and the draft-07 meta-schema.
inline engine::schema::SchemaSet suiteRemotes()
{
    engine::schema::SchemaSet remotes;
    const engine::Result<void> loaded = remotes.addFolder(
        kSchemaSuite + QStringLiteral("/remotes"), QStringLiteral("http://localhost:1234/"));
    if (!loaded.ok()) {
        qFatal("%s", qPrintable(loaded.error().message));
    }
    remotes.add(QStringLiteral("http://json-schema.org/draft-07/schema"),
                readSuiteJson(kDraft7MetaSchema));
    return remotes;
}

} // namespace syncline::tests
