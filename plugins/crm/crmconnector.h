#pragma once

#include "engine/plugin/connectorbase.h"

#include <QObject>

namespace syncline::plugins {

/// The CRM family (Salesforce-compatible); docs/connectors.md lists its
/// operations and how its errors map to reason codes.
class CrmConnector final
    : public QObject
    , public engine::plugin::ConnectorBase
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "dev.syncline.Connector/1" FILE "crm.json")
    Q_INTERFACES(syncline::engine::plugin::Connector)

public:
    CrmConnector();

protected:
    engine::plugin::AnswerVerdict refusal(const engine::plugin::ConnectorAnswer &answer,
                                          const QJsonValue &body) const override;
};

} // namespace syncline::plugins
