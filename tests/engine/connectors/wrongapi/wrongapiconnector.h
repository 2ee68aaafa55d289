#pragma once

#include "engine/plugin/connector.h"

#include <QObject>

namespace syncline::tests {

// A connector built for a later API version than the engine's: the loader must refuse it from
// its metadata alone, without instantiating it.
class WrongApiConnector final : public QObject, public engine::plugin::Connector
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "dev.syncline.Connector/2" FILE "wrongapi.json")
    Q_INTERFACES(syncline::engine::plugin::Connector)

public:
    QJsonObject description() const override { return {}; }
    engine::plugin::AnswerVerdict classify(const engine::plugin::ConnectorAnswer &) const override
    {
        return {};
    }
};

} // namespace syncline::tests
