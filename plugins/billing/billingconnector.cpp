#include "plugins/billing/billingconnector.h"

namespace syncline::plugins {

using engine::plugin::AnswerVerdict;
using engine::plugin::ConnectorAnswer;
using engine::plugin::reasonForStatus;
using engine::plugin::reasonFromTable;
using engine::plugin::textAt;

BillingConnector::BillingConnector()
    : ConnectorBase(QStringLiteral("billing"))
{
}

// Stripe answers {"error": {type, code, param, message, decline_code}}.
AnswerVerdict BillingConnector::refusal(const ConnectorAnswer &answer, const QJsonValue &body) const
{
    const QString type = textAt(body, u"/error/type");
    const QString code = textAt(body, u"/error/code");
    const QString param = textAt(body, u"/error/param");
    const QString message = textAt(body, u"/error/message");
    const QString vendorCode = code.isEmpty() ? type : code;
    if (code == QLatin1String("idempotency_key_in_use")) {
        // The first request with this key is still running: its answer will be there later.
        return AnswerVerdict::retry(
            QStringLiteral("IDEMPOTENCY_KEY_IN_USE"), message, std::nullopt);
    }
    if (code == QLatin1String("resource_missing")) {
        // The param names the reference when it is the request's; a GET only says it in words.
        const bool customer = param == QLatin1String("customer") ||
                              message.startsWith(QLatin1String("No such customer"));
        return AnswerVerdict::business(customer ? QStringLiteral("UNKNOWN_CUSTOMER")
                                                : QStringLiteral("NOT_FOUND"),
                                       vendorCode,
                                       message);
    }
    if (code == QLatin1String("parameter_missing") && param.contains(QLatin1String("tax_code"))) {
        return AnswerVerdict::business(QStringLiteral("MISSING_TAX_CODE"), vendorCode, message);
    }
    if (type == QLatin1String("card_error")) {
        return AnswerVerdict::business(QStringLiteral("PAYMENT_DECLINED"), vendorCode, message);
    }
    const QString reason = reasonFromTable(code,
                                           {
                                               {"currency_mismatch", "CURRENCY_MISMATCH"},
                                               {"parameter_missing", "MISSING_FIELD"},
                                               {"amount_too_large", "INVALID_AMOUNT"},
                                               {"amount_too_small", "INVALID_AMOUNT"},
                                               {"idempotency_key_reused", "IDEMPOTENCY_KEY_REUSED"},
                                               {"resource_already_exists", "DUPLICATE"},
                                               {"tax_id_invalid", "MISSING_TAX_CODE"},
                                           },
                                           reasonForStatus(answer.status));
    return AnswerVerdict::business(reason, vendorCode, message);
}

} // namespace syncline::plugins
