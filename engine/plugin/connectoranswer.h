#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>

#include <optional>

namespace syncline::engine::plugin {

/// A target's answer to a call made through a connector operation, as the engine received it.
struct ConnectorAnswer
{
    QString object;    // "invoice"
    QString operation; // "create"
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    /// The first header of that name, compared without case; empty when absent.
    QByteArray header(const QByteArray &name) const;
    /// The body as JSON (an object or array); null when it is not JSON.
    QJsonValue json() const;
};

/// What an answer means for the engine.
struct AnswerVerdict
{
    enum class Kind {
        Success,  // 2xx: externalIds are learned
        Business, // the request is wrong: an exception with reasonCode, never retried
        Retry,    // technical (429, 5xx, 408): again after retryAfterMs or the backoff
    };
    Kind kind = Kind::Success;
    /// Business: a Syncline reason code (INVALID_GL_ACCOUNT, CLOSED_PERIOD, UNKNOWN_CUSTOMER,
    /// CURRENCY_MISMATCH, MISSING_TAX_CODE, DUPLICATE, NOT_FOUND, VALIDATION_FAILED …);
    /// Retry: RATE_LIMITED, TARGET_UNAVAILABLE, TIMEOUT.
    QString reasonCode;
    QString vendorCode;    // the vendor's own error code, as sent
    QString vendorMessage; // the vendor's own message, as sent
    std::optional<qint64> retryAfterMs;
    QMap<QString, QString> externalIds; // Success: name → id ("id" → "cus_123")

    static AnswerVerdict success(QMap<QString, QString> externalIds);
    static AnswerVerdict business(QString reasonCode, QString vendorCode, QString vendorMessage);
    static AnswerVerdict
    retry(QString reasonCode, QString vendorMessage, std::optional<qint64> retryAfterMs);
};

// Helpers every connector uses; they keep the plugins to what differs between vendors.

/// The value at an RFC 6901 pointer ("/error/code", "/0/errorCode"); undefined when absent.
QJsonValue jsonAt(const QJsonValue &value, QStringView pointer);
/// A string or number at `pointer` as text; empty when absent or of another type.
QString textAt(const QJsonValue &value, QStringView pointer);
/// The verdict for what every vendor means the same way — 408, 425, 429 and 5xx — or nothing,
/// when the status is for the vendor's own rules to read. The engine takes the wait from the
/// answer's Retry-After header unless the verdict names one (a vendor that says it in the body).
std::optional<AnswerVerdict> technicalVerdict(const ConnectorAnswer &answer,
                                              const QString &vendorMessage = {});
/// The reason code for a 4xx status no vendor code explains: 404 NOT_FOUND, 409 DUPLICATE,
/// 401/403 NOT_AUTHORIZED, anything else VALIDATION_FAILED.
QString reasonForStatus(int status);

/// The refusal in an RFC 9457 problem JSON answer {type, title, status, detail}: the status
/// decides the reason (405 NOT_ALLOWED, else reasonForStatus), the title is the vendor's code.
AnswerVerdict problemJsonRefusal(const ConnectorAnswer &answer, const QJsonValue &body);

} // namespace syncline::engine::plugin
