#include "engine/expr/exprerror.h"

#include <utility>

namespace syncline::engine::expr {

namespace {

// Message templates as jsonata-js words them. {{name}} is replaced by the JSON text of the field,
// {{{name}}} by its plain text.
constexpr std::pair<std::string_view, std::string_view> kTemplates[] = {
    {"S0101", "String literal must be terminated by a matching quote"},
    {"S0102", "Number out of range: {{token}}"},
    {"S0103", "Unsupported escape sequence: \\{{{token}}}"},
    {"S0104", "The escape sequence \\u must be followed by 4 hex digits"},
    {"S0105", "Quoted property name must be terminated with a backquote (`)"},
    {"S0106", "Comment has no closing tag"},
    {"S0201", "Syntax error: {{token}}"},
    {"S0202", "Expected {{value}}, got {{token}}"},
    {"S0203", "Expected {{value}} before end of expression"},
    {"S0204", "Unknown operator: {{token}}"},
    {"S0205", "Unexpected token: {{token}}"},
    {"S0206", "Unknown expression type: {{token}}"},
    {"S0207", "Unexpected end of expression"},
    {"S0208", "Parameter {{value}} of function definition must be a variable name (start with $)"},
    {"S0209", "A predicate cannot follow a grouping expression in a step"},
    {"S0210", "Each step can only have one grouping expression"},
    {"S0211", "The symbol {{token}} cannot be used as a unary operator"},
    {"S0212", "The left side of := must be a variable name (start with $)"},
    {"S0213", "The literal value {{value}} cannot be used as a step within a path expression"},
    {"S0214", "The right side of {{token}} must be a variable name (start with $)"},
    {"S0215", "A context variable binding must precede any predicates on a step"},
    {"S0216", "A context variable binding must precede the 'order-by' clause on a step"},
    {"S0217", "The object representing the 'parent' cannot be derived from this expression"},
    {"S0301", "Empty regular expressions are not allowed"},
    {"S0302", "No terminating / in regular expression"},
    {"S0303", "{{{message}}}"},
    {"S0401", "Type parameters can only be applied to functions and arrays"},
    {"S0402", "Choice groups containing parameterized types are not supported"},
    {"S0500", "Attempted to evaluate an expression containing syntax error(s)"},
    {"T0410", "Argument {{index}} of function {{token}} does not match function signature"},
    {"T0411", "Context value is not a compatible type with argument {{index}} of function {{token}}"},
    {"T0412", "Argument {{index}} of function {{token}} must be an array of {{{message}}}"},
    {"D1001", "Number out of range: {{value}}"},
    {"D1002", "Cannot negate a non-numeric value: {{value}}"},
    {"T1003", "Key in object structure must evaluate to a string; got: {{value}}"},
    {"D1004", "Regular expression matches zero length string"},
    {"D1005", "{{{message}}}"},
    {"D1006", "{{{message}}}"},
    {"T1005", "Attempted to invoke a non-function. Did you mean ${{{token}}}?"},
    {"T1006", "Attempted to invoke a non-function"},
    {"T1007", "Attempted to partially apply a non-function. Did you mean ${{{token}}}?"},
    {"T1008", "Attempted to partially apply a non-function"},
    {"D1009", "Multiple key definitions evaluate to same key: {{value}}"},
    {"D1010", "Attempted to access the Javascript object prototype"},
    {"T1010", "The matcher function argument passed to function {{token}} does not return the "
              "correct object structure"},
    {"T2001", "The left side of the {{token}} operator must evaluate to a number"},
    {"T2002", "The right side of the {{token}} operator must evaluate to a number"},
    {"T2003", "The left side of the range operator (..) must evaluate to an integer"},
    {"T2004", "The right side of the range operator (..) must evaluate to an integer"},
    {"T2006", "The right side of the function application operator ~> must be a function"},
    {"T2007", "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"},
    {"T2008", "The expressions within an order-by clause must evaluate to numeric or string values"},
    {"T2009", "The values {{value}} and {{value2}} either side of operator {{token}} must be of "
              "the same data type"},
    {"T2010", "The expressions either side of operator {{token}} must evaluate to numeric or "
              "string values"},
    {"T2011", "The insert/update clause of the transform expression must evaluate to an object: "
              "{{value}}"},
    {"T2012", "The delete clause of the transform expression must evaluate to a string or array "
              "of strings: {{value}}"},
    {"T2013", "The transform expression clones the input object using the $clone() function.  "
              "This has been overridden in the current scope by a non-function."},
    {"D2014", "The size of the sequence allocated by the range operator (..) must not exceed "
              "1e7.  Attempted to allocate {{value}}."},
    {"D3001", "Attempting to invoke string function on Infinity or NaN"},
    {"D3010", "Second argument of replace function cannot be an empty string"},
    {"D3011", "Fourth argument of replace function must evaluate to a positive number"},
    {"D3012", "Attempted to replace a matched string with a non-string value"},
    {"D3020", "Third argument of split function must evaluate to a positive number"},
    {"D3030", "Unable to cast value to a number: {{value}}"},
    {"D3040", "Third argument of match function must evaluate to a positive number"},
    {"D3050", "The second argument of reduce function must be a function with at least two "
              "arguments"},
    {"D3060", "The sqrt function cannot be applied to a negative number: {{value}}"},
    {"D3061", "The power function has resulted in a value that cannot be represented as a JSON "
              "number: base={{value}}, exponent={{value2}}"},
    {"D3070", "The single argument form of the sort function can only be applied to an array of "
              "strings or an array of numbers.  Use the second argument to specify a comparison "
              "function"},
    {"D3080", "{{{message}}}"},
    {"D3081", "{{{message}}}"},
    {"D3082", "{{{message}}}"},
    {"D3083", "{{{message}}}"},
    {"D3084", "{{{message}}}"},
    {"D3085", "{{{message}}}"},
    {"D3086", "{{{message}}}"},
    {"D3087", "{{{message}}}"},
    {"D3088", "{{{message}}}"},
    {"D3089", "{{{message}}}"},
    {"D3090", "{{{message}}}"},
    {"D3091", "{{{message}}}"},
    {"D3092", "{{{message}}}"},
    {"D3093", "{{{message}}}"},
    {"D3100", "The radix of the formatBase function must be between 2 and 36.  It was given "
              "{{value}}"},
    {"D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. "
              "Given {{value}}"},
    {"D3120", "Syntax error in expression passed to function eval: {{value}}"},
    {"D3121", "Dynamic error evaluating the expression passed to function eval: {{value}}"},
    {"D3137", "{{{message}}}"},
    {"D3138", "The $single() function expected exactly 1 matching result.  Instead it matched "
              "more."},
    {"D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."},
    {"D3140", "Malformed URL passed to ${{{message}}}(): {{value}}"},
    {"D3141", "{{{message}}}"},
    {"U1001", "{{{message}}}"},
    {"S0000", "{{{message}}}"},
};

std::string stringifyForMessage(const json::Value &v)
{
    if (v.isUndefined() || v.isFunction()) {
        return "undefined";
    }
    return json::toJsonText(v);
}

} // namespace

std::string_view messageTemplate(std::string_view code)
{
    for (const auto &[c, t] : kTemplates) {
        if (c == code) {
            return t;
        }
    }
    return {};
}

std::string ExprException::message() const
{
    if (!explicitMessage.empty()) {
        return explicitMessage;
    }
    std::string_view tmpl = messageTemplate(code);
    if (tmpl.empty()) {
        return detail.empty() ? code : detail;
    }
    std::string out;
    for (std::size_t i = 0; i < tmpl.size();) {
        const bool triple = tmpl.compare(i, 3, "{{{") == 0;
        const bool doubled = !triple && tmpl.compare(i, 2, "{{") == 0;
        if (!triple && !doubled) {
            out += tmpl[i++];
            continue;
        }
        const std::size_t open = triple ? 3 : 2;
        const std::size_t close = tmpl.find(triple ? "}}}" : "}}", i + open);
        const std::string_view field = tmpl.substr(i + open, close - i - open);
        std::string text;
        if (field == "token") {
            text = triple ? token : json::toJsonText(json::Value::string(token));
        } else if (field == "value") {
            text = triple ? std::string(value.toStringView()) : stringifyForMessage(value);
        } else if (field == "value2") {
            text = stringifyForMessage(value2);
        } else if (field == "index") {
            text = std::to_string(index);
        } else if (field == "message") {
            text = detail;
        }
        out += text;
        i = close + open;
    }
    return out;
}

Error ExprError::toError() const
{
    QString text = QString::fromStdString(message);
    if (position >= 0) {
        text += QStringLiteral(" (at position %1)").arg(position);
    }
    return Error::make(QString::fromStdString(code), text);
}

} // namespace syncline::engine::expr
