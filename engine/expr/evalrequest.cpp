#include "engine/expr/evalrequest.h"

#include "engine/expr/valueops.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace syncline::engine::expr {

namespace {

// Builds Values from nlohmann's SAX events, which give the source text of every number.
class ValueBuilder : public nlohmann::json_sax<nlohmann::json>
{
public:
    bool null() override { return add(json::Value::null()); }
    bool boolean(bool b) override { return add(json::Value::boolean(b)); }
    bool number_integer(number_integer_t) override { return false; }
    bool number_unsigned(number_unsigned_t) override { return false; }
    bool number_float(number_float_t, const string_t &) override { return false; }
    bool string(string_t &s) override { return add(json::Value::string(s)); }
    bool binary(binary_t &) override { return false; }
    bool start_object(std::size_t) override
    {
        m_stack.push_back(Level{true, {}, {}, {}});
        return true;
    }
    bool key(string_t &k) override
    {
        m_stack.back().key = k;
        return true;
    }
    bool end_object() override
    {
        Level level = std::move(m_stack.back());
        m_stack.pop_back();
        return add(level.object.build());
    }
    bool start_array(std::size_t) override
    {
        m_stack.push_back(Level{false, {}, {}, {}});
        return true;
    }
    bool end_array() override
    {
        Level level = std::move(m_stack.back());
        m_stack.pop_back();
        return add(json::Value::array(std::move(level.items)));
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &e) override
    {
        m_error = e.what();
        return false;
    }

    bool number(std::string_view text)
    {
        auto v = json::Value::parseNumber(text);
        if (!v) {
            m_error = "number out of range: " + std::string(text);
            return false;
        }
        return add(std::move(*v));
    }

    json::Value result;
    std::string m_error;

private:
    struct Level
    {
        bool isObject;
        json::ObjectBuilder object;
        std::vector<json::Value> items;
        std::string key;
    };

    bool add(json::Value v)
    {
        if (m_stack.empty()) {
            result = std::move(v);
            return true;
        }
        Level &level = m_stack.back();
        if (level.isObject) {
            level.object.set(level.key, std::move(v)); // a later duplicate wins, as in JSON.parse
        } else {
            level.items.push_back(std::move(v));
        }
        return true;
    }

    std::vector<Level> m_stack;
};

// nlohmann reports numbers through three typed callbacks; route them all through the text.
class TextNumberBuilder : public ValueBuilder
{
public:
    explicit TextNumberBuilder(std::string_view source)
        : m_source(source)
    {}
    bool number_integer(number_integer_t i) override { return number(std::to_string(i)); }
    bool number_unsigned(number_unsigned_t u) override { return number(std::to_string(u)); }
    bool number_float(number_float_t, const string_t &text) override { return number(text); }

private:
    std::string_view m_source;
};

// JSON text of a result as jsonata-js's JSON.stringify would order it (array-index member names
// first), with numbers' kept source text.
void appendResult(std::string &out, const json::Value &v)
{
    if (v.isArray()) {
        out += '[';
        bool first = true;
        for (const json::Value &item : v.items()) {
            if (!first) {
                out += ',';
            }
            first = false;
            if (item.isUndefined()) {
                out += "null";
            } else {
                appendResult(out, item);
            }
        }
        out += ']';
        return;
    }
    if (v.isObject()) {
        out += '{';
        bool first = true;
        forEachMemberJs(v, [&](const json::Member &m) {
            if (m.value.isUndefined()) {
                return;
            }
            if (!first) {
                out += ',';
            }
            first = false;
            json::appendQuotedString(out, m.key.view());
            out += ':';
            appendResult(out, m.value);
        });
        out += '}';
        return;
    }
    json::appendJsonText(out, v);
}

std::string errorLine(const ExprError &error)
{
    nlohmann::json e = {{"code", error.code}, {"message", error.message}};
    if (error.position >= 0) {
        e["position"] = error.position;
    }
    if (!error.token.empty()) {
        e["token"] = error.token;
    }
    return nlohmann::json({{"error", e}}).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

} // namespace

Result<json::Value> parseJsonText(std::string_view text)
{
    TextNumberBuilder builder(text);
    const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                              nlohmann::json::input_format_t::json, true);
    if (!ok) {
        return Error::make(QStringLiteral("INVALID_JSON"), QString::fromStdString(builder.m_error));
    }
    return builder.result;
}

std::string evaluateToJsonLine(std::string_view expression, const json::Value &input,
                               const json::Value &bindings, const EvalOptions &options)
{
    auto compiled = Expression::compile(expression);
    if (!compiled.ok()) {
        return errorLine(compiled.error());
    }
    const auto result = compiled.value().evaluate(input, bindings, options);
    if (!result.ok()) {
        return errorLine(result.error());
    }
    if (result.value().isUndefined()) {
        return R"({"undefined":true})";
    }
    std::string line = R"({"result":)";
    appendResult(line, result.value());
    line += '}';
    return line;
}

std::string evaluateBatchLine(std::string_view line, const EvalOptions &options)
{
    auto invalid = [](std::string message) {
        return errorLine(ExprError{"INVALID_REQUEST", std::move(message), -1, {}});
    };
    auto request = parseJsonText(line);
    if (!request.ok()) {
        return invalid("The line is not JSON: " + request.error().message.toStdString());
    }
    const json::Value &object = request.value();
    const json::Value *expr = object.find("expr");
    if (!object.isObject() || !expr || !expr->isString()) {
        return invalid(R"(Each line must be an object with a string member "expr")");
    }
    const json::Value *data = object.find("data");
    const json::Value *bindings = object.find("bindings");
    if (bindings && !bindings->isObject() && !bindings->isNull()) {
        return invalid(R"("bindings" must be an object)");
    }
    return evaluateToJsonLine(expr->toStringView(), data ? *data : json::Value::undefined(),
                              bindings ? *bindings : json::Value::undefined(), options);
}

} // namespace syncline::engine::expr
