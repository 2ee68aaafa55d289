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

} // namespace syncline::engine::model
