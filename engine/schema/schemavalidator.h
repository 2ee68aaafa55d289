#pragma once

#include "engine/core/result.h"
#include "engine/json/value.h"
#include "engine/schema/schemaset.h"
#include "engine/schema/violation.h"

#include <memory>

namespace syncline::engine::schema {

/// A JSON Schema draft-07 schema, compiled once and used to validate many instances.
///
/// Validation is valijson's; this class adds what a finance user needs from it: every
/// violation with the instance's JSON pointer, the failing keyword and a plain message, using
/// the schema's titles, descriptions and x-syncline-* annotations. It also applies the Syncline
/// rule of "x-syncline-money": {"currencyField": "currency"} — the amount must be a decimal
/// string with no more fraction digits than the currency has (ISO 4217).
///
/// `$ref`s resolve against the schema itself and the documents of a SchemaSet, never the
/// network. Formats checked: date, time, date-time; others are annotations only.
///
/// Copies share the compiled schema. validate() is const and may run on several threads at
/// once.
class SchemaValidator
{
public:
    /// Compiles `schema`. `uri` is the schema's own URI, against which relative `$ref`s resolve
    /// (a workspace file name such as "invoice.schema.json", or an absolute URI); its "$id"
    /// takes precedence. Fails with SCHEMA_INVALID (not a usable draft-07 schema) or
    /// SCHEMA_REF_UNRESOLVED (a `$ref` to a document the set does not hold).
    static Result<SchemaValidator> compile(const json::Value &schema, const SchemaSet &set = {},
                                           const QString &uri = {});

    /// Every violation of the instance; empty when it is valid. Reads the instance in place.
    Violations validate(const json::Value &instance) const;
    bool isValid(const json::Value &instance) const { return validate(instance).isEmpty(); }

    /// validate() the way it worked before instances were read in place: a json::toNlohmann()
    /// copy validated through valijson's nlohmann adapter. Gives the same violations, slower;
    /// kept as the reference that tests and bench/schema hold validate() to.
    Violations validateConverted(const json::Value &instance) const;

private:
    struct Compiled;
    explicit SchemaValidator(std::shared_ptr<const Compiled> compiled);

    template<typename Adapter>
    Violations validateWith(const Adapter &target, const json::Value &instance) const;

    std::shared_ptr<const Compiled> m_compiled;
};

} // namespace syncline::engine::schema
