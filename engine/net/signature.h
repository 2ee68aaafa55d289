#pragma once

#include "engine/core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace syncline::engine::net {

/// How a sender signs a webhook body with a shared secret (HMAC-SHA256 over the raw bytes).
enum class SignatureScheme {
    /// `t=<unix seconds>,v1=<hex>[,v1=<hex>…]` over "<t>.<body>", as Stripe sends it.
    TimestampedV1,
    /// `sha256=<hex>` over the body, as GitHub-style senders do.
    Sha256Prefixed,
};

struct SignatureOptions
{
    /// Allowed distance between the signed timestamp and now (TimestampedV1).
    int toleranceSeconds = 300;
};

/// Checks `headerValue` against `body` with each of `secrets` (two are active while a secret is
/// rotated). Comparison is constant-time. Errors: SIGNATURE_MISSING, SIGNATURE_MALFORMED,
/// SIGNATURE_EXPIRED (timestamp outside the tolerance), SIGNATURE_MISMATCH. Messages never
/// contain a secret or an expected signature.
Result<void> verifySignature(SignatureScheme scheme, QByteArrayView headerValue,
                             QByteArrayView body, const QList<QByteArray> &secrets,
                             qint64 nowSeconds, SignatureOptions options = {});

/// The header value a sender would send: for the sandbox and tests.
QByteArray signBody(SignatureScheme scheme, QByteArrayView body, const QByteArray &secret,
                    qint64 timestampSeconds);

/// Compares without an early exit, so timing reveals nothing about where two values differ.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace syncline::engine::net
