#include "engine/net/signature.h"

#include <QTest>

using namespace syncline::engine;
using namespace syncline::engine::net;

namespace {
const QByteArray kBody = R"({"id":"evt_1","type":"invoice.finalized"})";
const QByteArray kSecret = "whsec_current";
const QByteArray kOldSecret = "whsec_previous";
constexpr qint64 kNow = 1'700'000'000;
} // namespace

class TestSignature : public QObject
{
    Q_OBJECT

private slots:
    void verify_data()
    {
        QTest::addColumn<int>("scheme");
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expectedCode"); // empty = accepted

        const int ts = int(SignatureScheme::TimestampedV1);
        const int sha = int(SignatureScheme::Sha256Prefixed);
        const QByteArray good = signBody(SignatureScheme::TimestampedV1, kBody, kSecret, kNow);
        QTest::newRow("timestamped, current secret") << ts << good << kBody << QString();
        QTest::newRow("timestamped, previous secret during rotation")
            << ts << signBody(SignatureScheme::TimestampedV1, kBody, kOldSecret, kNow) << kBody
            << QString();
        QTest::newRow("timestamped, one of several v1 and a v0")
            << ts << QByteArray("t=1700000000,v0=abc,v1=") + QByteArray(64, 'a') + ","
                         + good.mid(good.indexOf("v1="))
            << kBody << QString();
        QTest::newRow("timestamped, 299 s old")
            << ts << signBody(SignatureScheme::TimestampedV1, kBody, kSecret, kNow - 299) << kBody
            << QString();
        QTest::newRow("timestamped, 301 s old")
            << ts << signBody(SignatureScheme::TimestampedV1, kBody, kSecret, kNow - 301) << kBody
            << QStringLiteral("SIGNATURE_EXPIRED");
        QTest::newRow("timestamped, 301 s in the future")
            << ts << signBody(SignatureScheme::TimestampedV1, kBody, kSecret, kNow + 301) << kBody
            << QStringLiteral("SIGNATURE_EXPIRED");
        QTest::newRow("timestamped, body changed by one byte")
            << ts << good << QByteArray(kBody).replace("evt_1", "evt_2")
            << QStringLiteral("SIGNATURE_MISMATCH");
        QTest::newRow("timestamped, unknown secret")
            << ts << signBody(SignatureScheme::TimestampedV1, kBody, "whsec_other", kNow) << kBody
            << QStringLiteral("SIGNATURE_MISMATCH");
        QTest::newRow("timestamped, replayed with a new timestamp")
            << ts << QByteArray(good).replace("t=1700000000", "t=1700000100") << kBody
            << QStringLiteral("SIGNATURE_MISMATCH");
        QTest::newRow("timestamped, no header") << ts << QByteArray() << kBody
                                                << QStringLiteral("SIGNATURE_MISSING");
        QTest::newRow("timestamped, no v1") << ts << QByteArray("t=1700000000,v0=ab") << kBody
                                            << QStringLiteral("SIGNATURE_MALFORMED");
        QTest::newRow("timestamped, bad t") << ts << QByteArray("t=soon,v1=ab") << kBody
                                            << QStringLiteral("SIGNATURE_MALFORMED");
        QTest::newRow("sha256, good")
            << sha << signBody(SignatureScheme::Sha256Prefixed, kBody, kSecret, 0) << kBody
            << QString();
        QTest::newRow("sha256, upper-case hex")
            << sha
            << "sha256=" + signBody(SignatureScheme::Sha256Prefixed, kBody, kSecret, 0).mid(7).toUpper()
            << kBody << QString();
        QTest::newRow("sha256, wrong body")
            << sha << signBody(SignatureScheme::Sha256Prefixed, kBody, kSecret, 0) << QByteArray("{}")
            << QStringLiteral("SIGNATURE_MISMATCH");
        QTest::newRow("sha256, truncated")
            << sha << signBody(SignatureScheme::Sha256Prefixed, kBody, kSecret, 0).chopped(2)
            << kBody << QStringLiteral("SIGNATURE_MALFORMED");
        QTest::newRow("sha256, other algorithm") << sha << QByteArray("sha1=abcdef") << kBody
                                                 << QStringLiteral("SIGNATURE_MALFORMED");
    }

    void verify()
    {
        QFETCH(int, scheme);
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, body);
        QFETCH(QString, expectedCode);
        const Result<void> result = verifySignature(SignatureScheme(scheme), header, body,
                                                    {kSecret, kOldSecret}, kNow);
        if (expectedCode.isEmpty()) {
            QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
            return;
        }
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, expectedCode);
        QVERIFY(!result.error().message.contains(QString::fromLatin1(kSecret)));
    }

    void knownVector()
    {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") from RFC 4231 style
        // published examples.
        QCOMPARE(signBody(SignatureScheme::Sha256Prefixed,
                          "The quick brown fox jumps over the lazy dog", "key", 0),
                 QByteArray("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"));
    }

    void constantTimeComparison()
    {
        QVERIFY(constantTimeEquals("abc", "abc"));
        QVERIFY(!constantTimeEquals("abc", "abd"));
        QVERIFY(!constantTimeEquals("abc", "abcd"));
        QVERIFY(constantTimeEquals("", ""));
    }
};

QTEST_GUILESS_MAIN(TestSignature)
#include "tst_signature.moc"
