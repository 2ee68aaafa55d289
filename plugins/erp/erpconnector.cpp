#include "plugins/erp/erpconnector.h"

namespace syncline::plugins {

using engine::plugin::AnswerVerdict;
using engine::plugin::ConnectorAnswer;
using engine::plugin::reasonForStatus;
using engine::plugin::reasonFromTable;
using engine::plugin::textAt;

ErpConnector::ErpConnector()
    : ConnectorBase(QStringLiteral("erp"))
{
}

// NetSuite answers problem JSON with "o:errorDetails": [{detail, o:errorPath, o:errorCode}].
// INVALID_KEY_OR_REF covers every unknown reference; the path says which one it was.
AnswerVerdict ErpConnector::refusal(const ConnectorAnswer &answer, const QJsonValue &body) const
{
    const QString code = textAt(body, u"/o:errorDetails/0/o:errorCode");
    const QString path = textAt(body, u"/o:errorDetails/0/o:errorPath");
    QString message = textAt(body, u"/o:errorDetails/0/detail");
    if (message.isEmpty()) {
        message = textAt(body, u"/title");
    }
    if (code == QLatin1String("INVALID_KEY_OR_REF")) {
        QString reason = QStringLiteral("UNKNOWN_REFERENCE");
        if (path.contains(QLatin1String("AccountCode"))) {
            reason = QStringLiteral("INVALID_GL_ACCOUNT");
        } else if (path.contains(QLatin1String("CustomerNumber"))) {
            reason = QStringLiteral("UNKNOWN_CUSTOMER");
        } else if (path.contains(QLatin1String("Subsidiary"))) {
            reason = QStringLiteral("UNKNOWN_SUBSIDIARY");
        }
        return AnswerVerdict::business(reason, code, message);
    }
    const QString reason = reasonFromTable(code,
                                           {
                                               {"MISSING_TAX_CODE", "MISSING_TAX_CODE"},
                                               {"INVALID_TAX_CODE", "INVALID_TAX_CODE"},
                                               {"CURRENCY_MISMATCH", "CURRENCY_MISMATCH"},
                                               {"PERIOD_CLOSED", "CLOSED_PERIOD"},
                                               {"INVALID_DATE_FORMAT", "INVALID_DATE"},
                                               {"UNBALANCED_TRANSACTION", "UNBALANCED_TRANSACTION"},
                                               {"INVALID_AMOUNT", "INVALID_AMOUNT"},
                                               {"USER_ERROR", "VALIDATION_FAILED"},
                                               {"NONEXISTENT_ID", "NOT_FOUND"},
                                               {"INVALID_LOGIN", "NOT_AUTHORIZED"},
                                               {"DUP_ENTITY", "DUPLICATE"},
                                               {"DUP_RCRD", "DUPLICATE"},
                                           },
                                           reasonForStatus(answer.status));
    return AnswerVerdict::business(reason, code, message);
}

} // namespace syncline::plugins
