#include "engine/runtime/cronexpression.h"

#include <QDateTime>
#include <QStringList>

namespace syncline::engine::runtime {

namespace {

constexpr int kSearchDays = 5 * 366;

struct FieldSpec
{
    const char *name;
    int minimum;
    int maximum;
    const char *const *names; // index 0 is the value `nameBase`
    int nameCount;
    int nameBase;
};

constexpr const char *kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char *kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kFields[] = {
    {"minute", 0, 59, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, 0, 0},
    {"day of month", 1, 31, nullptr, 0, 0},
    {"month", 1, 12, kMonthNames, 12, 1},
    {"day of week", 0, 7, kDayNames, 7, 0},
};

Error cronError(const QString &text, const QString &why)
{
    return Error::make(QStringLiteral("CRON_INVALID"),
                       QStringLiteral("\"%1\" is not a cron expression: %2").arg(text, why));
}

std::optional<int> fieldValue(const FieldSpec &spec, const QString &token)
{
    bool ok = false;
    const int number = token.toInt(&ok);
    if (ok) {
        return number >= spec.minimum && number <= spec.maximum ? std::optional(number)
                                                                : std::nullopt;
    }
    for (int i = 0; i < spec.nameCount; ++i) {
        if (token.compare(QLatin1String(spec.names[i]), Qt::CaseInsensitive) == 0) {
            return spec.nameBase + i;
        }
    }
    return std::nullopt;
}

// One field ("1-5", "*/15", "MON,WED") into the set of values it allows.
Result<std::vector<bool>> parseField(const FieldSpec &spec, const QString &field,
                                     const QString &text)
{
    std::vector<bool> allowed(size_t(spec.maximum) + 1, false);
    const auto bad = [&](const QString &part) {
        return cronError(text, QStringLiteral("the %1 field has \"%2\" (allowed %3–%4)")
                                   .arg(QLatin1String(spec.name), part)
                                   .arg(spec.minimum)
                                   .arg(spec.maximum));
    };
    for (const QString &part : field.split(u',')) {
        QString range = part;
        int step = 1;
        if (const qsizetype slash = part.indexOf(u'/'); slash >= 0) {
            bool ok = false;
            step = part.mid(slash + 1).toInt(&ok);
            if (!ok || step < 1) {
                return bad(part);
            }
            range = part.left(slash);
        }
        int first = spec.minimum;
        int last = spec.maximum;
        if (range != QLatin1String("*")) {
            const qsizetype dash = range.indexOf(u'-');
            const std::optional<int> from = fieldValue(spec, dash < 0 ? range : range.left(dash));
            // "5/15" runs from 5 to the end of the field in steps of 15.
            const std::optional<int> open = part.contains(u'/') ? std::optional(spec.maximum)
                                                                : from;
            const std::optional<int> to = dash < 0 ? open : fieldValue(spec, range.mid(dash + 1));
            if (!from || !to || *from > *to) {
                return bad(part);
            }
            first = *from;
            last = *to;
        }
        for (int v = first; v <= last; v += step) {
            allowed[size_t(v)] = true;
        }
    }
    return allowed;
}

QString expandShorthand(const QString &text)
{
    static const QHash<QString, QString> shorthands = {
        {QStringLiteral("@hourly"), QStringLiteral("0 * * * *")},
        {QStringLiteral("@daily"), QStringLiteral("0 0 * * *")},
        {QStringLiteral("@midnight"), QStringLiteral("0 0 * * *")},
        {QStringLiteral("@weekly"), QStringLiteral("0 0 * * 0")},
        {QStringLiteral("@monthly"), QStringLiteral("0 0 1 * *")},
        {QStringLiteral("@yearly"), QStringLiteral("0 0 1 1 *")},
        {QStringLiteral("@annually"), QStringLiteral("0 0 1 1 *")},
    };
    return shorthands.value(text.toLower(), text);
}

} // namespace

Result<CronExpression> CronExpression::parse(const QString &text)
{
    const QString expanded = expandShorthand(text.trimmed());
    const QStringList fields = expanded.split(u' ', Qt::SkipEmptyParts);
    if (fields.size() != 5) {
        return cronError(text, QStringLiteral("it needs five fields (minute hour day-of-month "
                                              "month day-of-week), it has %1")
                                   .arg(fields.size()));
    }
    CronExpression cron;
    cron.m_text = text.trimmed();
    std::vector<bool> values[5];
    for (int i = 0; i < 5; ++i) {
        Result<std::vector<bool>> parsed = parseField(kFields[i], fields[i], text);
        if (!parsed) {
            return parsed.error();
        }
        values[i] = std::move(*parsed);
    }
    for (int v = 0; v < 60; ++v) {
        cron.m_minutes[size_t(v)] = values[0][size_t(v)];
    }
    for (int v = 0; v < 24; ++v) {
        cron.m_hours[size_t(v)] = values[1][size_t(v)];
    }
    for (int v = 1; v <= 31; ++v) {
        cron.m_days[size_t(v)] = values[2][size_t(v)];
    }
    for (int v = 1; v <= 12; ++v) {
        cron.m_months[size_t(v)] = values[3][size_t(v)];
    }
    for (int v = 0; v <= 7; ++v) {
        if (values[4][size_t(v)]) {
            cron.m_weekdays[size_t(v % 7)] = true;
        }
    }
    cron.m_daysRestricted = !fields[2].startsWith(u'*');
    cron.m_weekdaysRestricted = !fields[4].startsWith(u'*');
    if (cron.m_minutes.none() || cron.m_hours.none()) {
        return cronError(text, QStringLiteral("it never runs"));
    }
    return cron;
}

bool CronExpression::dayMatches(const QDate &date) const
{
    if (!m_months[size_t(date.month())]) {
        return false;
    }
    const bool day = m_days[size_t(date.day())];
    const bool weekday = m_weekdays[size_t(date.dayOfWeek() % 7)];
    if (m_daysRestricted && m_weekdaysRestricted) {
        return day || weekday;
    }
    return day && weekday;
}

qint64 CronExpression::instant(const QDate &date, int hour, int minute, const QTimeZone &zone)
{
    QDateTime local(date, QTime(hour, minute), zone);
    // Qt marks a wall-clock time inside a DST gap invalid: run at the gap's first minute.
    for (int later = hour * 60 + minute + 1; !local.isValid() && later < 24 * 60; ++later) {
        local = QDateTime(date, QTime(later / 60, later % 60), zone);
    }
    if (!local.isValid()) {
        local = QDateTime(date.addDays(1), QTime(0, 0), zone);
    }
    return local.toMSecsSinceEpoch();
}

std::optional<qint64> CronExpression::nextAfter(qint64 afterMs, const QTimeZone &zone) const
{
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(afterMs, zone);
    const QDate firstDay = start.date();
    for (int offset = 0; offset <= kSearchDays; ++offset) {
        const QDate day = firstDay.addDays(offset);
        if (!dayMatches(day)) {
            continue;
        }
        const int fromHour = offset == 0 ? start.time().hour() : 0;
        for (int hour = fromHour; hour < 24; ++hour) {
            if (!m_hours[size_t(hour)]) {
                continue;
            }
            for (int minute = 0; minute < 60; ++minute) {
                if (!m_minutes[size_t(minute)]) {
                    continue;
                }
                const qint64 at = instant(day, hour, minute, zone);
                if (at > afterMs) {
                    return at;
                }
            }
        }
    }
    return std::nullopt;
}

std::optional<qint64> CronExpression::previousAtOrBefore(qint64 atMs, const QTimeZone &zone) const
{
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(atMs, zone);
    const QDate firstDay = start.date();
    for (int offset = 0; offset <= kSearchDays; ++offset) {
        const QDate day = firstDay.addDays(-offset);
        if (!dayMatches(day)) {
            continue;
        }
        const int fromHour = offset == 0 ? start.time().hour() : 23;
        for (int hour = fromHour; hour >= 0; --hour) {
            if (!m_hours[size_t(hour)]) {
                continue;
            }
            for (int minute = 59; minute >= 0; --minute) {
                if (!m_minutes[size_t(minute)]) {
                    continue;
                }
                const qint64 at = instant(day, hour, minute, zone);
                if (at <= atMs) {
                    return at;
                }
            }
        }
    }
    return std::nullopt;
}

} // namespace syncline::engine::runtime
