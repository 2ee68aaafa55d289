#include "schemainference.h"

#include "engine/schema/stringformat.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

namespace syncline::engine::schema {

/// What was observed at one place in the samples.
struct SchemaInference::Shape
{
    int seen = 0;
    bool sawNull = false;
    bool sawBoolean = false;
    bool sawInteger = false;
    bool sawFraction = false;
    bool sawString = false;
    bool sawObject = false;
    bool sawArray = false;

    int strings = 0;
    QString format;           // common to every string so far; empty when none
    bool enumPossible = true; // still few, short distinct values
    bool valueRepeated = false;
    std::vector<std::string> values;

    int objects = 0;
    std::vector<std::pair<std::string, std::unique_ptr<Shape>>> properties; // first-seen order
    std::unordered_map<std::string, std::size_t> propertyIndex;

    std::unique_ptr<Shape> items;
};

namespace {

bool writtenAsInteger(const json::Value &number)
{
    const std::string text = number.numberToText();
    return text.find_first_of(".eE") == std::string::npos && text != "NaN"
           && text.find("Infinity") == std::string::npos;
}

} // namespace

class ShapeBuilder
{
    using Shape = SchemaInference::Shape;

public:
    explicit ShapeBuilder(const InferenceOptions &options)
        : m_options(options)
    {}

    void observe(Shape &shape, const json::Value &value) const
    {
        ++shape.seen;
        switch (value.type()) {
        case json::Type::Null:
        case json::Type::Undefined:
        case json::Type::Function:
            shape.sawNull = true;
            break;
        case json::Type::Boolean:
            shape.sawBoolean = true;
            break;
        case json::Type::Number:
            (writtenAsInteger(value) ? shape.sawInteger : shape.sawFraction) = true;
            break;
        case json::Type::String:
            observeString(shape, value.toStringView());
            break;
        case json::Type::Array:
            shape.sawArray = true;
            if (!shape.items) {
                shape.items = std::make_unique<Shape>();
            }
            for (const json::Value &item : value.items()) {
                observe(*shape.items, item);
            }
            break;
        case json::Type::Object:
            observeObject(shape, value);
            break;
        }
    }

    json::Value toSchema(const Shape &shape) const
    {
        json::ObjectBuilder schema;
        if (shape.seen == 0) {
            return schema.build();
        }
        std::vector<json::Value> types;
        const auto addType = [&](bool seen, const char *name) {
            if (seen) {
                types.push_back(json::Value::string(name));
            }
        };
        addType(shape.sawObject, "object");
        addType(shape.sawArray, "array");
        addType(shape.sawString, "string");
        addType(shape.sawFraction, "number");
        addType(shape.sawInteger && !shape.sawFraction, "integer");
        addType(shape.sawBoolean, "boolean");
        addType(shape.sawNull, "null");
        schema.insert("type", types.size() == 1 ? types.front() : json::Value::array(types));

        if (shape.sawString && !shape.format.isEmpty()) {
            schema.insert("format", json::Value::string(shape.format));
        } else if (isEnum(shape, types.size())) {
            std::vector<json::Value> values;
            for (const std::string &text : shape.values) {
                values.push_back(json::Value::string(text));
            }
            schema.insert("enum", json::Value::array(std::move(values)));
        }
        if (shape.sawObject) {
            json::ObjectBuilder properties;
            std::vector<json::Value> required;
            for (const auto &[name, property] : shape.properties) {
                properties.insert(name, toSchema(*property));
                if (property->seen == shape.objects) {
                    required.push_back(json::Value::string(name));
                }
            }
            schema.insert("properties", properties.build());
            if (!required.empty()) {
                schema.insert("required", json::Value::array(std::move(required)));
            }
        }
        if (shape.sawArray && shape.items && shape.items->seen > 0) {
            schema.insert("items", toSchema(*shape.items));
        }
        return schema.build();
    }

private:
    void observeString(Shape &shape, std::string_view text) const
    {
        shape.sawString = true;
        const QString format = detectStringFormat(text);
        shape.format = shape.strings == 0 || shape.format == format ? format : QString();
        ++shape.strings;
        if (!shape.enumPossible) {
            return;
        }
        if (int(text.size()) > m_options.maxEnumValueLength) {
            shape.enumPossible = false;
            return;
        }
        if (std::find(shape.values.begin(), shape.values.end(), text) != shape.values.end()) {
            shape.valueRepeated = true;
        } else if (int(shape.values.size()) == m_options.maxEnumValues) {
            shape.enumPossible = false;
            shape.values.clear();
        } else {
            shape.values.emplace_back(text);
        }
    }

    void observeObject(Shape &shape, const json::Value &object) const
    {
        shape.sawObject = true;
        ++shape.objects;
        for (const json::Member &member : object.members()) {
            const std::string name(member.key.view());
            auto it = shape.propertyIndex.find(name);
            if (it == shape.propertyIndex.end()) {
                it = shape.propertyIndex.emplace(name, shape.properties.size()).first;
                shape.properties.emplace_back(name, std::make_unique<Shape>());
            }
            observe(*shape.properties[it->second].second, member.value);
        }
    }

    // An enum restricts values of every type, so only string-only places get one.
    bool isEnum(const Shape &shape, std::size_t typeCount) const
    {
        return typeCount == 1 && shape.sawString && shape.enumPossible && shape.valueRepeated
               && shape.strings >= m_options.minEnumObservations && !shape.values.empty();
    }

    const InferenceOptions &m_options;
};

SchemaInference::SchemaInference(InferenceOptions options)
    : m_options(options)
    , m_root(std::make_unique<Shape>())
{}

SchemaInference::~SchemaInference() = default;
SchemaInference::SchemaInference(SchemaInference &&) noexcept = default;
SchemaInference &SchemaInference::operator=(SchemaInference &&) noexcept = default;

void SchemaInference::addSample(const json::Value &sample)
{
    ShapeBuilder(m_options).observe(*m_root, sample);
    ++m_samples;
}

int SchemaInference::sampleCount() const
{
    return m_samples;
}

json::Value SchemaInference::schema() const
{
    json::ObjectBuilder schema = json::ObjectBuilder::from(ShapeBuilder(m_options).toSchema(*m_root));
    json::ObjectBuilder withDialect;
    withDialect.insert("$schema", json::Value::string("http://json-schema.org/draft-07/schema#"));
    const json::Value body = schema.build();
    for (const json::Member &member : body.members()) {
        withDialect.insert(member.key, member.value);
    }
    return withDialect.build();
}

json::Value SchemaInference::infer(const QList<json::Value> &samples, InferenceOptions options)
{
    SchemaInference inference(options);
    for (const json::Value &sample : samples) {
        inference.addSample(sample);
    }
    return inference.schema();
}

} // namespace syncline::engine::schema
