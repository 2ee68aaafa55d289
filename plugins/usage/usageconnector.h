#pragma once

#include "engine/plugin/connectorbase.h"

#include <QObject>

namespace syncline::plugins {

/// The Usage platform family (Product telemetry); docs/connectors.md lists its
/// operations and how its errors map to reason codes.
class UsageConnector final
    : public QObject
    , public engine::plugin::ConnectorBase
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "dev.syncline.Connector/1" FILE "usage.json")
    Q_INTERFACES(syncline::engine::plugin::Connector)

public:
    UsageConnector();
};

} // namespace syncline::plugins
