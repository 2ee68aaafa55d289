#include "intakerefusal.h"

namespace syncline::engine::json {

QString reasonCode(IntakeReason reason)
{
    switch (reason) {
    case IntakeReason::JsonSyntax:
        return QStringLiteral("JSON_SYNTAX");
    case IntakeReason::TrailingContent:
        return QStringLiteral("TRAILING_CONTENT");
    case IntakeReason::Utf8Invalid:
        return QStringLiteral("UTF8_INVALID");
    case IntakeReason::NulByte:
        return QStringLiteral("NUL_BYTE");
    case IntakeReason::DepthLimit:
        return QStringLiteral("DEPTH_LIMIT");
    case IntakeReason::SizeLimit:
        return QStringLiteral("SIZE_LIMIT");
    case IntakeReason::DupKey:
        return QStringLiteral("DUP_KEY");
    case IntakeReason::NumberPrecision:
        return QStringLiteral("NUMBER_PRECISION");
    }
    return QStringLiteral("JSON_SYNTAX");
}

QString IntakeRefusal::describe() const
{
    QString text = QStringLiteral("%1 at line %2, column %3 (byte %4)")
                       .arg(code())
                       .arg(line)
                       .arg(column)
                       .arg(byteOffset);
    if (pointer) {
        text += QStringLiteral(" in %1").arg(pointer->isEmpty() ? QStringLiteral("the top-level value")
                                                                  : *pointer);
    }
    return text + QStringLiteral(": ") + message;
}

Error IntakeRefusal::toError() const
{
    return Error::make(code(), describe(), false);
}

} // namespace syncline::engine::json
