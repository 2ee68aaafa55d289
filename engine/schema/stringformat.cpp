#include "stringformat.h"

#include <QDate>
#include <QRegularExpression>

namespace syncline::engine::schema {

namespace {

bool isCalendarDate(const QString &text)
{
    // QDate rejects 2023-02-29 and 2024-04-31, which a pattern alone would let through.
    return QDate::fromString(text.left(10), Qt::ISODate).isValid();
}

} // namespace

QString detectStringFormat(std::string_view text)
{
    if (text.size() < 6 || text.size() > 2048) {
        return QString();
    }
    const QString value = QString::fromUtf8(text.data(), qsizetype(text.size()));
    static const QRegularExpression uuid(
        QStringLiteral("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    static const QRegularExpression dateTime(QStringLiteral(
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?"
        "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"));
    static const QRegularExpression date(QStringLiteral("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"));
    static const QRegularExpression email(
        QStringLiteral("^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$"));
    static const QRegularExpression uri(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*://[^\\s]+$"));
    if (uuid.match(value).hasMatch()) {
        return QStringLiteral("uuid");
    }
    if (dateTime.match(value).hasMatch() && isCalendarDate(value)) {
        return QStringLiteral("date-time");
    }
    if (date.match(value).hasMatch() && isCalendarDate(value)) {
        return QStringLiteral("date");
    }
    if (email.match(value).hasMatch()) {
        return QStringLiteral("email");
    }
    if (uri.match(value).hasMatch()) {
        return QStringLiteral("uri");
    }
    return QString();
}

} // namespace syncline::engine::schema
