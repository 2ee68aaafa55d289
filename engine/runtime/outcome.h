#pragma once

#include <QString>

namespace syncline::engine::runtime {

/// What to do after a call to a target system.
enum class CallVerdict {
    Ok,    // 2xx
    Retry, // technical: 408, 425, 429, 5xx, connection errors, timeouts before sending
    Fail,  // business: any other 4xx — retrying would repeat the same answer
};

/// Classifies an HTTP status (0 = no response: connection refused, reset, DNS, timeout).
CallVerdict classifyHttpStatus(int status);

/// A short name for logs and the admin API ("ok", "retry", "fail").
QString verdictName(CallVerdict verdict);

} // namespace syncline::engine::runtime
