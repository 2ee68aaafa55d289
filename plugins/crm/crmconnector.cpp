#include "plugins/crm/crmconnector.h"

#include <QJsonArray>

namespace syncline::plugins {

using engine::plugin::AnswerVerdict;
using engine::plugin::ConnectorAnswer;
using engine::plugin::reasonForStatus;
using engine::plugin::reasonFromTable;
using engine::plugin::textAt;

CrmConnector::CrmConnector()
    : ConnectorBase(QStringLiteral("crm"))
{
}

// Salesforce answers an array of {errorCode, message, fields}; the first error decides.
AnswerVerdict CrmConnector::refusal(const ConnectorAnswer &answer, const QJsonValue &body) const
{
    const QString code = textAt(body, u"/0/errorCode");
    const QString message = textAt(body, u"/0/message");
    if (answer.status == 300) {
        return AnswerVerdict::business(QStringLiteral("DUPLICATE"),
                                       code,
                                       message.isEmpty() ? QStringLiteral("more than one record "
                                                                          "matches the external id")
                                                         : message);
    }
    if (code == QLatin1String("REQUEST_LIMIT_EXCEEDED")) {
        return AnswerVerdict::retry(QStringLiteral("RATE_LIMITED"), message, std::nullopt);
    }
    if (code == QLatin1String("INVALID_CROSS_REFERENCE_KEY")) {
        // A missing account is the customer the message names being unknown to the CRM.
        const QJsonArray fields = engine::plugin::jsonAt(body, u"/0/fields").toArray();
        const bool account = fields.contains(QStringLiteral("AccountId")) ||
                             fields.contains(QStringLiteral("ParentId"));
        return AnswerVerdict::business(account ? QStringLiteral("UNKNOWN_CUSTOMER")
                                               : QStringLiteral("UNKNOWN_REFERENCE"),
                                       code,
                                       message);
    }
    const QString reason =
        reasonFromTable(code,
                        {
                            {"REQUIRED_FIELD_MISSING", "MISSING_FIELD"},
                            {"DUPLICATE_VALUE", "DUPLICATE"},
                            {"DUPLICATES_DETECTED", "DUPLICATE"},
                            {"DUPLICATE_EXTERNAL_ID", "DUPLICATE"},
                            {"NOT_FOUND", "NOT_FOUND"},
                            {"ENTITY_IS_DELETED", "NOT_FOUND"},
                            {"INVALID_SESSION_ID", "NOT_AUTHORIZED"},
                            {"INSUFFICIENT_ACCESS", "NOT_AUTHORIZED"},
                            {"INVALID_TYPE_ON_FIELD_IN_RECORD", "VALIDATION_FAILED"},
                            {"JSON_PARSER_ERROR", "VALIDATION_FAILED"},
                            {"MALFORMED_QUERY", "VALIDATION_FAILED"},
                        },
                        reasonForStatus(answer.status));
    return AnswerVerdict::business(reason, code, message);
}

} // namespace syncline::plugins
