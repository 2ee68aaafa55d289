#include "rules.h"

#include "engine/model/canonicalschema.h"
#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"
#include "engine/model/shape.h"

#include <QRegularExpression>
#include <QSet>

namespace syncline::engine::model {

namespace {

const char *const kDraft07 = "http://json-schema.org/draft-07/schema#";

enum class Keyword {
    Text,          // $comment, title, description, format, contentMediaType, contentEncoding
    Schema,        // items (or an array), additionalItems, contains, additionalProperties, ...
    SchemaMap,     // properties, definitions, patternProperties
    SchemaList,    // allOf, anyOf, oneOf
    Count,         // minLength, maxItems, ...
    Number,        // minimum, maximum, multipleOf, ...
    Flag,          // readOnly, writeOnly, uniqueItems
    Any,           // default, const
    Special,       // checked by its own code
};

const std::map<std::string, Keyword> &draft07Keywords()
{
    static const std::map<std::string, Keyword> keywords = {
        {"$schema", Keyword::Special},       {"$id", Keyword::Special},
        {"$ref", Keyword::Special},          {"$comment", Keyword::Text},
        {"title", Keyword::Text},            {"description", Keyword::Text},
        {"default", Keyword::Any},           {"readOnly", Keyword::Flag},
        {"writeOnly", Keyword::Flag},        {"examples", Keyword::Special},
        {"multipleOf", Keyword::Number},     {"maximum", Keyword::Number},
        {"exclusiveMaximum", Keyword::Number}, {"minimum", Keyword::Number},
        {"exclusiveMinimum", Keyword::Number}, {"maxLength", Keyword::Count},
        {"minLength", Keyword::Count},       {"pattern", Keyword::Special},
        {"additionalItems", Keyword::Schema}, {"items", Keyword::Special},
        {"maxItems", Keyword::Count},        {"minItems", Keyword::Count},
        {"uniqueItems", Keyword::Flag},      {"contains", Keyword::Schema},
        {"maxProperties", Keyword::Count},   {"minProperties", Keyword::Count},
        {"required", Keyword::Special},      {"additionalProperties", Keyword::Schema},
        {"definitions", Keyword::SchemaMap}, {"properties", Keyword::SchemaMap},
        {"patternProperties", Keyword::SchemaMap}, {"dependencies", Keyword::Special},
        {"propertyNames", Keyword::Schema},  {"const", Keyword::Any},
        {"enum", Keyword::Special},          {"type", Keyword::Special},
        {"format", Keyword::Text},           {"contentMediaType", Keyword::Text},
        {"contentEncoding", Keyword::Text},  {"if", Keyword::Schema},
        {"then", Keyword::Schema},           {"else", Keyword::Schema},
        {"allOf", Keyword::SchemaList},      {"anyOf", Keyword::SchemaList},
        {"oneOf", Keyword::SchemaList},      {"not", Keyword::Schema},
    };
    return keywords;
}

// The Syncline annotations a canonical schema may carry.
const char *const kBusinessKey = "x-syncline-businessKey";
const char *const kOwner = "x-syncline-owner";
const char *const kPii = "x-syncline-pii";
const char *const kMoney = "x-syncline-money";

const QStringList &piiClasses()
{
    static const QStringList classes = {
        QStringLiteral("name"),        QStringLiteral("email"),       QStringLiteral("phone"),
        QStringLiteral("address"),     QStringLiteral("taxId"),       QStringLiteral("cardNumber"),
        QStringLiteral("bankAccount"), QStringLiteral("birthDate"),   QStringLiteral("ipAddress"),
        QStringLiteral("governmentId"), QStringLiteral("freeText"),
    };
    return classes;
}

const QStringList &typeNames()
{
    static const QStringList names = {QStringLiteral("string"),  QStringLiteral("number"),
                                      QStringLiteral("integer"), QStringLiteral("boolean"),
                                      QStringLiteral("object"),  QStringLiteral("array"),
                                      QStringLiteral("null")};
    return names;
}

QString q(const std::string &text)
{
    return QString::fromStdString(text);
}

class SchemaWalker
{
public:
    explicit SchemaWalker(ProblemSink &sink)
        : m_sink(sink)
    {}

    // `siblings` are the property names of the object this schema is a property of (for
    // x-syncline-money's currency field); null when it is not a property.
    void walk(const nlohmann::json &schema, const QString &pointer, const nlohmann::json *siblings)
    {
        if (schema.is_boolean()) {
            return;
        }
        if (!schema.is_object()) {
            m_sink.add(pointer, kProblemWrongType,
                       QStringLiteral("a schema must be an object (or true/false), not %1")
                           .arg(describeJsonType(schema)));
            return;
        }
        for (auto it = schema.begin(); it != schema.end(); ++it) {
            checkKeyword(schema, it.key(), it.value(), childPointer(pointer, q(it.key())), siblings);
        }
    }

private:
    void checkKeyword(const nlohmann::json &schema, const std::string &key,
                      const nlohmann::json &value, const QString &pointer,
                      const nlohmann::json *siblings)
    {
        if (key.rfind("x-syncline-", 0) == 0) {
            checkAnnotation(schema, key, value, pointer, siblings);
            return;
        }
        const auto known = draft07Keywords().find(key);
        if (known == draft07Keywords().end()) {
            reportUnknown(key, value, pointer);
            return;
        }
        switch (known->second) {
        case Keyword::Text:
            expect(value.is_string(), value, pointer, QStringLiteral("a string"));
            break;
        case Keyword::Schema:
            walk(value, pointer, nullptr);
            break;
        case Keyword::SchemaMap:
            walkSchemaMap(key, value, pointer);
            break;
        case Keyword::SchemaList:
            walkSchemaList(value, pointer);
            break;
        case Keyword::Count:
            if (expect(value.is_number_integer(), value, pointer, QStringLiteral("a whole number"))
                && value.get<qint64>() < 0) {
                m_sink.add(pointer, kProblemInvalidValue, QStringLiteral("must not be negative"));
            }
            break;
        case Keyword::Number:
            expect(value.is_number(), value, pointer, QStringLiteral("a number"));
            break;
        case Keyword::Flag:
            expect(value.is_boolean(), value, pointer, QStringLiteral("true or false"));
            break;
        case Keyword::Any:
            break;
        case Keyword::Special:
            checkSpecial(schema, key, value, pointer);
            break;
        }
    }

    void checkSpecial(const nlohmann::json &schema, const std::string &key,
                      const nlohmann::json &value, const QString &pointer)
    {
        if (key == "$schema" || key == "$id") {
            checkRootOnly(key, value, pointer);
        } else if (key == "$ref") {
            checkRef(value, pointer);
        } else if (key == "pattern") {
            checkPattern(value, pointer);
        } else if (key == "items") {
            value.is_array() ? walkSchemaList(value, pointer) : walk(value, pointer, nullptr);
        } else if (key == "required") {
            checkRequired(schema, value, pointer);
        } else if (key == "type") {
            checkType(value, pointer);
        } else if (key == "enum" || key == "examples") {
            if (expect(value.is_array(), value, pointer, QStringLiteral("an array"))
                && key == "enum" && value.empty()) {
                m_sink.add(pointer, kProblemInvalidValue, QStringLiteral("must list at least one value"));
            }
        } else if (key == "dependencies") {
            checkDependencies(value, pointer);
        }
    }

    void checkRootOnly(const std::string &key, const nlohmann::json &value, const QString &pointer)
    {
        if (pointer != childPointer(QString(), q(key))) {
            m_sink.add(pointer, kProblemInvalidValue,
                       QStringLiteral("\"%1\" belongs at the top of the schema only").arg(q(key)));
            return;
        }
        expect(value.is_string(), value, pointer, QStringLiteral("a string"));
    }

    void checkRef(const nlohmann::json &value, const QString &pointer)
    {
        if (!expect(value.is_string(), value, pointer, QStringLiteral("a string"))) {
            return;
        }
        const std::string ref = value.get<std::string>();
        if (ref.empty()) {
            m_sink.add(pointer, kProblemInvalidValue, QStringLiteral("must not be empty"));
            return;
        }
        const QString filePart = q(ref.substr(0, ref.find('#')));
        const QString suffix = kindSuffix(ObjectKind::Canonical);
        const QString targetId = filePart.isEmpty()          ? m_sink.objectId()
                                 : filePart.endsWith(suffix) ? filePart.chopped(suffix.size())
                                                             : filePart;
        // A schema that exists but failed to parse cannot be looked into; its own syntax error
        // is the problem to fix.
        if (!m_sink.workspace().contains(ObjectKind::Canonical, targetId)
            && m_sink.objectExists(ObjectKind::Canonical, targetId)) {
            return;
        }
        QString why;
        if (!resolveSchemaRef(m_sink.workspace(), m_sink.objectId(), ref, &why)) {
            m_sink.add(pointer, kProblemMissingReference,
                       QStringLiteral("$ref \"%1\" does not resolve: %2").arg(q(ref), why));
        }
    }

    void checkPattern(const nlohmann::json &value, const QString &pointer)
    {
        if (!expect(value.is_string(), value, pointer, QStringLiteral("a string"))) {
            return;
        }
        const QRegularExpression pattern(q(value.get<std::string>()));
        if (!pattern.isValid()) {
            m_sink.add(pointer, kProblemInvalidValue,
                       QStringLiteral("is not a valid regular expression: %1").arg(pattern.errorString()));
        }
    }

    void checkRequired(const nlohmann::json &schema, const nlohmann::json &value,
                       const QString &pointer)
    {
        if (!expect(value.is_array(), value, pointer, QStringLiteral("an array of property names"))) {
            return;
        }
        const auto properties = schema.find("properties");
        QSet<QString> seen;
        for (std::size_t i = 0; i < value.size(); ++i) {
            const QString itemPointer = childPointer(pointer, qsizetype(i));
            if (!expect(value[i].is_string(), value[i], itemPointer, QStringLiteral("a string"))) {
                continue;
            }
            const QString name = q(value[i].get<std::string>());
            if (seen.contains(name)) {
                m_sink.add(itemPointer, kProblemDuplicateId,
                           QStringLiteral("\"%1\" is listed twice").arg(name));
            }
            seen.insert(name);
            if (properties != schema.end() && properties->is_object()
                && !properties->contains(value[i].get<std::string>())) {
                m_sink.add(itemPointer, kProblemMissingReference,
                           QStringLiteral("\"%1\" is required but is not one of the properties")
                               .arg(name));
            }
        }
    }

    void checkType(const nlohmann::json &value, const QString &pointer)
    {
        const auto checkName = [this](const nlohmann::json &name, const QString &at) {
            if (!expect(name.is_string(), name, at, QStringLiteral("a type name"))) {
                return;
            }
            if (!typeNames().contains(q(name.get<std::string>()))) {
                m_sink.add(at, kProblemInvalidValue,
                           QStringLiteral("\"%1\" is not a JSON Schema type; allowed: %2")
                               .arg(q(name.get<std::string>()), typeNames().join(QStringLiteral(", "))));
            }
        };
        if (value.is_array()) {
            for (std::size_t i = 0; i < value.size(); ++i) {
                checkName(value[i], childPointer(pointer, qsizetype(i)));
            }
            return;
        }
        checkName(value, pointer);
    }

    void checkDependencies(const nlohmann::json &value, const QString &pointer)
    {
        if (!expect(value.is_object(), value, pointer, QStringLiteral("an object"))) {
            return;
        }
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (!it.value().is_array()) {
                walk(it.value(), childPointer(pointer, q(it.key())), nullptr);
            }
        }
    }

    void walkSchemaMap(const std::string &key, const nlohmann::json &value, const QString &pointer)
    {
        if (!expect(value.is_object(), value, pointer, QStringLiteral("an object of schemas"))) {
            return;
        }
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (key == "patternProperties") {
                checkPattern(nlohmann::json(it.key()), childPointer(pointer, q(it.key())));
            }
            walk(it.value(), childPointer(pointer, q(it.key())), key == "properties" ? &value : nullptr);
        }
    }

    void walkSchemaList(const nlohmann::json &value, const QString &pointer)
    {
        if (!expect(value.is_array(), value, pointer, QStringLiteral("an array of schemas"))) {
            return;
        }
        if (value.empty()) {
            m_sink.add(pointer, kProblemInvalidValue, QStringLiteral("must hold at least one schema"));
        }
        for (std::size_t i = 0; i < value.size(); ++i) {
            walk(value[i], childPointer(pointer, qsizetype(i)), nullptr);
        }
    }

    void checkAnnotation(const nlohmann::json &schema, const std::string &key,
                         const nlohmann::json &value, const QString &pointer,
                         const nlohmann::json *siblings)
    {
        if (key == kOwner) {
            if (expect(value.is_string(), value, pointer, QStringLiteral("a system id"))) {
                m_sink.requireObject(pointer, ObjectKind::System, q(value.get<std::string>()));
            }
        } else if (key == kPii) {
            checkPii(value, pointer);
        } else if (key == kMoney) {
            checkMoney(schema, value, pointer, siblings);
        } else if (key == kBusinessKey) {
            if (pointer != childPointer(QString(), q(key))) {
                m_sink.add(pointer, kProblemInvalidValue,
                           QStringLiteral("the business key is declared at the top of an entity "
                                          "schema only"));
            }
        } else {
            reportUnknown(key, value, pointer);
        }
    }

    void checkPii(const nlohmann::json &value, const QString &pointer)
    {
        if (!expect(value.is_string(), value, pointer, QStringLiteral("a personal-data class"))) {
            return;
        }
        if (!piiClasses().contains(q(value.get<std::string>()))) {
            m_sink.add(pointer, kProblemInvalidValue,
                       QStringLiteral("\"%1\" is not a personal-data class; allowed: %2")
                           .arg(q(value.get<std::string>()), piiClasses().join(QStringLiteral(", "))));
        }
    }

    void checkMoney(const nlohmann::json &schema, const nlohmann::json &value,
                    const QString &pointer, const nlohmann::json *siblings)
    {
        const auto type = schema.find("type");
        if (type == schema.end() || *type != "string") {
            m_sink.add(pointer, kProblemInvalidValue,
                       QStringLiteral("money amounts are exact decimal strings: a property with "
                                      "\"x-syncline-money\" must have \"type\": \"string\""));
        }
        if (!expect(value.is_object(), value, pointer, QStringLiteral("an object"))) {
            return;
        }
        static const ShapePtr shape = shapes::object({shapes::required("currencyField", shapes::nonEmptyText())});
        checkShape(m_sink, value, *shape, pointer);
        const auto field = value.find("currencyField");
        if (field == value.end() || !field->is_string()) {
            return;
        }
        if (!siblings) {
            m_sink.add(pointer, kProblemInvalidValue,
                       QStringLiteral("\"x-syncline-money\" goes on a property, next to the "
                                      "property that holds its currency"));
            return;
        }
        if (!siblings->contains(field->get<std::string>())) {
            m_sink.add(childPointer(pointer, QStringLiteral("currencyField")),
                       kProblemMissingReference,
                       QStringLiteral("the currency field \"%1\" is not a property next to this "
                                      "amount")
                           .arg(q(field->get<std::string>())));
        }
    }

    void reportUnknown(const std::string &key, const nlohmann::json &value, const QString &pointer)
    {
        const QString name = q(key);
        if (looksLikeSecret(name, value)) {
            m_sink.add(pointer, kProblemSecretValue,
                       QStringLiteral("\"%1\" looks like a secret written into the workspace")
                           .arg(name));
            return;
        }
        QStringList known;
        for (const auto &[keyword, kind] : draft07Keywords()) {
            known.append(q(keyword));
        }
        known << QLatin1String(kBusinessKey) << QLatin1String(kOwner) << QLatin1String(kPii)
              << QLatin1String(kMoney);
        QString message =
            QStringLiteral("unknown keyword \"%1\" (not JSON Schema draft-07 nor a Syncline "
                           "annotation); it is kept but has no effect")
                .arg(name);
        if (const QString hint = closestName(name, known); !hint.isEmpty()) {
            message += QStringLiteral(" (did you mean \"%1\"?)").arg(hint);
        }
        m_sink.add(pointer, kProblemUnknownKey, message);
    }

    bool expect(bool ok, const nlohmann::json &value, const QString &pointer, const QString &what)
    {
        if (!ok) {
            m_sink.add(pointer, kProblemWrongType,
                       QStringLiteral("\"%1\" must be %2, not %3")
                           .arg(lastPointerToken(pointer), what, describeJsonType(value)));
        }
        return ok;
    }

    ProblemSink &m_sink;
};

void checkTopLevel(ProblemSink &sink, const nlohmann::json &document)
{
    const auto schema = document.find("$schema");
    if (schema == document.end()) {
        sink.add(QString(), kProblemMissingField,
                 QStringLiteral("the required key \"$schema\" is missing (use \"%1\")")
                     .arg(QLatin1String(kDraft07)));
    } else if (schema->is_string() && *schema != kDraft07) {
        sink.add(QStringLiteral("/$schema"), kProblemInvalidValue,
                 QStringLiteral("canonical schemas are JSON Schema draft-07: use \"%1\"")
                     .arg(QLatin1String(kDraft07)));
    }
    const QString expectedId = sink.objectId() + kindSuffix(ObjectKind::Canonical);
    const auto id = document.find("$id");
    if (id == document.end()) {
        sink.add(QString(), kProblemMissingField,
                 QStringLiteral("the required key \"$id\" is missing (use \"%1\")").arg(expectedId));
    } else if (id->is_string() && q(id->get<std::string>()) != expectedId) {
        sink.add(QStringLiteral("/$id"), kProblemIdMismatch,
                 QStringLiteral("\"$id\" is \"%1\" but the file is %2; they must match")
                     .arg(q(id->get<std::string>()), sink.file()));
    }
    if (!document.contains("title")) {
        sink.add(QString(), kProblemMissingField, QStringLiteral("the required key \"title\" is missing"));
    }
}

// An entity (a schema with properties) needs a business key and a system of record per field.
void checkEntity(ProblemSink &sink, const nlohmann::json &document)
{
    const auto properties = document.find("properties");
    if (properties == document.end() || !properties->is_object()) {
        return;
    }
    if (document.value("type", nlohmann::json()) != "object") {
        sink.add(QString(), kProblemInvalidValue,
                 QStringLiteral("an entity schema (one with \"properties\") must have \"type\": "
                                "\"object\""));
    }
    const auto required = document.find("required");
    const auto isRequired = [&](const std::string &name) {
        return required != document.end() && required->is_array()
               && std::find(required->begin(), required->end(), name) != required->end();
    };
    const auto key = document.find(kBusinessKey);
    if (key == document.end()) {
        sink.add(QString(), kProblemMissingField,
                 QStringLiteral("the required key \"%1\" is missing: name the properties that "
                                "identify this entity across systems")
                     .arg(QLatin1String(kBusinessKey)));
    } else if (!key->is_array() || key->empty()) {
        sink.add(childPointer(QString(), QLatin1String(kBusinessKey)), kProblemWrongType,
                 QStringLiteral("the business key must be a non-empty array of property names"));
    } else {
        for (std::size_t i = 0; i < key->size(); ++i) {
            const QString at = childPointer(childPointer(QString(), QLatin1String(kBusinessKey)), qsizetype(i));
            const nlohmann::json &name = (*key)[i];
            if (!name.is_string()) {
                sink.add(at, kProblemWrongType, QStringLiteral("must be a property name (a string)"));
            } else if (!properties->contains(name.get<std::string>())) {
                sink.add(at, kProblemMissingReference,
                         QStringLiteral("\"%1\" is not one of the properties").arg(q(name.get<std::string>())));
            } else if (!isRequired(name.get<std::string>())) {
                sink.add(at, kProblemInvalidValue,
                         QStringLiteral("business key property \"%1\" must also be \"required\"")
                             .arg(q(name.get<std::string>())));
            }
        }
    }
    if (document.contains(kOwner)) {
        return;
    }
    for (auto it = properties->begin(); it != properties->end(); ++it) {
        if (it.value().is_object() && !it.value().contains(kOwner)) {
            sink.add(childPointer(QStringLiteral("/properties"), q(it.key())), kProblemMissingField,
                     QStringLiteral("no system of record: add \"%1\" here or a default for the "
                                    "whole entity")
                         .arg(QLatin1String(kOwner)));
        }
    }
}

} // namespace

void checkCanonicalSchema(ProblemSink &sink, const nlohmann::json &document)
{
    if (!document.is_object()) {
        sink.add(QString(), kProblemWrongType,
                 QStringLiteral("a canonical schema must be a JSON object, not %1")
                     .arg(describeJsonType(document)));
        return;
    }
    checkTopLevel(sink, document);
    SchemaWalker(sink).walk(document, QString(), nullptr);
    checkEntity(sink, document);
}

} // namespace syncline::engine::model
