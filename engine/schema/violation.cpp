#include "violation.h"

namespace syncline::engine::schema {

QString Violation::text() const
{
    const QString where = pointer.isEmpty() ? QStringLiteral("(document)") : pointer;
    if (field.isEmpty()) {
        return QStringLiteral("%1: %2").arg(where, message);
    }
    return QStringLiteral("%1 (%2): %3").arg(where, field, message);
}

} // namespace syncline::engine::schema
