#pragma once

#include <QString>

namespace syncline::engine {

/// An expected failure: a machine-readable code, a message a person can act on, and whether
/// trying again later may succeed. Passed by value; carries no ownership.
struct Error
{
    QString code;
    QString message;
    bool retryable = false;

    static Error make(QString code, QString message, bool retryable = false)
    {
        return Error{std::move(code), std::move(message), retryable};
    }
};

} // namespace syncline::engine
