#pragma once

#include "engine/plugin/connectoranswer.h"

#include <QJsonObject>
#include <QtPlugin>

namespace syncline::engine::plugin {

/// The connector API version this engine speaks. A plugin's metadata names the version it was
/// built for ("apiVersion"); the loader refuses any other. Raise it (and the IID below) whenever
/// Connector, ConnectorAnswer or AnswerVerdict change shape.
inline constexpr int kConnectorApiVersion = 1;

/// One system family (CRM, billing, ERP …) as a Qt plugin: what its API looks like and what its
/// answers mean. The engine owns nothing of the plugin's beyond the instance QPluginLoader gives;
/// both methods are called from several worker threads at once and must keep no state.
class Connector
{
public:
    virtual ~Connector() = default;

    /// The family's description (docs/connectors.md): settingsSchema, auth, objects with their
    /// operations, webhooks, idempotency. The loader checks it once; it must not change.
    virtual QJsonObject description() const = 0;

    /// What a target's answer to one operation means: success with the external ids it returned,
    /// a business refusal with a Syncline reason code, or a technical failure worth retrying.
    virtual AnswerVerdict classify(const ConnectorAnswer &answer) const = 0;
};

} // namespace syncline::engine::plugin

// The IID carries the API version: Qt itself then refuses nothing, but the loader compares it.
#define SYNCLINE_CONNECTOR_IID "dev.syncline.Connector/1"
Q_DECLARE_INTERFACE(syncline::engine::plugin::Connector, SYNCLINE_CONNECTOR_IID)
