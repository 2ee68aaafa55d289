#include "engine/core/timeorderedid.h"

#include <QDateTime>
#include <QRandomGenerator>

#include <array>
#include <cstdint>
#include <mutex>

namespace syncline::engine {

namespace {

struct Clock
{
    std::mutex mutex;
    quint64 lastMs = 0;
    quint32 counter = 0;
};

Clock &clock()
{
    static Clock c;
    return c;
}

// The millisecond and sequence for the next id. When 4,096 ids were made in one millisecond,
// or the wall clock stepped back, the id borrows the next millisecond so the order holds.
std::pair<quint64, quint32> nextStamp()
{
    Clock &c = clock();
    const auto nowMs = quint64(QDateTime::currentMSecsSinceEpoch());
    const std::lock_guard lock(c.mutex);
    if (nowMs > c.lastMs) {
        c.lastMs = nowMs;
        c.counter = QRandomGenerator::global()->bounded(256u);
    } else if (++c.counter > 0xfff) {
        ++c.lastMs;
        c.counter = 0;
    }
    return {c.lastMs, c.counter};
}

} // namespace

QString newTimeOrderedId()
{
    const auto [ms, counter] = nextStamp();
    std::array<quint8, 16> b{};
    for (int i = 0; i < 6; ++i) {
        b[size_t(i)] = quint8(ms >> (8 * (5 - i)));
    }
    b[6] = quint8(0x70 | ((counter >> 8) & 0x0f));
    b[7] = quint8(counter & 0xff);
    const quint64 random = QRandomGenerator::global()->generate64();
    for (int i = 8; i < 16; ++i) {
        b[size_t(i)] = quint8(random >> (8 * (15 - i)));
    }
    b[8] = quint8(0x80 | (b[8] & 0x3f));

    static constexpr char kHex[] = "0123456789abcdef";
    QString text;
    text.reserve(36);
    for (size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            text.append(QLatin1Char('-'));
        }
        text.append(QLatin1Char(kHex[b[i] >> 4]));
        text.append(QLatin1Char(kHex[b[i] & 0x0f]));
    }
    return text;
}

bool isTimeOrderedId(QStringView id)
{
    if (id.size() != 36 || id[14] != u'7') {
        return false;
    }
    for (qsizetype i = 0; i < id.size(); ++i) {
        const char16_t c = id[i].unicode();
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != u'-' : !((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return false;
        }
    }
    return true;
}

} // namespace syncline::engine
