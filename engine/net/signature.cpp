#include "engine/net/signature.h"

#include <QMessageAuthenticationCode>

namespace syncline::engine::net {

namespace {

Error signatureError(const char *code, const QString &message)
{
    return Error::make(QString::fromLatin1(code), message);
}

QByteArray hmacHex(const QByteArray &secret, QByteArrayView data)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, secret);
    mac.addData(data.data(), data.size());
    return mac.result().toHex();
}

struct TimestampedHeader
{
    qint64 timestamp = -1;
    QList<QByteArray> signatures;
};

// Parses "t=…,v1=…,v1=…"; unknown schemes (v0, …) are ignored as the senders document.
std::optional<TimestampedHeader> parseTimestamped(QByteArrayView header)
{
    TimestampedHeader parsed;
    for (QByteArrayView part : QByteArray(header.data(), header.size()).split(',')) {
        part = part.trimmed();
        const qsizetype eq = part.indexOf('=');
        if (eq <= 0) {
            return std::nullopt;
        }
        const QByteArrayView key = part.first(eq);
        const QByteArrayView value = part.sliced(eq + 1);
        if (key == "t") {
            bool ok = false;
            parsed.timestamp = QByteArray(value.data(), value.size()).toLongLong(&ok);
            if (!ok) {
                return std::nullopt;
            }
        } else if (key == "v1") {
            parsed.signatures.append(QByteArray(value.data(), value.size()).toLower());
        }
    }
    if (parsed.timestamp < 0 || parsed.signatures.isEmpty()) {
        return std::nullopt;
    }
    return parsed;
}

bool anyMatches(const QList<QByteArray> &expected, const QList<QByteArray> &given)
{
    bool matched = false;
    for (const QByteArray &e : expected) {
        for (const QByteArray &g : given) {
            matched |= constantTimeEquals(e, g); // no early exit
        }
    }
    return matched;
}

} // namespace

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    const qsizetype n = std::min(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

Result<void> verifySignature(SignatureScheme scheme, QByteArrayView headerValue,
                             QByteArrayView body, const QList<QByteArray> &secrets,
                             qint64 nowSeconds, SignatureOptions options)
{
    if (headerValue.trimmed().isEmpty()) {
        return signatureError("SIGNATURE_MISSING", QStringLiteral("the request is not signed"));
    }
    if (scheme == SignatureScheme::Sha256Prefixed) {
        const QByteArrayView value = headerValue.trimmed();
        if (!value.startsWith("sha256=") || value.size() != 7 + 64) {
            return signatureError("SIGNATURE_MALFORMED",
                                  QStringLiteral("the signature header must be sha256=<64 hex "
                                                 "digits>"));
        }
        const QByteArray given = QByteArray(value.sliced(7).data(), 64).toLower();
        QList<QByteArray> expected;
        for (const QByteArray &secret : secrets) {
            expected.append(hmacHex(secret, body));
        }
        if (!anyMatches(expected, {given})) {
            return signatureError("SIGNATURE_MISMATCH",
                                  QStringLiteral("the signature does not match the body"));
        }
        return {};
    }

    const std::optional<TimestampedHeader> parsed = parseTimestamped(headerValue);
    if (!parsed) {
        return signatureError("SIGNATURE_MALFORMED",
                              QStringLiteral("the signature header must be t=<seconds>,v1=<hex>"));
    }
    if (std::abs(nowSeconds - parsed->timestamp) > options.toleranceSeconds) {
        return signatureError("SIGNATURE_EXPIRED",
                              QStringLiteral("the signature's timestamp is %1 s away from now; "
                                             "at most %2 s are accepted")
                                  .arg(std::abs(nowSeconds - parsed->timestamp))
                                  .arg(options.toleranceSeconds));
    }
    QByteArray signedPayload = QByteArray::number(parsed->timestamp) + '.';
    signedPayload.append(body.data(), body.size());
    QList<QByteArray> expected;
    for (const QByteArray &secret : secrets) {
        expected.append(hmacHex(secret, signedPayload));
    }
    if (!anyMatches(expected, parsed->signatures)) {
        return signatureError("SIGNATURE_MISMATCH",
                              QStringLiteral("the signature does not match the body"));
    }
    return {};
}

QByteArray signBody(SignatureScheme scheme, QByteArrayView body, const QByteArray &secret,
                    qint64 timestampSeconds)
{
    if (scheme == SignatureScheme::Sha256Prefixed) {
        return "sha256=" + hmacHex(secret, body);
    }
    QByteArray signedPayload = QByteArray::number(timestampSeconds) + '.';
    signedPayload.append(body.data(), body.size());
    return "t=" + QByteArray::number(timestampSeconds) + ",v1=" + hmacHex(secret, signedPayload);
}

} // namespace syncline::engine::net
