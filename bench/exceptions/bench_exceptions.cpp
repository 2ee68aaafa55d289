// The exception queue at scale: fills a store with N exceptions (through the same insert the
// step commit uses, in large transactions), then times the queries the admin API makes — first
// pages under common filters, a page deep into the queue, counts per group — and prints a
// Markdown table (bench/exceptions/run.sh puts it into docs/performance.md).
//
//   bench_exceptions --db FILE [--count 1000000] [--repeat 20]

#include "engine/store/exceptionjobs.h"
#include "engine/store/sqliteexceptionstore.h"
#include "engine/store/sqlitemessagestore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>

using namespace syncline::engine;
using namespace syncline::engine::store;

namespace {

constexpr qint64 kDayMs = 86'400'000;
constexpr qint64 kNowMs = 1'800'000'000'000; // the queue's "now": 90 days of exceptions before it
constexpr int kBatch = 20'000;

struct Shape
{
    QStringList flows;
    QStringList nodes;
    QStringList reasons; // the first ones are the common ones
};

Shape shape()
{
    Shape s;
    for (int f = 0; f < 12; ++f) {
        s.flows.append(QStringLiteral("flow-%1").arg(f));
    }
    for (int n = 0; n < 6; ++n) {
        s.nodes.append(QStringLiteral("node-%1").arg(n));
    }
    s.reasons = {QStringLiteral("SCHEMA"),
                 QStringLiteral("HTTP_4XX"),
                 QStringLiteral("LOOKUP_MISS"),
                 QStringLiteral("MISSING_TAX_CODE"),
                 QStringLiteral("UNMATCHED_CUSTOMER"),
                 QStringLiteral("RETRIES_EXHAUSTED"),
                 QStringLiteral("INVALID_REVENUE_ACCOUNT"),
                 QStringLiteral("UNCERTAIN"),
                 QStringLiteral("DUP_KEY"),
                 QStringLiteral("WRITE_FAILED")};
    return s;
}

// Fills `count` exceptions over 90 days; 80 % of them resolved already, as a queue that is
// worked looks. Returns the seconds it took.
double fill(SqliteMessageStore &store, int count)
{
    const Shape s = shape();
    std::mt19937_64 random(42);
    std::geometric_distribution<int> reasonPick(0.45); // a few reasons dominate
    QElapsedTimer timer;
    timer.start();
    for (int done = 0; done < count;) {
        const int batch = std::min(kBatch, count - done);
        const int first = done;
        Result<void> committed =
            store.writer()
                .submit([&](Connection &c) -> Result<void> {
                    for (int i = first; i < first + batch; ++i) {
                        const qint64 at = kNowMs - 90 * kDayMs + qint64(i) * (90 * kDayMs / count);
                        const QString code =
                            s.reasons[std::min<int>(reasonPick(random), int(s.reasons.size()) - 1)];
                        FailedStep failed;
                        failed.workItemId = 0;
                        failed.messageId = QStringLiteral("m-%1").arg(i);
                        failed.flowId = s.flows[int(random() % s.flows.size())];
                        failed.flowVersion = 1;
                        failed.nodeId = s.nodes[int(random() % s.nodes.size())];
                        failed.attempt = 1;
                        failed.correlationId = QStringLiteral("c-%1").arg(i);
                        failed.businessKey = QStringLiteral("INV-%1").arg(i / 3);
                        StepResult step;
                        step.status = StepStatus::Failed;
                        step.errorCode = code;
                        step.errorDetail = QStringLiteral("%1 at %2").arg(code, failed.nodeId);
                        if (Result<void> r = insertException(c, failed, step, at); !r) {
                            return r;
                        }
                    }
                    return {};
                })
                .get();
        if (!committed) {
            std::fprintf(stderr, "fill failed: %s\n", qPrintable(committed.error().message));
            std::exit(1);
        }
        done += batch;
        std::fprintf(stderr, "\rfilled %d of %d", done, count);
    }
    // Resolve 80 %, oldest first, as a worked queue would be.
    const Result<void> resolved =
        store.writer()
            .submit([count](Connection &c) {
                return c.exec(("UPDATE exceptions SET state = 'resolved',"
                               " resolution = 'replayed', resolved_by = 'bench'"
                               " WHERE id <= " +
                               std::to_string(count * 4 / 5) + " AND id % 7 <> 0")
                                  .c_str());
            })
            .get();
    if (!resolved) {
        std::fprintf(stderr, "resolve failed: %s\n", qPrintable(resolved.error().message));
        std::exit(1);
    }
    std::fprintf(stderr, "\n");
    return timer.elapsed() / 1000.0;
}

struct Timing
{
    double medianMs = 0;
    double p95Ms = 0;
    qint64 rows = 0;
};

Timing measure(int repeat, const std::function<qint64()> &run)
{
    QList<double> times;
    qint64 rows = 0;
    run(); // warm: the first call reads the pages from disk
    for (int i = 0; i < repeat; ++i) {
        QElapsedTimer timer;
        timer.start();
        rows = run();
        times.append(timer.nsecsElapsed() / 1e6);
    }
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2],
            times[std::min<qsizetype>(times.size() - 1, qsizetype(times.size() * 0.95) - 1)],
            rows};
}

qint64 pageRows(ExceptionStore &store,
                const ExceptionFilter &filter,
                std::optional<ExceptionCursor> after = std::nullopt)
{
    Result<ExceptionPage> page = store.list(filter, after, 50);
    if (!page) {
        std::fprintf(stderr, "list failed: %s\n", qPrintable(page.error().message));
        std::exit(1);
    }
    return page->items.size();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption db(
        QStringLiteral("db"), QStringLiteral("Database file (replaced)."), QStringLiteral("FILE"));
    const QCommandLineOption countOption(QStringLiteral("count"),
                                         QStringLiteral("Exceptions."),
                                         QStringLiteral("N"),
                                         QStringLiteral("1000000"));
    const QCommandLineOption reuse(QStringLiteral("reuse"),
                                   QStringLiteral("Query a database filled by an earlier run."));
    const QCommandLineOption repeatOption(QStringLiteral("repeat"),
                                          QStringLiteral("Runs per query."),
                                          QStringLiteral("N"),
                                          QStringLiteral("20"));
    parser.addOptions({db, countOption, repeatOption, reuse});
    parser.process(app);
    if (!parser.isSet(db)) {
        std::fprintf(stderr, "bench_exceptions: --db FILE is required\n");
        return 2;
    }
    const int count = parser.value(countOption).toInt();
    const int repeat = parser.value(repeatOption).toInt();
    for (const char *suffix : {"", "-wal", "-shm"}) {
        if (!parser.isSet(reuse)) {
            QFile::remove(parser.value(db) + QLatin1String(suffix));
        }
    }
    SqliteStoreOptions options;
    options.clock = [] { return kNowMs; };
    auto opened = SqliteMessageStore::open(parser.value(db), options);
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().message));
        return 1;
    }
    SqliteMessageStore &messages = **opened;
    const double fillSeconds = parser.isSet(reuse) ? 0 : fill(messages, count);
    (void)messages.writer().submit([](Connection &c) { return c.exec("ANALYZE"); }).get();
    SqliteExceptionStore store(messages);

    struct Case
    {
        const char *name;
        std::function<qint64()> run;
    };
    ExceptionFilter unresolved;
    unresolved.states = ExceptionFilter::States::Unresolved;
    ExceptionFilter finance = unresolved;
    finance.ownerRole = QStringLiteral("finance");
    ExceptionFilter flowNode = unresolved;
    flowNode.flowId = QStringLiteral("flow-3");
    flowNode.nodeId = QStringLiteral("node-2");
    ExceptionFilter rare;
    rare.reasonCode = QStringLiteral("WRITE_FAILED");
    ExceptionFilter key;
    key.businessKey = QStringLiteral("INV-%1").arg(count / 7);
    ExceptionFilter old = unresolved;
    old.createdBeforeMs = kNowMs - 30 * kDayMs;
    ExceptionFilter recent;
    recent.createdAfterMs = kNowMs - kDayMs;

    // The cursor 2,000 pages (100,000 exceptions) into the unresolved queue.
    std::optional<ExceptionCursor> deep;
    for (int i = 0; i < 2000 && (i == 0 || deep); ++i) {
        deep = store.list(unresolved, deep, 50)->next;
    }
    const QList<Case> cases = {
        {"page 1: unresolved, newest first", [&] { return pageRows(store, unresolved); }},
        {"page 1: finance's queue", [&] { return pageRows(store, finance); }},
        {"page 2,001 (100,000 deep, by cursor)", [&] { return pageRows(store, unresolved, deep); }},
        {"page 1: one flow and node, unresolved", [&] { return pageRows(store, flowNode); }},
        {"page 1: a rare reason code", [&] { return pageRows(store, rare); }},
        {"page 1: older than 30 days, unresolved", [&] { return pageRows(store, old); }},
        {"page 1: newer than 1 day", [&] { return pageRows(store, recent); }},
        {"business key", [&] { return pageRows(store, key); }},
        {"count unresolved", [&] { return *store.count(unresolved); }},
        {"count by reason (unresolved)",
         [&] { return qint64(store.countBy(unresolved, ExceptionGroup::Reason)->size()); }},
        {"count by flow", [&] { return qint64(store.countBy({}, ExceptionGroup::Flow)->size()); }},
        {"count by node", [&] { return qint64(store.countBy({}, ExceptionGroup::Node)->size()); }},
        {"count by state",
         [&] { return qint64(store.countBy({}, ExceptionGroup::State)->size()); }},
        {"count by reason, older than 30 days (scan)",
         [&] { return qint64(store.countBy(old, ExceptionGroup::Reason)->size()); }},
        {"count by reason, newer than 1 day (scan)",
         [&] { return qint64(store.countBy(recent, ExceptionGroup::Reason)->size()); }},
    };
    if (fillSeconds > 0) {
        std::printf("Filled %d exceptions in %.1f s (%.0f per second). ",
                    count,
                    fillSeconds,
                    count / fillSeconds);
    }
    std::printf("%lld exceptions, %lld unresolved.\n\n",
                static_cast<long long>(*store.count({})),
                static_cast<long long>(*store.count(unresolved)));
    std::printf("| query | rows | median ms | p95 ms |\n|---|---:|---:|---:|\n");
    for (const Case &c : cases) {
        const Timing t = measure(repeat, c.run);
        std::printf("| %s | %lld | %.2f | %.2f |\n",
                    c.name,
                    static_cast<long long>(t.rows),
                    t.medianMs,
                    t.p95Ms);
    }
    // What OFFSET paging would cost at the same depth, for contrast.
    const Timing offset = measure(repeat, [&] {
        Result<Connection> c = messages.reader();
        Result<Statement> s = c->prepare("SELECT * FROM exceptions WHERE state <> 'resolved'"
                                         " ORDER BY created_at DESC, id DESC"
                                         " LIMIT 50 OFFSET 100000");
        qint64 rows = 0;
        while (*s->step()) {
            ++rows;
        }
        return rows;
    });
    std::printf("| (contrast) page 2,001 by OFFSET | %lld | %.2f | %.2f |\n",
                static_cast<long long>(offset.rows),
                offset.medianMs,
                offset.p95Ms);
    return 0;
}
