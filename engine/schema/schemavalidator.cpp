#include "schemavalidator.h"

#include "engine/schema/errormessages.h"
#include "engine/schema/moneyfields.h"
#include "engine/schema/schemalocator.h"
#include "engine/schema/schemaresources.h"
#include "engine/schema/valueadapter.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <map>

namespace syncline::engine::schema {

namespace {

// valijson joins relative document URIs by concatenation; resolve them per RFC 3986.
class Draft7Parser : public valijson::SchemaParser
{
public:
    Draft7Parser()
        : SchemaParser(kDraft7)
    {}

protected:
    std::optional<std::string> resolveDocumentUri(
        const std::optional<std::string> &scope,
        const std::optional<std::string> &documentUri) override
    {
        if (!documentUri) {
            return scope;
        }
        const QString base = scope ? QString::fromStdString(*scope) : QString();
        return SchemaLocator::resolveUri(base, QString::fromStdString(*documentUri)).toStdString();
    }
};

} // namespace

struct SchemaValidator::Compiled
{
    explicit Compiled(const SchemaSet &set)
        : resources(set)
    {}

    SchemaResources resources;
    const nlohmann::json *root = nullptr;
    QString uri;
    bool hasMoneyFields = false; // skip the money walk for schemas without the annotation
    valijson::Schema schema;
};

SchemaValidator::SchemaValidator(std::shared_ptr<const Compiled> compiled)
    : m_compiled(std::move(compiled))
{}

Result<SchemaValidator> SchemaValidator::compile(const json::Value &schema, const SchemaSet &set,
                                                 const QString &uri)
{
    if (!schema.isObject() && !schema.isBool()) {
        return Error::make(QStringLiteral("SCHEMA_INVALID"),
                           QStringLiteral("a schema must be an object or true/false"));
    }
    auto compiled = std::make_shared<Compiled>(set);
    compiled->uri = uri;
    const json::Value id = schema.get("$id");
    if (id.isString()) {
        compiled->uri = SchemaLocator::resolveUri(uri, id.toQString());
        compiled->uri.truncate(compiled->uri.indexOf(u'#') < 0 ? compiled->uri.size()
                                                               : compiled->uri.indexOf(u'#'));
    }
    compiled->root = &compiled->resources.addRoot(json::toNlohmann(schema), compiled->uri);
    if (const auto loop = compiled->resources.findRefLoop()) {
        return Error::make(QStringLiteral("SCHEMA_INVALID"),
                           QStringLiteral("$ref chain never reaches a schema: %1").arg(*loop));
    }
    // valijson resolves a $ref at the very root against the root itself, whatever document it
    // names; reach it through allOf instead (equivalent: siblings of $ref are ignored).
    nlohmann::json entry = *compiled->root;
    if (entry.is_object() && entry.contains("$ref") && entry["$ref"].is_string()) {
        std::string reference = entry["$ref"].get<std::string>();
        if (reference.rfind('#', 0) == 0) {
            reference = SchemaResources::anonymousRootUri().toStdString() + reference;
        }
        entry = {{"allOf", nlohmann::json::array({{{"$ref", reference}}})}};
    }

    QString missing;
    const auto fetch = [&](const std::string &documentUri) -> const nlohmann::json * {
        const QString name = QString::fromStdString(documentUri);
        const nlohmann::json *document = compiled->resources.document(name);
        if (document == nullptr) {
            missing = name;
            return nullptr;
        }
        return new nlohmann::json(*document);
    };
    const auto release = [](const nlohmann::json *document) { delete document; };

    try {
        Draft7Parser parser;
        const valijson::adapters::NlohmannJsonAdapter adapter(entry);
        parser.populateSchema(adapter, compiled->schema, fetch, release);
    } catch (const std::exception &error) {
        if (!missing.isEmpty() && !set.problem(missing).isEmpty()) {
            return Error::make(QStringLiteral("SCHEMA_REF_UNRESOLVED"),
                               QStringLiteral("$ref to \"%1\": the file cannot be used: %2")
                                   .arg(missing, set.problem(missing)));
        }
        if (!missing.isEmpty()) {
            return Error::make(QStringLiteral("SCHEMA_REF_UNRESOLVED"),
                               QStringLiteral("$ref to \"%1\": no such schema in the workspace "
                                              "(references are never fetched from the network)")
                                   .arg(missing));
        }
        return Error::make(QStringLiteral("SCHEMA_INVALID"),
                           QStringLiteral("not a usable draft-07 schema: %1")
                               .arg(QString::fromUtf8(error.what())));
    }
    compiled->resources.forgetSet();
    compiled->hasMoneyFields = compiled->resources.anyDocumentHasKey("x-syncline-money");
    return SchemaValidator(std::move(compiled));
}

// `target` is `instance` as valijson reads it; the messages and the money check walk
// `instance` itself.
template<typename Adapter>
Violations SchemaValidator::validateWith(const Adapter &target, const json::Value &instance) const
{
    const Compiled &compiled = *m_compiled;
    const SchemaLocator locator(*compiled.root, compiled.uri, [&compiled](const QString &uri) {
        return compiled.resources.find(uri);
    });

    valijson::ValidationResults results;
    bool valid = false;
    Violations violations;
    try {
        valijson::Validator validator; // holds a regex cache: one per call keeps this thread-safe
        valid = validator.validate(compiled.schema, target, &results);
        std::vector<RawError> errors;
        valijson::ValidationResults::Error error;
        while (results.popError(error)) {
            errors.push_back(RawError{error.context, error.description});
        }
        violations = describeErrors(errors, instance, locator);
    } catch (const std::exception &error) {
        // A "pattern" std::regex cannot compile, or regex matching ran out of resources.
        violations.append(Violation{QString(), QStringLiteral("pattern"),
                                    QStringLiteral("could not be checked: %1")
                                        .arg(QString::fromUtf8(error.what())),
                                    {}});
        return violations;
    }
    if (!valid && violations.isEmpty()) {
        violations.append(Violation{QString(), QStringLiteral("false"),
                                    QStringLiteral("is not allowed here"), fieldName(locator.atRoot())});
    }
    if (compiled.hasMoneyFields) {
        checkMoneyFields(instance, locator, violations);
    }
    return violations;
}

Violations SchemaValidator::validate(const json::Value &instance) const
{
    return validateWith(ValueAdapter(instance), instance);
}

Violations SchemaValidator::validateConverted(const json::Value &instance) const
{
    const nlohmann::json converted = json::toNlohmann(instance);
    return validateWith(valijson::adapters::NlohmannJsonAdapter(converted), instance);
}

} // namespace syncline::engine::schema
