#include "engine/runtime/metrics.h"

#include <QRegularExpression>
#include <QTest>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

namespace {
const QString kFlow = QStringLiteral("invoice-issued");
const QString kNode = QStringLiteral("post-to-erp");
} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void percentilesAreWithinOneBucket()
    {
        LatencyHistogram h;
        QCOMPARE(h.percentileMs(0.5), 0.0);
        for (int ms = 1; ms <= 100; ++ms) {
            h.add(ms);
        }
        QCOMPARE(h.count(), 100);
        QCOMPARE(h.sumMs(), 5050.0);
        QVERIFY(h.percentileMs(0.50) >= 50 && h.percentileMs(0.50) < 50 * 1.19);
        QVERIFY(h.percentileMs(0.99) >= 99 && h.percentileMs(0.99) < 99 * 1.19);
        h.add(1e9); // beyond the last bound: counted in the last bucket, never lost
        QCOMPARE(h.count(), 101);
    }

    void samplesGiveRatesAndIntervalPercentiles()
    {
        Metrics metrics;
        for (int i = 0; i < 10; ++i) {
            metrics.recordProcessed(kFlow, kNode, 2.0);
        }
        metrics.recordFailed(kFlow, kNode);
        metrics.sample(1'000);
        for (int i = 0; i < 20; ++i) {
            metrics.recordProcessed(kFlow, kNode, 200.0);
        }
        metrics.recordRetried(kFlow, kNode);
        metrics.recordRetried(kFlow, kNode);
        metrics.sample(3'000); // two seconds later

        const QList<NodeMetrics> nodes = metrics.snapshot();
        QCOMPARE(nodes.size(), 1);
        const NodeMetrics &n = nodes[0];
        QCOMPARE(n.processed, 30);
        QCOMPARE(n.failed, 1);
        QCOMPARE(n.retried, 2);
        QCOMPARE(n.history.size(), 2);
        QCOMPARE(n.history[0].processedPerSecond, 10.0);
        QCOMPARE(n.history[0].failedPerSecond, 1.0);
        QVERIFY(n.history[0].p99Ms < 3); // only the first interval's 2 ms calls
        QCOMPARE(n.history[1].processedPerSecond, 10.0); // 20 over 2 s
        QCOMPARE(n.history[1].retriedPerSecond, 1.0);
        QVERIFY(n.history[1].p50Ms >= 200); // the slow interval, not mixed with the fast one
    }

    void historyKeepsTheNewestSamples()
    {
        Metrics metrics(3);
        metrics.recordProcessed(kFlow, kNode, 1);
        for (int t = 1; t <= 5; ++t) {
            metrics.sample(t * 1000);
        }
        const NodeMetrics n = metrics.snapshot().at(0);
        QCOMPARE(n.history.size(), 3);
        QCOMPARE(n.history.first().atMs, 3000);
        QCOMPARE(n.history.last().atMs, 5000);
    }

    void queueDepthsAndInFlight()
    {
        Metrics metrics;
        metrics.setQueueDepths({{kFlow, kNode, 7, 3, 2, 1}});
        metrics.addInFlight(kFlow, kNode, 2);
        metrics.sample(1000);
        NodeMetrics n = metrics.snapshot().at(0);
        QCOMPARE(n.history.last().queueDepth, 10);
        QCOMPARE(n.history.last().inFlight, 2);
        metrics.setQueueDepths({}); // drained
        metrics.addInFlight(kFlow, kNode, -2);
        metrics.sample(2000);
        n = metrics.snapshot().at(0);
        QCOMPARE(n.history.last().queueDepth, 0);
        QCOMPARE(n.history.last().inFlight, 0);
    }

    void prometheusExposition()
    {
        Metrics metrics;
        metrics.recordProcessed(kFlow, kNode, 3);
        metrics.recordProcessed(kFlow, kNode, 30);
        metrics.recordProcessed(kFlow, QStringLiteral("odd\"name"), 1);
        metrics.setQueueDepths({{kFlow, kNode, 4, 1, 0, 0}});
        const QString text = QString::fromStdString(metrics.prometheusText());
        QVERIFY(text.contains(QStringLiteral("# TYPE syncline_node_processed_total counter\n")));
        QVERIFY(text.contains(QStringLiteral(
            "syncline_node_processed_total{flow=\"invoice-issued\",node=\"post-to-erp\"} 2\n")));
        QVERIFY(text.contains(QStringLiteral(
            "syncline_node_queue_depth{flow=\"invoice-issued\",node=\"post-to-erp\"} 5\n")));
        QVERIFY(text.contains(QStringLiteral("node=\"odd\\\"name\"")));
        QVERIFY(text.contains(QStringLiteral(
            "syncline_node_latency_seconds_count{flow=\"invoice-issued\",node=\"post-to-erp\"} 2\n")));
        QVERIFY(text.contains(QStringLiteral(
            "syncline_node_latency_seconds_sum{flow=\"invoice-issued\",node=\"post-to-erp\"} 0.033\n")));

        // Buckets are cumulative and end at the count.
        const QRegularExpression bucket(QStringLiteral(
            "syncline_node_latency_seconds_bucket\\{flow=\"invoice-issued\",node=\"post-to-erp\","
            "le=\"([^\"]+)\"\\} (\\d+)"));
        qint64 previous = 0;
        int buckets = 0;
        for (auto it = bucket.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            const qint64 count = m.captured(2).toLongLong();
            QVERIFY(count >= previous);
            previous = count;
            ++buckets;
        }
        QVERIFY(buckets > 10);
        QCOMPARE(previous, 2);
        // Every sample line is "name{labels} value".
        for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts)) {
            if (!line.startsWith(u'#')) {
                QVERIFY2(line.contains(QRegularExpression(QStringLiteral("^\\w+\\{.*\\} [0-9.e+-]+$"))),
                         qPrintable(line));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
