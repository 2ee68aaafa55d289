#pragma once

#include "engine/core/result.h"
#include "engine/store/connection.h"

#include <QByteArray>

#include <string_view>

namespace syncline::engine::store {

/// How `messages.payload` holds a message's JSON text (`messages.payload_encoding`).
enum class PayloadEncoding : int {
    Text = 0, ///< the JSON text itself
    Zstd = 1, ///< one zstd frame of the JSON text, which records the text's size
};

/// A payload as the store writes it.
struct EncodedPayload
{
    QByteArray bytes;
    PayloadEncoding encoding = PayloadEncoding::Text;
    qint64 textBytes = 0; ///< the JSON text's size, what queues count
};

/// Compresses JSON text of kCompressFrom bytes or more with zstd at level 1 when that makes it
/// smaller, and keeps shorter or incompressible text as it is. Ingests and steps are encoded on
/// their caller's thread before they go to the writer, which then only stores the bytes; a
/// repair, rare, is encoded in its job.
EncodedPayload encodePayload(const QByteArray &text);
inline constexpr qsizetype kCompressFrom = 256;

/// The JSON text of stored bytes in `encoding` (a PayloadEncoding). An error (code
/// STORE_PAYLOAD) names the message when they do not decode.
Result<QByteArray> decodePayload(std::string_view stored, int encoding, const QString &messageId);
/// decodePayload of a row's `payloadColumn`, encoded as its `encodingColumn` says.
Result<QByteArray> readPayload(const Statement &row, int payloadColumn, int encodingColumn,
                               const QString &messageId);

/// The size of the JSON text a stored payload stands for, without decompressing it.
Result<qint64> payloadTextBytes(std::string_view stored, int encoding, const QString &messageId);

} // namespace syncline::engine::store
