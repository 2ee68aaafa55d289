#include "rules.h"

#include "engine/model/problemcodes.h"
#include "engine/model/problemsink.h"
#include "engine/model/shape.h"

#include <QSet>

#include <optional>

namespace syncline::engine::model {

namespace {

using namespace shapes;

const Shape &lookupShape()
{
    static const ShapePtr shape = object({
        required("id", identifier()),
        required("name", nonEmptyText()),
        optional("description", text()),
        required("columns", arrayOf(object({
                                required("name", identifier()),
                                optional("description", text()),
                                optional("system", reference(ObjectKind::System)),
                            }))),
        required("key", nonEmptyText()),
        required("rows", arrayOf(mapOf(text()))),
    });
    return *shape;
}

// The column names, or nothing when a column is malformed (already reported; checking rows
// against a partial list would only repeat it).
std::optional<QStringList> columnNames(ProblemSink &sink, const nlohmann::json &columns)
{
    QStringList names;
    if (!columns.is_array()) {
        return std::nullopt;
    }
    if (columns.size() < 2) {
        sink.add(QStringLiteral("/columns"), kProblemInvalidValue,
                 QStringLiteral("a crosswalk needs at least two columns"));
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const nlohmann::json &column = columns[i];
        if (!column.is_object() || !column.contains("name") || !column["name"].is_string()) {
            return std::nullopt;
        }
        const QString name = QString::fromStdString(column["name"].get<std::string>());
        if (names.contains(name)) {
            sink.add(childPointer(childPointer(QStringLiteral("/columns"), qsizetype(i)),
                                  QStringLiteral("name")),
                     kProblemDuplicateId,
                     QStringLiteral("another column is already named \"%1\"").arg(name));
            continue;
        }
        names.append(name);
    }
    return names;
}

void checkRows(ProblemSink &sink, const nlohmann::json &rows, const QStringList &columns,
               const QString &key)
{
    if (!rows.is_array()) {
        return;
    }
    QSet<QString> keys;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const nlohmann::json &row = rows[i];
        const QString pointer = childPointer(QStringLiteral("/rows"), qsizetype(i));
        if (!row.is_object()) {
            continue;
        }
        for (auto it = row.begin(); it != row.end(); ++it) {
            const QString column = QString::fromStdString(it.key());
            if (!columns.contains(column)) {
                sink.add(childPointer(pointer, column), kProblemUnknownKey,
                         QStringLiteral("\"%1\" is not a column of this lookup; it is kept but "
                                        "never looked up")
                             .arg(column));
            }
        }
        const auto value = row.find(key.toStdString());
        if (value == row.end()) {
            sink.add(pointer, kProblemMissingField,
                     QStringLiteral("the row has no value for the key column \"%1\"").arg(key));
            continue;
        }
        if (!value->is_string()) {
            continue;
        }
        const QString keyValue = QString::fromStdString(value->get<std::string>());
        if (keys.contains(keyValue)) {
            sink.add(childPointer(pointer, key), kProblemDuplicateId,
                     QStringLiteral("another row already has \"%1\" = \"%2\"; lookups must be "
                                    "unambiguous")
                         .arg(key, keyValue));
        }
        keys.insert(keyValue);
    }
}

} // namespace

void checkLookup(ProblemSink &sink, const nlohmann::json &document)
{
    checkShape(sink, document, lookupShape(), QString());
    if (!document.is_object()) {
        return;
    }
    const std::optional<QStringList> parsedColumns =
        columnNames(sink, document.value("columns", nlohmann::json()));
    const auto key = document.find("key");
    if (!parsedColumns || key == document.end() || !key->is_string()) {
        return;
    }
    const QStringList &columns = *parsedColumns;
    const QString keyColumn = QString::fromStdString(key->get<std::string>());
    if (!columns.contains(keyColumn)) {
        sink.add(QStringLiteral("/key"), kProblemMissingReference,
                 QStringLiteral("the key column \"%1\" is not one of the columns").arg(keyColumn));
        return;
    }
    checkRows(sink, document.value("rows", nlohmann::json()), columns, keyColumn);
}

} // namespace syncline::engine::model
