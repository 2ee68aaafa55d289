#include "plugins/dataplatform/dataplatformconnector.h"

namespace syncline::plugins {

// Its errors are RFC 9457 problem JSON: ConnectorBase reads them.
DataPlatformConnector::DataPlatformConnector()
    : ConnectorBase(QStringLiteral("dataplatform"))
{
}

} // namespace syncline::plugins
