#include "problem.h"

namespace syncline::engine::model {

QString Problem::toString() const
{
    QString text = file.isEmpty() ? QStringLiteral(".") : file;
    if (!pointer.isEmpty()) {
        text += u':' + pointer;
    }
    text += QStringLiteral(": ") + message;
    if (line > 0) {
        text += QStringLiteral(" (line %1, column %2)").arg(line).arg(column);
    }
    text += QStringLiteral(" [%1]").arg(code);
    return text;
}

nlohmann::json Problem::toJson() const
{
    nlohmann::json json = {
        {"file", file.toStdString()},
        {"pointer", pointer.toStdString()},
        {"message", message.toStdString()},
        {"code", code.toStdString()},
        {"line", line},
        {"column", column},
    };
    if (kind) {
        json["kind"] = kindKey(*kind).toStdString();
        json["objectId"] = objectId.toStdString();
    }
    return json;
}

} // namespace syncline::engine::model
