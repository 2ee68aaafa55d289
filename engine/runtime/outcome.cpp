#include "engine/runtime/outcome.h"

namespace syncline::engine::runtime {

CallVerdict classifyHttpStatus(int status)
{
    if (status >= 200 && status < 300) {
        return CallVerdict::Ok;
    }
    if (status == 0 || status == 408 || status == 425 || status == 429 || status >= 500) {
        return CallVerdict::Retry;
    }
    return CallVerdict::Fail;
}

QString verdictName(CallVerdict verdict)
{
    switch (verdict) {
    case CallVerdict::Ok:
        return QStringLiteral("ok");
    case CallVerdict::Retry:
        return QStringLiteral("retry");
    case CallVerdict::Fail:
        return QStringLiteral("fail");
    }
    return {};
}

} // namespace syncline::engine::runtime
