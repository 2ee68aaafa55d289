#include "engine/runtime/circuitbreaker.h"
#include "engine/runtime/outcome.h"
#include "engine/runtime/ratelimiter.h"
#include "engine/runtime/retrypolicy.h"

#include <QTest>
#include <QTimeZone>

using namespace syncline::engine::runtime;

class TestProtection : public QObject
{
    Q_OBJECT

private slots:
    void classify_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("verdict");
        const int ok = int(CallVerdict::Ok), retry = int(CallVerdict::Retry),
                  fail = int(CallVerdict::Fail);
        QTest::newRow("200") << 200 << ok;
        QTest::newRow("201") << 201 << ok;
        QTest::newRow("204") << 204 << ok;
        QTest::newRow("no response") << 0 << retry;
        QTest::newRow("400 bad request") << 400 << fail;
        QTest::newRow("401") << 401 << fail;
        QTest::newRow("404") << 404 << fail;
        QTest::newRow("408 request timeout") << 408 << retry;
        QTest::newRow("409 conflict") << 409 << fail;
        QTest::newRow("422 unknown GL account") << 422 << fail;
        QTest::newRow("429 rate limited") << 429 << retry;
        QTest::newRow("500") << 500 << retry;
        QTest::newRow("503") << 503 << retry;
        QTest::newRow("302 redirect (not followed)") << 302 << fail;
    }

    void classify()
    {
        QFETCH(int, status);
        QFETCH(int, verdict);
        QCOMPARE(int(classifyHttpStatus(status)), verdict);
    }

    void backoffGrowsAndIsCapped()
    {
        RetryPolicy policy;
        policy.initialDelayMs = 1000;
        policy.factor = 2;
        policy.maxDelayMs = 5000;
        policy.jitter = 0;
        policy.maxAttempts = 10;
        QCOMPARE(*policy.nextDelayMs(1, 0, std::nullopt, 0.5), 1000);
        QCOMPARE(*policy.nextDelayMs(2, 0, std::nullopt, 0.5), 2000);
        QCOMPARE(*policy.nextDelayMs(3, 0, std::nullopt, 0.5), 4000);
        QCOMPARE(*policy.nextDelayMs(4, 0, std::nullopt, 0.5), 5000);
        QCOMPARE(*policy.nextDelayMs(9, 0, std::nullopt, 0.5), 5000);
        QVERIFY(!policy.nextDelayMs(10, 0, std::nullopt, 0.5)); // exhausted
    }

    void jitterStaysWithinItsShare()
    {
        RetryPolicy policy;
        policy.initialDelayMs = 1000;
        policy.jitter = 0.2;
        QCOMPARE(*policy.nextDelayMs(1, 0, std::nullopt, 0.0), 800);
        QCOMPARE(*policy.nextDelayMs(1, 0, std::nullopt, 0.5), 1000);
        QVERIFY(*policy.nextDelayMs(1, 0, std::nullopt, 0.999) <= 1200);
    }

    void retryAfterIsHonouredAndTheHorizonEndsRetries()
    {
        RetryPolicy policy;
        policy.initialDelayMs = 100;
        policy.jitter = 0;
        policy.horizonMs = 60'000;
        QCOMPARE(*policy.nextDelayMs(1, 0, 30'000, 0.5), 30'000);
        QCOMPARE(*policy.nextDelayMs(1, 0, 10, 0.5), 100); // never shorter than the backoff
        QVERIFY(!policy.nextDelayMs(1, 40'000, 30'000, 0.5));
    }

    void parsesRetryAfter()
    {
        const qint64 now = QDateTime(QDate(2015, 10, 21), QTime(7, 27, 0), QTimeZone::utc())
                               .toMSecsSinceEpoch();
        QCOMPARE(*parseRetryAfter("120", now), 120'000);
        QCOMPARE(*parseRetryAfter(" 0 ", now), 0);
        QCOMPARE(*parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), 60'000);
        QCOMPARE(*parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), 0); // in the past
        QVERIFY(!parseRetryAfter("", now));
        QVERIFY(!parseRetryAfter("-5", now));
        QVERIFY(!parseRetryAfter("soon", now));
    }

    void breakerOpensAfterConsecutiveFailuresAndProbes()
    {
        CircuitBreaker breaker({.failureThreshold = 3, .openMs = 10'000});
        qint64 now = 0;
        breaker.recordFailure(now);
        breaker.recordFailure(now);
        breaker.recordSuccess(); // a success resets the count
        QCOMPARE(breaker.consecutiveFailures(), 0);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(breaker.allow(now));
            breaker.recordFailure(now);
        }
        QCOMPARE(breaker.state(now), CircuitBreaker::State::Open);
        QVERIFY(!breaker.allow(now + 9'999));
        QCOMPARE(breaker.waitMs(now + 4'000), 6'000);

        now += 10'000;
        QCOMPARE(breaker.state(now), CircuitBreaker::State::HalfOpen);
        QVERIFY(breaker.allow(now));  // the probe
        QVERIFY(!breaker.allow(now)); // only one
        breaker.recordFailure(now);   // the probe failed: open again
        QCOMPARE(breaker.state(now + 1), CircuitBreaker::State::Open);
        QCOMPARE(breaker.openings(), 2);

        now += 10'000;
        QVERIFY(breaker.allow(now));
        breaker.recordSuccess();
        QCOMPARE(breaker.state(now), CircuitBreaker::State::Closed);
        QVERIFY(breaker.allow(now));
    }

    void rateLimiterAllowsBurstsThenTheRate()
    {
        RateLimiter limiter(10, 3); // 10/s, bursts of 3
        QCOMPARE(limiter.tryAcquire(0), 0);
        QCOMPARE(limiter.tryAcquire(0), 0);
        QCOMPARE(limiter.tryAcquire(0), 0);
        QCOMPARE(limiter.tryAcquire(0), 100); // next token in 100 ms
        QCOMPARE(limiter.tryAcquire(50), 50);
        QCOMPARE(limiter.tryAcquire(100), 0);
        // Over one second at most burst + rate calls get through.
        int granted = 0;
        for (qint64 t = 1000; t < 2000; ++t) {
            granted += limiter.tryAcquire(t) == 0 ? 1 : 0;
        }
        QVERIFY(granted <= 13);
        QVERIFY(granted >= 10);
    }
};

QTEST_GUILESS_MAIN(TestProtection)
#include "tst_protection.moc"
