#include "engine/security/redaction.h"

#include <QUrl>

#include <algorithm>

namespace syncline::engine::security {

namespace {

constexpr qsizetype kShortest = 4;

} // namespace

QList<QByteArray> secretForms(const QByteArray &value)
{
    QList<QByteArray> forms;
    for (const QByteArray &form :
         {value,
          QUrl::toPercentEncoding(QString::fromUtf8(value)),
          value.toBase64(),
          value.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)}) {
        if (form.size() >= kShortest && !forms.contains(form)) {
            forms.append(form);
        }
    }
    return forms;
}

QString redact(QString text, const QList<QByteArray> &values)
{
    QList<QByteArray> longestFirst = values;
    // A longer form may contain a shorter one; cut the longer first so no piece of it remains.
    std::sort(longestFirst.begin(),
              longestFirst.end(),
              [](const QByteArray &a, const QByteArray &b) { return a.size() > b.size(); });
    for (const QByteArray &value : std::as_const(longestFirst)) {
        if (value.size() >= kShortest) {
            text.replace(QString::fromUtf8(value), QLatin1String(kRedacted));
        }
    }
    return text;
}

} // namespace syncline::engine::security
