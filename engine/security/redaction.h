#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace syncline::engine::security {

/// What a secret value is replaced with in text that is kept or shown.
inline constexpr char kRedacted[] = "[secret]";

/// The forms a secret value travels in: as is, percent-encoded (a form body, OAuth client
/// credentials) and base64 (inside a Basic header). Forms shorter than 4 bytes are left out:
/// cutting every "a" out of a message would hide the message, not the secret.
QList<QByteArray> secretForms(const QByteArray &value);

/// `text` with every occurrence of each of `values` replaced by kRedacted. For text that comes
/// from outside after a secret was sent there — a target's error answer may echo the request's
/// headers — before it is stored, logged or shown.
QString redact(QString text, const QList<QByteArray> &values);

} // namespace syncline::engine::security
