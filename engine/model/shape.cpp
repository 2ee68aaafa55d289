#include "shape.h"

#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"

#include <QRegularExpression>
#include <QStringList>

#include <limits>

namespace syncline::engine::model {

namespace shapes {

namespace {

ShapePtr make(Shape shape)
{
    return std::make_shared<const Shape>(std::move(shape));
}

} // namespace

ShapePtr anyValue()
{
    return make(Shape{});
}

ShapePtr text(std::function<QString(const nlohmann::json &)> rule)
{
    Shape shape;
    shape.type = Shape::Type::String;
    shape.rule = std::move(rule);
    return make(std::move(shape));
}

ShapePtr nonEmptyText()
{
    return text([](const nlohmann::json &value) {
        return QString::fromStdString(value.get<std::string>()).trimmed().isEmpty()
                   ? QStringLiteral("must not be empty")
                   : QString();
    });
}

ShapePtr oneOf(std::vector<std::string> allowed)
{
    Shape shape;
    shape.type = Shape::Type::String;
    shape.allowed = std::move(allowed);
    return make(std::move(shape));
}

ShapePtr reference(ObjectKind kind)
{
    Shape shape;
    shape.type = Shape::Type::String;
    shape.reference = kind;
    return make(std::move(shape));
}

ShapePtr identifier()
{
    return text([](const nlohmann::json &value) {
        const QString id = QString::fromStdString(value.get<std::string>());
        return isValidId(id) ? QString()
                             : QStringLiteral("is \"%1\", which is not a valid id: start with a "
                                              "lower-case letter, then use letters, digits and "
                                              "single hyphens (at most 64 characters)")
                                   .arg(id);
    });
}

ShapePtr integer(qint64 minimum, qint64 maximum)
{
    Shape shape;
    shape.type = Shape::Type::Integer;
    shape.rule = [minimum, maximum](const nlohmann::json &value) {
        const double number = value.get<double>();
        if (number < double(minimum) || number > double(maximum)) {
            return QStringLiteral("must be between %1 and %2").arg(minimum).arg(maximum);
        }
        return QString();
    };
    return make(std::move(shape));
}

ShapePtr number(double minimum, double maximum)
{
    Shape shape;
    shape.type = Shape::Type::Number;
    shape.rule = [minimum, maximum](const nlohmann::json &value) {
        const double number = value.get<double>();
        if (number < minimum || number > maximum) {
            return QStringLiteral("must be between %1 and %2").arg(minimum).arg(maximum);
        }
        return QString();
    };
    return make(std::move(shape));
}

ShapePtr boolean()
{
    Shape shape;
    shape.type = Shape::Type::Boolean;
    return make(std::move(shape));
}

ShapePtr object(std::vector<ShapeField> fields, bool open)
{
    Shape shape;
    shape.type = Shape::Type::Object;
    shape.fields = std::move(fields);
    shape.open = open;
    return make(std::move(shape));
}

ShapePtr arrayOf(ShapePtr element)
{
    Shape shape;
    shape.type = Shape::Type::Array;
    shape.element = std::move(element);
    return make(std::move(shape));
}

ShapePtr mapOf(ShapePtr element)
{
    Shape shape;
    shape.type = Shape::Type::Map;
    shape.element = std::move(element);
    return make(std::move(shape));
}

ShapeField required(std::string name, ShapePtr shape)
{
    return ShapeField{std::move(name), std::move(shape), true};
}

ShapeField optional(std::string name, ShapePtr shape)
{
    return ShapeField{std::move(name), std::move(shape), false};
}

} // namespace shapes

namespace {

QString expectedType(Shape::Type type)
{
    switch (type) {
    case Shape::Type::String:
        return QStringLiteral("a string");
    case Shape::Type::Integer:
        return QStringLiteral("a whole number");
    case Shape::Type::Number:
        return QStringLiteral("a number");
    case Shape::Type::Boolean:
        return QStringLiteral("true or false");
    case Shape::Type::Object:
    case Shape::Type::Map:
        return QStringLiteral("an object");
    case Shape::Type::Array:
        return QStringLiteral("an array");
    case Shape::Type::Any:
        break;
    }
    return QStringLiteral("any value");
}

bool hasType(const nlohmann::json &value, Shape::Type type)
{
    switch (type) {
    case Shape::Type::Any:
        return true;
    case Shape::Type::String:
        return value.is_string();
    case Shape::Type::Integer:
        return value.is_number_integer();
    case Shape::Type::Number:
        return value.is_number();
    case Shape::Type::Boolean:
        return value.is_boolean();
    case Shape::Type::Object:
    case Shape::Type::Map:
        return value.is_object();
    case Shape::Type::Array:
        return value.is_array();
    }
    return false;
}

// How to name the value at `pointer` in a message: "\"rateLimit\"", "item 3 of \"nodes\"", ...
QString subject(const QString &pointer)
{
    if (pointer.isEmpty()) {
        return QStringLiteral("the document");
    }
    const QString token = lastPointerToken(pointer);
    bool isIndex = false;
    token.toUInt(&isIndex);
    const QString parent = pointer.left(pointer.lastIndexOf(u'/'));
    if (isIndex && !parent.isEmpty()) {
        return QStringLiteral("item %1 of \"%2\"").arg(token, lastPointerToken(parent));
    }
    return QStringLiteral("\"%1\"").arg(token);
}

void checkObjectFields(ProblemSink &sink, const nlohmann::json &value, const Shape &shape,
                       const QString &pointer)
{
    QStringList known;
    for (const ShapeField &field : shape.fields) {
        known.append(QString::fromStdString(field.name));
        const auto it = value.find(field.name);
        if (it == value.end()) {
            if (field.required) {
                sink.add(pointer, kProblemMissingField,
                         QStringLiteral("the required key \"%1\" is missing")
                             .arg(QString::fromStdString(field.name)));
            }
            continue;
        }
        checkShape(sink, *it, *field.shape, childPointer(pointer, known.constLast()));
    }
    if (shape.open) {
        return;
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
        const QString key = QString::fromStdString(it.key());
        if (known.contains(key)) {
            continue;
        }
        const QString keyPointer = childPointer(pointer, key);
        if (looksLikeSecret(key, it.value())) {
            sink.add(keyPointer, kProblemSecretValue,
                     QStringLiteral("\"%1\" looks like a secret written into the workspace; keep "
                                    "secrets in the secret store and name them with a "
                                    "\"secretRef\"")
                         .arg(key));
            continue;
        }
        QString message = QStringLiteral("unknown key \"%1\"; it is kept but has no effect").arg(key);
        if (const QString hint = closestName(key, known); !hint.isEmpty()) {
            message += QStringLiteral(" (did you mean \"%1\"?)").arg(hint);
        }
        sink.add(keyPointer, kProblemUnknownKey, message);
    }
}

int editDistance(const QString &a, const QString &b)
{
    std::vector<int> previous(std::size_t(b.size()) + 1);
    std::vector<int> current(previous.size());
    for (std::size_t j = 0; j < previous.size(); ++j) {
        previous[j] = int(j);
    }
    for (qsizetype i = 1; i <= a.size(); ++i) {
        current[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int substitution = previous[std::size_t(j - 1)]
                                     + (a.at(i - 1).toLower() == b.at(j - 1).toLower() ? 0 : 1);
            current[std::size_t(j)] = std::min({previous[std::size_t(j)] + 1,
                                                current[std::size_t(j - 1)] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous.back();
}

} // namespace

bool isValidId(const QString &id)
{
    static const QRegularExpression pattern(
        QStringLiteral("^[a-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$"));
    return id.size() <= 64 && pattern.match(id).hasMatch();
}

void checkShape(ProblemSink &sink, const nlohmann::json &value, const Shape &shape,
                const QString &pointer)
{
    if (!hasType(value, shape.type)) {
        sink.add(pointer, kProblemWrongType,
                 QStringLiteral("%1 must be %2, not %3")
                     .arg(subject(pointer), expectedType(shape.type), describeJsonType(value)));
        return;
    }
    if (!shape.allowed.empty()) {
        const std::string &text = value.get_ref<const std::string &>();
        if (std::find(shape.allowed.begin(), shape.allowed.end(), text) == shape.allowed.end()) {
            QStringList allowed;
            for (const std::string &option : shape.allowed) {
                allowed.append(QString::fromStdString(option));
            }
            sink.add(pointer, kProblemInvalidValue,
                     QStringLiteral("%1 is \"%2\"; allowed: %3")
                         .arg(subject(pointer), QString::fromStdString(text),
                              allowed.join(QStringLiteral(", "))));
        }
    }
    if (shape.reference) {
        sink.requireObject(pointer, *shape.reference,
                           QString::fromStdString(value.get_ref<const std::string &>()));
    }
    if (shape.rule) {
        if (const QString why = shape.rule(value); !why.isEmpty()) {
            sink.add(pointer, kProblemInvalidValue, QStringLiteral("%1 %2").arg(subject(pointer), why));
        }
    }
    switch (shape.type) {
    case Shape::Type::Object:
        checkObjectFields(sink, value, shape, pointer);
        break;
    case Shape::Type::Array:
        for (std::size_t i = 0; i < value.size(); ++i) {
            checkShape(sink, value[i], *shape.element, childPointer(pointer, qsizetype(i)));
        }
        break;
    case Shape::Type::Map:
        for (auto it = value.begin(); it != value.end(); ++it) {
            checkShape(sink, it.value(), *shape.element,
                       childPointer(pointer, QString::fromStdString(it.key())));
        }
        break;
    default:
        break;
    }
}

QString describeJsonType(const nlohmann::json &value)
{
    switch (value.type()) {
    case nlohmann::json::value_t::null:
        return QStringLiteral("null");
    case nlohmann::json::value_t::boolean:
        return QStringLiteral("true/false");
    case nlohmann::json::value_t::string:
        return QStringLiteral("a string");
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
        return QStringLiteral("a whole number");
    case nlohmann::json::value_t::number_float:
        return QStringLiteral("a number");
    case nlohmann::json::value_t::object:
        return QStringLiteral("an object");
    case nlohmann::json::value_t::array:
        return QStringLiteral("an array");
    default:
        break;
    }
    return QStringLiteral("binary data");
}

QString closestName(const QString &name, const QStringList &known)
{
    QString best;
    int bestDistance = std::max<int>(2, int(name.size()) / 3) + 1;
    for (const QString &candidate : known) {
        const int distance = editDistance(name, candidate);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

bool looksLikeSecret(const QString &key, const nlohmann::json &value)
{
    if (!value.is_string() || value.get_ref<const std::string &>().empty()) {
        return false;
    }
    static const QRegularExpression pattern(
        QStringLiteral("(password|passwd|secret|token|apikey|api_key|api-key|privatekey|"
                       "private_key|credential)$"),
        QRegularExpression::CaseInsensitiveOption);
    return pattern.match(key).hasMatch();
}

} // namespace syncline::engine::model
