#include "engine/store/payloadcodec.h"

#include <zstd.h>

#include <memory>

namespace syncline::engine::store {

namespace {

// zstd level 1: the benchmark's 2.5 KB invoice event and its 1.5 KB mapped invoice keep 42 % and
// 51 % of their bytes, and three such rows share a 4 KiB page; the fast level -1 takes about half
// the time but keeps 53 % and 65 %, two rows a page. Times per body: bench/intake.
constexpr int kLevel = 1;
// No payload the engine takes in comes near this; a frame claiming more is damaged.
constexpr unsigned long long kLargestText = 1ULL << 30;

struct ContextFree
{
    void operator()(ZSTD_CCtx *c) const { ZSTD_freeCCtx(c); }
    void operator()(ZSTD_DCtx *d) const { ZSTD_freeDCtx(d); }
};

// One context per thread, kept: making one costs more than compressing a small payload. Each
// frame carries a checksum of its text, so a damaged frame is found instead of read as text.
ZSTD_CCtx *compressor()
{
    thread_local std::unique_ptr<ZSTD_CCtx, ContextFree> context = [] {
        std::unique_ptr<ZSTD_CCtx, ContextFree> made(ZSTD_createCCtx());
        if (made) {
            ZSTD_CCtx_setParameter(made.get(), ZSTD_c_compressionLevel, kLevel);
            ZSTD_CCtx_setParameter(made.get(), ZSTD_c_checksumFlag, 1);
        }
        return made;
    }();
    return context.get();
}

ZSTD_DCtx *decompressor()
{
    thread_local std::unique_ptr<ZSTD_DCtx, ContextFree> context(ZSTD_createDCtx());
    return context.get();
}

Error undecodable(const QString &messageId, const QString &why)
{
    return Error::make(QString::fromLatin1(kStorePayload),
                       QStringLiteral("the stored payload of message %1 does not decode: %2")
                           .arg(messageId, why));
}

} // namespace

EncodedPayload encodePayload(const QByteArray &text)
{
    EncodedPayload out{text, PayloadEncoding::Text, text.size()};
    if (text.size() < kCompressFrom) {
        return out;
    }
    ZSTD_CCtx *context = compressor();
    if (context == nullptr) {
        return out; // no memory for a context: the text is kept as it is
    }
    QByteArray frame(qsizetype(ZSTD_compressBound(size_t(text.size()))), Qt::Uninitialized);
    const size_t written = ZSTD_compress2(context, frame.data(), size_t(frame.size()),
                                          text.constData(), size_t(text.size()));
    if (ZSTD_isError(written) || qsizetype(written) >= text.size()) {
        return out;
    }
    frame.truncate(qsizetype(written));
    out.bytes = std::move(frame);
    out.encoding = PayloadEncoding::Zstd;
    return out;
}

Result<qint64> payloadTextBytes(std::string_view stored, int encoding, const QString &messageId)
{
    switch (PayloadEncoding(encoding)) {
    case PayloadEncoding::Text:
        return qint64(stored.size());
    case PayloadEncoding::Zstd: {
        const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
        if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
            return undecodable(messageId, QStringLiteral("no zstd frame with its size"));
        }
        if (size > kLargestText) {
            return undecodable(messageId, QStringLiteral("its frame claims %1 bytes").arg(size));
        }
        return qint64(size);
    }
    }
    return undecodable(messageId, QStringLiteral("unknown encoding %1").arg(encoding));
}

Result<QByteArray> readPayload(const Statement &row, int payloadColumn, int encodingColumn,
                               const QString &messageId)
{
    return decodePayload(row.view(payloadColumn), int(row.int64(encodingColumn)), messageId);
}

Result<QByteArray> decodePayload(std::string_view stored, int encoding, const QString &messageId)
{
    if (PayloadEncoding(encoding) == PayloadEncoding::Text) {
        return QByteArray(stored.data(), qsizetype(stored.size()));
    }
    Result<qint64> size = payloadTextBytes(stored, encoding, messageId);
    if (!size) {
        return size.error();
    }
    ZSTD_DCtx *context = decompressor();
    if (context == nullptr) {
        return undecodable(messageId, QStringLiteral("no memory for a zstd context"));
    }
    QByteArray text(*size, Qt::Uninitialized);
    const size_t read = ZSTD_decompressDCtx(context, text.data(), size_t(text.size()),
                                            stored.data(), stored.size());
    if (ZSTD_isError(read) || qint64(read) != *size) {
        return undecodable(messageId, ZSTD_isError(read)
                                          ? QString::fromLatin1(ZSTD_getErrorName(read))
                                          : QStringLiteral("%1 bytes instead of %2")
                                                .arg(qint64(read))
                                                .arg(*size));
    }
    return text;
}

} // namespace syncline::engine::store
