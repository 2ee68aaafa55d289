#include "engine/plugin/connectoranswer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace syncline::engine::plugin {

QByteArray ConnectorAnswer::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return {};
}

QJsonValue ConnectorAnswer::json() const
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject()) {
        return document.object();
    }
    if (document.isArray()) {
        return document.array();
    }
    return {};
}

AnswerVerdict AnswerVerdict::success(QMap<QString, QString> externalIds)
{
    AnswerVerdict verdict;
    verdict.externalIds = std::move(externalIds);
    return verdict;
}

AnswerVerdict AnswerVerdict::business(QString reasonCode, QString vendorCode, QString vendorMessage)
{
    AnswerVerdict verdict;
    verdict.kind = Kind::Business;
    verdict.reasonCode = std::move(reasonCode);
    verdict.vendorCode = std::move(vendorCode);
    verdict.vendorMessage = std::move(vendorMessage);
    return verdict;
}

AnswerVerdict
AnswerVerdict::retry(QString reasonCode, QString vendorMessage, std::optional<qint64> retryAfterMs)
{
    AnswerVerdict verdict;
    verdict.kind = Kind::Retry;
    verdict.reasonCode = std::move(reasonCode);
    verdict.vendorMessage = std::move(vendorMessage);
    verdict.retryAfterMs = retryAfterMs;
    return verdict;
}

QJsonValue jsonAt(const QJsonValue &value, QStringView pointer)
{
    QJsonValue at = value;
    if (pointer.isEmpty()) {
        return at;
    }
    for (QStringView token : pointer.mid(1).split(u'/')) {
        const QString key = token.toString()
                                .replace(QStringLiteral("~1"), QStringLiteral("/"))
                                .replace(QStringLiteral("~0"), QStringLiteral("~"));
        if (at.isObject()) {
            at = at.toObject().value(key);
        } else if (at.isArray()) {
            bool isIndex = false;
            const int index = key.toInt(&isIndex);
            if (!isIndex || index < 0 || index >= at.toArray().size()) {
                return QJsonValue(QJsonValue::Undefined);
            }
            at = at.toArray().at(index);
        } else {
            return QJsonValue(QJsonValue::Undefined);
        }
    }
    return at;
}

QString textAt(const QJsonValue &value, QStringView pointer)
{
    const QJsonValue at = jsonAt(value, pointer);
    if (at.isString()) {
        return at.toString();
    }
    if (at.isDouble()) {
        // Ids are integers in practice; keep them without an exponent or a fraction.
        return QString::number(at.toInteger(), 10);
    }
    return {};
}

std::optional<AnswerVerdict> technicalVerdict(const ConnectorAnswer &answer,
                                              const QString &vendorMessage)
{
    const int status = answer.status;
    if (status == 429) {
        return AnswerVerdict::retry(QStringLiteral("RATE_LIMITED"), vendorMessage, std::nullopt);
    }
    if (status == 408 || status == 425) {
        return AnswerVerdict::retry(QStringLiteral("TIMEOUT"), vendorMessage, std::nullopt);
    }
    if (status >= 500 || status == 0) {
        return AnswerVerdict::retry(
            QStringLiteral("TARGET_UNAVAILABLE"), vendorMessage, std::nullopt);
    }
    return std::nullopt;
}

QString reasonForStatus(int status)
{
    switch (status) {
    case 401:
    case 403:
        return QStringLiteral("NOT_AUTHORIZED");
    case 404:
        return QStringLiteral("NOT_FOUND");
    case 409:
        return QStringLiteral("DUPLICATE");
    default:
        return QStringLiteral("VALIDATION_FAILED");
    }
}

AnswerVerdict problemJsonRefusal(const ConnectorAnswer &answer, const QJsonValue &body)
{
    const QString title = textAt(body, u"/title");
    const QString detail = textAt(body, u"/detail");
    const QString reason =
        answer.status == 405 ? QStringLiteral("NOT_ALLOWED") : reasonForStatus(answer.status);
    return AnswerVerdict::business(reason, title, detail.isEmpty() ? title : detail);
}

} // namespace syncline::engine::plugin
