#pragma once

#include "engine/core/error.h"
#include "engine/json/value.h"

#include <string>

namespace syncline::engine::expr {

/// Why compiling or evaluating an expression failed, as jsonata-js reports it: the error code
/// (S0xxx syntax, T0xxx/T1xxx/T2xxx type, D1xxx/D2xxx/D3xxx dynamic, U1001 limits), a readable
/// message, and where known the character offset (UTF-16 units, like jsonata-js) and the token.
struct ExprError
{
    std::string code;
    std::string message;
    int position = -1;
    std::string token;

    /// The engine-wide error form (code and message; the position is appended to the message).
    Error toError() const;
};

/// Thrown inside the expression module only (never across its boundary): the raw fields that
/// jsonata-js keeps on its error objects, from which the message is built.
struct ExprException
{
    std::string code;
    int position = -1;
    bool hasToken = false;
    std::string token;
    json::Value value = json::Value::undefined();
    json::Value value2 = json::Value::undefined();
    int index = 0;               // T0410..T0412: argument number
    std::string detail;          // free text for {{{message}}}, type names, function names
    std::string explicitMessage; // set when the message is given verbatim ($error, $assert)

    ExprException() = default;
    explicit ExprException(std::string c, int pos = -1)
        : code(std::move(c))
        , position(pos)
    {}
    ExprException &withToken(std::string t)
    {
        token = std::move(t);
        hasToken = true;
        return *this;
    }
    ExprException &withValue(json::Value v)
    {
        value = std::move(v);
        return *this;
    }

    /// The message jsonata-js would show for these fields.
    std::string message() const;
};

/// The message template of a code (jsonata-js wording); empty for unknown codes.
std::string_view messageTemplate(std::string_view code);

} // namespace syncline::engine::expr
