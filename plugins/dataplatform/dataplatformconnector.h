#pragma once

#include "engine/plugin/connectorbase.h"

#include <QObject>

namespace syncline::plugins {

/// The Data platform family (Append-only tables); docs/connectors.md lists its
/// operations and how its errors map to reason codes.
class DataPlatformConnector final
    : public QObject
    , public engine::plugin::ConnectorBase
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "dev.syncline.Connector/1" FILE "dataplatform.json")
    Q_INTERFACES(syncline::engine::plugin::Connector)

public:
    DataPlatformConnector();
};

} // namespace syncline::plugins
