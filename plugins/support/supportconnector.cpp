#include "plugins/support/supportconnector.h"

#include <QJsonArray>
#include <QJsonObject>

namespace syncline::plugins {

using engine::plugin::AnswerVerdict;
using engine::plugin::ConnectorAnswer;
using engine::plugin::reasonForStatus;
using engine::plugin::reasonFromTable;
using engine::plugin::textAt;

namespace {

// The first of Zendesk's per-field details: {"organization_id": [{"description", "error"}]}.
struct FieldError
{
    QString field;
    QString error;
    QString description;
};

FieldError firstFieldError(const QJsonValue &body)
{
    const QJsonObject details = engine::plugin::jsonAt(body, u"/details").toObject();
    for (auto it = details.begin(); it != details.end(); ++it) {
        const QJsonObject first = it.value().toArray().first().toObject();
        return {it.key(),
                first.value(QStringLiteral("error")).toString(),
                first.value(QStringLiteral("description")).toString()};
    }
    return {};
}

} // namespace

SupportConnector::SupportConnector()
    : ConnectorBase(QStringLiteral("support"))
{
}

// Zendesk answers {"error": "RecordInvalid", "description", "details": {field: [...]}}; on 401
// "error" is the sentence itself.
AnswerVerdict SupportConnector::refusal(const ConnectorAnswer &answer, const QJsonValue &body) const
{
    const QString error = textAt(body, u"/error");
    QString message = textAt(body, u"/description");
    if (answer.status == 401 || answer.status == 403) {
        return AnswerVerdict::business(
            QStringLiteral("NOT_AUTHORIZED"), QString(), error.isEmpty() ? message : error);
    }
    if (error == QLatin1String("RecordInvalid")) {
        const FieldError field = firstFieldError(body);
        if (!field.description.isEmpty()) {
            message = field.description;
        }
        QString reason = reasonFromTable(field.error,
                                         {
                                             {"BlankValue", "MISSING_FIELD"},
                                             {"DuplicateValue", "DUPLICATE"},
                                             {"Taken", "DUPLICATE"},
                                         },
                                         QStringLiteral("VALIDATION_FAILED"));
        if (field.error == QLatin1String("InvalidValue") &&
            field.field == QLatin1String("organization_id")) {
            reason = QStringLiteral("UNKNOWN_CUSTOMER");
        }
        return AnswerVerdict::business(
            reason, field.error.isEmpty() ? error : field.error, message);
    }
    const QString reason = reasonFromTable(error,
                                           {
                                               {"RecordNotFound", "NOT_FOUND"},
                                               {"InvalidJSON", "VALIDATION_FAILED"},
                                               {"DuplicateValue", "DUPLICATE"},
                                           },
                                           reasonForStatus(answer.status));
    return AnswerVerdict::business(reason, error, message);
}

} // namespace syncline::plugins
