#include "errormessages.h"

#include <QRegularExpression>

#include <algorithm>
#include <map>

namespace syncline::engine::schema {

namespace {

constexpr qsizetype kMaxDescriptionAsName = 80;
constexpr int kMaxListedValues = 8;

struct Classified
{
    QString keyword;    // empty: a wrapper that only reports a failing child
    QString childToken; // the member or element the error is about, when it names one
};

QString captured(const std::string &text, const char *pattern)
{
    const QRegularExpression expression(QString::fromLatin1(pattern));
    return expression.match(QString::fromStdString(text)).captured(1);
}

bool startsWith(const std::string &text, const char *prefix)
{
    return text.rfind(prefix, 0) == 0;
}

Classified classify(const std::string &d)
{
    struct Rule
    {
        const char *prefix;
        const char *keyword;
    };
    // valijson's descriptions (validation_visitor.hpp), most specific first.
    static const Rule kRules[] = {
        {"Failed to validate against any schemas allowed by anyOf", "anyOf"},
        {"Failed to validate against any child schemas allowed by oneOf", "oneOf"},
        {"Failed to validate against exactly one child schema", "oneOf"},
        {"Target should not validate against schema specified in 'not'", "not"},
        {"Failed to match expected value set by 'const'", "const"},
        {"Failed to any values against subschema in 'contains'", "contains"},
        {"Failed to match against any enum values", "enum"},
        {"String should be a valid", "format"},
        {"Array contains more items than allowed by items", "additionalItems"},
        {"Cannot validate item #", "additionalItems"},
        {"Expected number less than or equal to", "maximum"},
        {"Expected number less than", "exclusiveMaximum"},
        {"Expected number greater than or equal to", "minimum"},
        {"Expected number greater than", "exclusiveMinimum"},
        {"Array should contain no more than", "maxItems"},
        {"Array should contain no fewer than", "minItems"},
        {"String should be no more than", "maxLength"},
        {"String should be no fewer than", "minLength"},
        {"Object should have no more than", "maxProperties"},
        {"Object should have no fewer than", "minProperties"},
        {"Value should be a multiple of", "multipleOf"},
        {"Value could not be converted", "multipleOf"},
        {"Failed to match regex specified by 'pattern'", "pattern"},
        {"Value type not permitted by 'type'", "type"},
        {"Target value and comparison value are not equal", "const"},
        {"Missing dependency", "dependencies"},
    };
    if (startsWith(d, "Missing required property '")) {
        return {QStringLiteral("required"), captured(d, "^Missing required property '(.*)'\\.$")};
    }
    if (startsWith(d, "Object contains a property that could not be validated")) {
        return {QStringLiteral("additionalProperties"), captured(d, ": '(.*)'\\.$")};
    }
    if (startsWith(d, "Elements at indexes #")) {
        return {QStringLiteral("uniqueItems"), captured(d, "and #([0-9]+)")};
    }
    // Wrappers: the failing child's own errors are listed separately.
    if (startsWith(d, "Failed to validate against schema associated with property name '")) {
        return {QString(), captured(d, "property name '(.*)'\\.$")};
    }
    if (startsWith(d, "Failed to validate item #")) {
        return {QString(), captured(d, "^Failed to validate item #([0-9]+)")};
    }
    for (const Rule &rule : kRules) {
        if (startsWith(d, rule.prefix)) {
            return {QString::fromLatin1(rule.keyword), QString()};
        }
    }
    return {QString(), QString()};
}

QString escapeToken(QString token)
{
    token.replace(u'~', QStringLiteral("~0"));
    token.replace(u'/', QStringLiteral("~1"));
    return token;
}

// valijson's context to pointer tokens; "[x]" is a member name or an index depending on the
// instance, which is walked alongside.
QStringList tokensOf(const std::vector<std::string> &context)
{
    QStringList tokens;
    for (std::size_t i = 1; i < context.size(); ++i) {
        const std::string &part = context[i];
        tokens.append(QString::fromStdString(part.size() >= 2 ? part.substr(1, part.size() - 2) : part));
    }
    return tokens;
}

QString pointerOf(const QStringList &tokens)
{
    QString pointer;
    for (const QString &token : tokens) {
        pointer += u'/' + escapeToken(token);
    }
    return pointer;
}

QString jsonText(const nlohmann::json &value)
{
    return QString::fromStdString(value.dump());
}

QString typeWord(const std::string &type)
{
    static const std::map<std::string, const char *> kWords = {
        {"string", "text"},         {"number", "a number"},  {"integer", "a whole number"},
        {"boolean", "true or false"}, {"object", "an object"}, {"array", "a list"},
        {"null", "empty (null)"},
    };
    const auto it = kWords.find(type);
    return it == kWords.end() ? QString::fromStdString(type) : QString::fromLatin1(it->second);
}

QString typeMessage(const nlohmann::json *type)
{
    if (type == nullptr) {
        return QStringLiteral("has the wrong type");
    }
    QStringList words;
    if (type->is_string()) {
        words.append(typeWord(type->get<std::string>()));
    } else if (type->is_array()) {
        for (const nlohmann::json &item : *type) {
            if (item.is_string()) {
                words.append(typeWord(item.get<std::string>()));
            }
        }
    }
    return QStringLiteral("must be %1").arg(words.join(QStringLiteral(" or ")));
}

QString listOfValues(const nlohmann::json &values)
{
    QStringList texts;
    for (const nlohmann::json &value : values) {
        if (texts.size() == kMaxListedValues) {
            texts.append(QStringLiteral("…"));
            break;
        }
        texts.append(jsonText(value));
    }
    return texts.join(QStringLiteral(", "));
}

QString number(const nlohmann::json *value, const std::string &description)
{
    if (value != nullptr && value->is_number()) {
        return jsonText(*value);
    }
    // valijson prints with std::to_string ("10.000000"); trim it.
    QString text = captured(description, "([-0-9.]+)\\.?$");
    if (text.contains(u'.')) {
        while (text.endsWith(u'0')) {
            text.chop(1);
        }
        if (text.endsWith(u'.')) {
            text.chop(1);
        }
    }
    return text;
}

QString formatMessage(const nlohmann::json *format)
{
    const std::string name = format != nullptr && format->is_string() ? format->get<std::string>()
                                                                      : std::string();
    if (name == "date-time") {
        return QStringLiteral("must be a date and time like 2024-01-31T09:30:00Z");
    }
    if (name == "date") {
        return QStringLiteral("must be a date like 2024-01-31");
    }
    if (name == "time") {
        return QStringLiteral("must be a time like 09:30:00Z");
    }
    return QStringLiteral("must be a valid %1").arg(QString::fromStdString(name));
}

QString messageFor(const QString &keyword, const std::string &description,
                   const QList<SchemaLocator::Node> &nodes)
{
    const std::string key = keyword.toStdString();
    const nlohmann::json *value = SchemaLocator::find(nodes, key.c_str());
    if (keyword == u"type") {
        return typeMessage(value);
    }
    if (keyword == u"enum") {
        return value && value->is_array()
                   ? QStringLiteral("must be one of: %1").arg(listOfValues(*value))
                   : QStringLiteral("is not one of the allowed values");
    }
    if (keyword == u"const") {
        return value ? QStringLiteral("must be exactly %1").arg(jsonText(*value))
                     : QStringLiteral("is not the required value");
    }
    if (keyword == u"minimum") {
        return QStringLiteral("must be at least %1").arg(number(value, description));
    }
    if (keyword == u"maximum") {
        return QStringLiteral("must be at most %1").arg(number(value, description));
    }
    if (keyword == u"exclusiveMinimum") {
        return QStringLiteral("must be more than %1").arg(number(value, description));
    }
    if (keyword == u"exclusiveMaximum") {
        return QStringLiteral("must be less than %1").arg(number(value, description));
    }
    if (keyword == u"multipleOf") {
        return QStringLiteral("must be a multiple of %1").arg(number(value, description));
    }
    if (keyword == u"minLength") {
        return QStringLiteral("must be at least %1 characters long").arg(number(value, description));
    }
    if (keyword == u"maxLength") {
        return QStringLiteral("must be at most %1 characters long").arg(number(value, description));
    }
    if (keyword == u"minItems") {
        return QStringLiteral("must have at least %1 entries").arg(number(value, description));
    }
    if (keyword == u"maxItems") {
        return QStringLiteral("must have at most %1 entries").arg(number(value, description));
    }
    if (keyword == u"minProperties") {
        return QStringLiteral("must have at least %1 fields").arg(number(value, description));
    }
    if (keyword == u"maxProperties") {
        return QStringLiteral("must have at most %1 fields").arg(number(value, description));
    }
    if (keyword == u"format") {
        return formatMessage(value);
    }
    if (keyword == u"pattern") {
        if (SchemaLocator::find(nodes, "x-syncline-money") != nullptr) {
            return QStringLiteral("must be a decimal amount written as text, like \"12.30\"");
        }
        if (!fieldName(nodes).isEmpty()) {
            return QStringLiteral("does not have the expected form");
        }
        return value ? QStringLiteral("must match the pattern %1").arg(jsonText(*value))
                     : QStringLiteral("does not have the expected form");
    }
    if (keyword == u"required") {
        return QStringLiteral("is required but missing");
    }
    if (keyword == u"additionalProperties") {
        return QStringLiteral("is not an allowed field here");
    }
    if (keyword == u"additionalItems") {
        return QStringLiteral("has more entries than allowed");
    }
    if (keyword == u"uniqueItems") {
        return QStringLiteral("repeats an earlier entry; entries must be unique");
    }
    if (keyword == u"dependencies") {
        return QStringLiteral("needs the field \"%1\" as well")
            .arg(captured(description, "^Missing dependency '(.*)'\\.$"));
    }
    if (keyword == u"contains") {
        return QStringLiteral("must contain at least one matching entry");
    }
    if (keyword == u"anyOf") {
        return QStringLiteral("does not match any of the allowed forms");
    }
    if (keyword == u"oneOf") {
        return QStringLiteral("must match exactly one of the allowed forms");
    }
    if (keyword == u"not") {
        return QStringLiteral("has a form that is not allowed");
    }
    if (keyword == u"false") {
        return QStringLiteral("is not allowed here");
    }
    return QString::fromStdString(description);
}

bool hasErrorBelow(const QList<Violation> &violations, const QString &pointer)
{
    for (const Violation &violation : violations) {
        if (violation.pointer == pointer || violation.pointer.startsWith(pointer + u'/')) {
            return true;
        }
    }
    return false;
}

} // namespace

QString fieldName(const QList<SchemaLocator::Node> &nodes)
{
    if (const nlohmann::json *title = SchemaLocator::find(nodes, "title");
        title && title->is_string()) {
        return QString::fromStdString(title->get<std::string>());
    }
    if (const nlohmann::json *description = SchemaLocator::find(nodes, "description");
        description && description->is_string()) {
        const QString text = QString::fromStdString(description->get<std::string>());
        if (text.size() <= kMaxDescriptionAsName) {
            return text;
        }
    }
    return QString();
}

Violations describeErrors(const std::vector<RawError> &errors, const json::Value &instance,
                          const SchemaLocator &locator)
{
    Violations violations;
    std::vector<std::pair<QStringList, QString>> wrappers; // (parent tokens, child token)
    for (const RawError &error : errors) {
        const Classified kind = classify(error.description);
        QStringList tokens = tokensOf(error.context);
        if (kind.keyword.isEmpty()) {
            if (!kind.childToken.isEmpty()) {
                wrappers.emplace_back(tokens, kind.childToken);
            }
            continue;
        }
        const bool namesMember = kind.keyword == u"required" || kind.keyword == u"additionalProperties"
                                 || kind.keyword == u"uniqueItems";
        QList<SchemaLocator::Node> nodes = locator.at(instance, tokens);
        const QString message = messageFor(kind.keyword, error.description, nodes);
        if (namesMember && !kind.childToken.isEmpty()) {
            tokens.append(kind.childToken);
            nodes = locator.at(instance, tokens);
        }
        Violation violation{pointerOf(tokens), kind.keyword, message, fieldName(nodes)};
        const bool duplicate = std::any_of(violations.begin(), violations.end(), [&](const Violation &v) {
            return v.pointer == violation.pointer && v.keyword == violation.keyword
                   && v.message == violation.message;
        });
        if (!duplicate) {
            violations.append(violation);
        }
    }
    // A child that failed without an error of its own is a `false` schema.
    for (const auto &[parent, child] : wrappers) {
        QStringList tokens = parent;
        tokens.append(child);
        const QString pointer = pointerOf(tokens);
        if (!hasErrorBelow(violations, pointer)) {
            violations.append(Violation{pointer, QStringLiteral("false"),
                                        messageFor(QStringLiteral("false"), {}, {}),
                                        fieldName(locator.at(instance, tokens))});
        }
    }
    return violations;
}

} // namespace syncline::engine::schema
