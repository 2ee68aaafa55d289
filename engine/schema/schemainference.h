#pragma once

#include "engine/json/value.h"

#include <QList>

#include <memory>

namespace syncline::engine::schema {

/// Tuning for SchemaInference.
struct InferenceOptions
{
    /// A string member becomes an enum when it took at most this many distinct values...
    int maxEnumValues = 6;
    /// ...over at least this many observations, with at least one value seen twice (so that
    /// one sample never turns its ids into an enum).
    int minEnumObservations = 4;
    /// Longer strings are never enum values.
    int maxEnumValueLength = 40;
};

/// Infers a JSON Schema draft-07 from sample payloads, for the mapper's source tree and as a
/// starting point for a canonical schema:
/// - types per location, "integer" when every number was written without fraction or exponent;
///   several types become a type list, so a member that was sometimes null is nullable;
/// - objects: properties in first-seen order; "required" lists only the members present every
///   time that object was seen;
/// - arrays: the elements of every array at that place merged into one "items" schema;
/// - strings: "format" (date-time, date, email, uri, uuid) when every value had it; small enums
///   per InferenceOptions.
/// No sample values are copied into the schema except enum members. Every sample validates
/// against the schema inferred from it. Not thread-safe while samples are added.
class SchemaInference
{
public:
    explicit SchemaInference(InferenceOptions options = {});
    ~SchemaInference();
    SchemaInference(SchemaInference &&) noexcept;
    SchemaInference &operator=(SchemaInference &&) noexcept;

    void addSample(const json::Value &sample);
    int sampleCount() const;
    /// The schema for the samples so far ({"$schema": ...} alone when there are none).
    json::Value schema() const;

    static json::Value infer(const QList<json::Value> &samples, InferenceOptions options = {});

private:
    friend class ShapeBuilder;
    struct Shape;
    InferenceOptions m_options;
    std::unique_ptr<Shape> m_root;
    int m_samples = 0;
};

} // namespace syncline::engine::schema
