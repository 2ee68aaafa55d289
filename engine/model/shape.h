#pragma once

#include "engine/model/objectkind.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace syncline::engine::model {

class ProblemSink;
struct Shape;
using ShapePtr = std::shared_ptr<const Shape>;

/// One key of an object shape.
struct ShapeField
{
    std::string name;
    ShapePtr shape;
    bool required = false;
};

/// A small declarative description of the JSON a workspace file may hold: the structure the
/// format defines, checked once in checkShape() so that every kind reports unknown keys, missing
/// fields, wrong types and bad values the same way. Rules that span several values (references
/// between nodes, unique names) live with each kind.
struct Shape
{
    enum class Type { Any, String, Integer, Number, Boolean, Object, Array, Map };

    Type type = Type::Any;
    /// Object: the keys it defines.
    std::vector<ShapeField> fields;
    /// Object: whether keys beyond `fields` are allowed (e.g. node settings, owned by the node).
    bool open = false;
    /// Array items or Map values.
    ShapePtr element;
    /// String: the values allowed, when it is an enumeration.
    std::vector<std::string> allowed;
    /// String: names an object of this kind, which must exist.
    std::optional<ObjectKind> reference;
    /// Extra check of a value of the right type: returns "" when fine, else why it is not
    /// (reported as INVALID_VALUE).
    std::function<QString(const nlohmann::json &)> rule;
};

namespace shapes {

ShapePtr anyValue();
ShapePtr text(std::function<QString(const nlohmann::json &)> rule = {});
ShapePtr nonEmptyText();
ShapePtr oneOf(std::vector<std::string> allowed);
ShapePtr reference(ObjectKind kind);
/// An id as the format defines it (see isValidId()).
ShapePtr identifier();
ShapePtr integer(qint64 minimum, qint64 maximum);
ShapePtr number(double minimum, double maximum);
ShapePtr boolean();
ShapePtr object(std::vector<ShapeField> fields, bool open = false);
ShapePtr arrayOf(ShapePtr element);
ShapePtr mapOf(ShapePtr element);

ShapeField required(std::string name, ShapePtr shape);
ShapeField optional(std::string name, ShapePtr shape);

} // namespace shapes

/// Ids of objects, flow nodes and the like: a lower-case letter, then letters, digits and single
/// hyphens ("crm", "dataPlatform", "lead-to-cash"); at most 64 characters.
bool isValidId(const QString &id);

/// Checks `value` (at `pointer`) against `shape`, reporting into `sink`.
void checkShape(ProblemSink &sink, const nlohmann::json &value, const Shape &shape,
                const QString &pointer);

/// "a string", "an object", ... for messages.
QString describeJsonType(const nlohmann::json &value);

/// The known name closest to `name` (small edit distance), or "" — for "did you mean" hints.
QString closestName(const QString &name, const QStringList &known);

/// Whether an unknown key with this name and value looks like a secret written in clear.
bool looksLikeSecret(const QString &key, const nlohmann::json &value);

} // namespace syncline::engine::model
