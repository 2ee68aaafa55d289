#include "plugins/usage/usageconnector.h"

namespace syncline::plugins {

// Its errors are RFC 9457 problem JSON: ConnectorBase reads them.
UsageConnector::UsageConnector()
    : ConnectorBase(QStringLiteral("usage"))
{
}

} // namespace syncline::plugins
