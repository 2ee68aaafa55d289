// Lineage queries against a store holding 1,000,000 messages (docs/lineage.md, issue 6: "answer
// in under 50 ms with 1,000,000 messages stored").
//
// Fills a store (the engine's own schema and writer) with business transactions in the shapes
// the engine writes — invoices split into lines posted to the ERP and announced to a CRM flow,
// usage events aggregated twenty at a time and posted to billing, customer syncs — then times
// lineage by correlation id, business key and external id over many random keys: the store
// query and the JSON the API sends, as the admin API runs them, while a thread keeps writing
// transactions as a working engine would. Prints the query plans, and with --doc writes the results
// into docs/performance.md between the lineage-benchmark markers.
//
//   bench_lineage [--db FILE] [--messages N] [--queries N] [--doc docs/performance.md]
//
// An existing --db filled with at least N messages is reused.

#include "filler.h"

#include "engine/store/connection.h"
#include "engine/store/lineagejobs.h"
#include "engine/store/sqlitelineagestore.h"
#include "engine/store/sqlitemessagestore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

using namespace syncline::engine;

namespace {

constexpr int kWriteBatch = 5;    // transactions per commit while queries run
constexpr int kWriteEveryMs = 50; // about 100 transactions (340 messages) a second

void say(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
}

struct Timing
{
    QString kind;
    bool writing = false; // measured while the store took writes
    int queries = 0;
    double medianMs = 0;
    double p99Ms = 0;
    double maxMs = 0;
    double medianMessages = 0;
    int mostMessages = 0;
    double medianEffects = 0;
    int truncated = 0;
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const size_t at = std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5));
    return values[at];
}

Result<Timing> timeQueries(store::LineageStore &lineage,
                           store::LineageKey key,
                           const std::vector<QString> &keys,
                           int queries,
                           std::mt19937_64 &rng)
{
    Timing t;
    t.kind = store::lineageKeyName(key);
    std::vector<double> ms;
    std::vector<double> messages;
    std::vector<double> effects;
    std::uniform_int_distribution<size_t> pick(0, keys.size() - 1);
    for (int i = 0; i < queries; ++i) {
        store::LineageQuery query;
        query.key = key;
        query.value = keys[pick(rng)];
        QElapsedTimer timer;
        timer.start();
        Result<std::optional<store::LineageGraph>> graph = lineage.lineage(query);
        if (!graph) {
            return graph.error();
        }
        if (!*graph) {
            return Error::make(QStringLiteral("BENCH"),
                               QStringLiteral("nothing found for %1 %2").arg(t.kind, query.value));
        }
        const QByteArray json = (*graph)->toJson();
        ms.push_back(double(timer.nsecsElapsed()) / 1e6);
        messages.push_back(double((*graph)->messages.size()));
        effects.push_back(double((*graph)->effectCount()));
        t.mostMessages = std::max(t.mostMessages, int((*graph)->messages.size()));
        t.truncated += (*graph)->truncated;
        Q_UNUSED(json);
    }
    t.queries = queries;
    t.medianMs = percentile(ms, 0.5);
    t.p99Ms = percentile(ms, 0.99);
    t.maxMs = percentile(ms, 1.0);
    t.medianMessages = percentile(messages, 0.5);
    t.medianEffects = percentile(effects, 0.5);
    return t;
}

// EXPLAIN QUERY PLAN of every statement lineage runs, one line each.
Result<QStringList> queryPlans(const QString &path)
{
    Result<store::Connection> c = store::Connection::open(path, store::OpenMode::ReadOnly);
    if (!c) {
        return c.error();
    }
    QStringList lines;
    for (const char *sql : store::lineageStatements()) {
        Result<store::Statement> plan = c->prepare(std::string("EXPLAIN QUERY PLAN ") + sql);
        if (!plan) {
            return plan.error();
        }
        QStringList steps;
        while (true) {
            Result<bool> row = plan->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            steps.append(plan->qtext(3));
        }
        const QString statement = QString::fromLatin1(sql).simplified();
        lines.append(QStringLiteral("…%1 → %2")
                         .arg(statement.mid(statement.indexOf(QStringLiteral(" FROM "))),
                              steps.join(QStringLiteral("; "))));
    }
    return lines;
}

QString number(double value)
{
    return value >= 100 ? QStringLiteral("%L1").arg(value, 0, 'f', 0)
                        : QString::number(value, 'f', value >= 10 ? 1 : 2);
}

QString section(const QList<Timing> &timings,
                const FillReport &fill,
                const QStringList &plans,
                qint64 dbBytes,
                double writesPerSecond,
                const QString &loadAverage)
{
    QString cpu;
    QFile info(QStringLiteral("/proc/cpuinfo"));
    if (info.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : info.readAll().split('\n')) {
            if (line.startsWith("model name")) {
                cpu = QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
                break;
            }
        }
    }
    QStringList out;
    out << QStringLiteral(
        "<!-- lineage-benchmark:start (written by bench/lineage/bench_lineage) -->");
    out << QStringLiteral("Measured %1 on %2, %3 cores, %4 %5. %L6 messages in %L7 "
                          "transactions (%L8 effects, %L9 external ids, %L10 lineage edges); "
                          "database %11 MB. Release build. Each query is what `GET "
                          "/api/v1/lineage` does: `SqliteLineageStore::lineage` (its read "
                          "connections kept between queries) and the JSON it answers, on random "
                          "keys; first on a quiet store, then while a thread wrote %12 "
                          "transactions a second into it, as a working engine does (every commit "
                          "ends the readers' cached pages, and the writer competes for the two "
                          "cores). The file is in the OS page cache; load average at the start "
                          "%13.")
               .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")), cpu)
               .arg(QThread::idealThreadCount())
               .arg(QSysInfo::kernelType(), QSysInfo::kernelVersion())
               .arg(fill.messages)
               .arg(fill.transactions)
               .arg(fill.effects)
               .arg(fill.externalIds)
               .arg(fill.edges)
               .arg(dbBytes / (1024 * 1024))
               .arg(writesPerSecond, 0, 'f', 0)
               .arg(loadAverage);
    out << QString();
    out << QStringLiteral("| lookup by | store | queries | median ms | p99 ms | max ms | messages "
                          "per graph (median / most) | effects per graph (median) |");
    out << QStringLiteral("|---|---|---:|---:|---:|---:|---:|---:|");
    for (const Timing &t : timings) {
        out << QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 / %8 | %9 |")
                   .arg(t.kind,
                        t.writing
                            ? QStringLiteral("writing %1 tx/s").arg(writesPerSecond, 0, 'f', 0)
                            : QStringLiteral("quiet"))
                   .arg(t.queries)
                   .arg(number(t.medianMs),
                        number(t.p99Ms),
                        number(t.maxMs),
                        number(t.medianMessages))
                   .arg(t.mostMessages)
                   .arg(number(t.medianEffects));
    }
    out << QString();
    out << QStringLiteral("Query plans (`EXPLAIN QUERY PLAN`; every lookup is a SEARCH on an "
                          "index):");
    out << QString();
    out << QStringLiteral("```");
    out << plans;
    out << QStringLiteral("```");
    out << QStringLiteral("<!-- lineage-benchmark:end -->");
    return out.join(u'\n');
}

bool writeSection(const QString &docPath, const QString &text)
{
    QFile file(docPath);
    QString doc;
    if (file.open(QIODevice::ReadOnly)) {
        doc = QString::fromUtf8(file.readAll());
        file.close();
    }
    const QString start = QStringLiteral("<!-- lineage-benchmark:start");
    const QString end = QStringLiteral("<!-- lineage-benchmark:end -->");
    const qsizetype a = doc.indexOf(start);
    const qsizetype b = doc.indexOf(end);
    if (a >= 0 && b > a) {
        doc = doc.left(a) + text + doc.mid(b + end.size());
    } else {
        doc = doc.trimmed() + QStringLiteral("\n\n## Lineage queries\n\n") + text + u'\n';
    }
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return false;
    }
    return file.write(doc.toUtf8()) > 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Times lineage queries on a large store."));
    parser.addHelpOption();
    const QCommandLineOption dbOption(QStringLiteral("db"),
                                      QStringLiteral("Store file."),
                                      QStringLiteral("FILE"),
                                      QStringLiteral("/tmp/bench-lineage.db"));
    const QCommandLineOption messagesOption(QStringLiteral("messages"),
                                            QStringLiteral("Messages to store."),
                                            QStringLiteral("N"),
                                            QStringLiteral("1000000"));
    const QCommandLineOption queriesOption(QStringLiteral("queries"),
                                           QStringLiteral("Queries per kind of key."),
                                           QStringLiteral("N"),
                                           QStringLiteral("2000"));
    const QCommandLineOption docOption(QStringLiteral("doc"),
                                       QStringLiteral("Write the results into this file."),
                                       QStringLiteral("FILE"));
    parser.addOptions({dbOption, messagesOption, queriesOption, docOption});
    parser.process(app);
    const QString path = parser.value(dbOption);
    const qint64 wanted = parser.value(messagesOption).toLongLong();
    const int queries = parser.value(queriesOption).toInt();

    QElapsedTimer opening;
    opening.start();
    Result<std::unique_ptr<store::SqliteMessageStore>> opened =
        store::SqliteMessageStore::open(path);
    if (!opened) {
        say(QStringLiteral("cannot open %1: %2\n").arg(path, opened.error().message));
        return 1;
    }
    store::SqliteMessageStore &messages = **opened;
    say(QStringLiteral("opened in %1 s (check and migrations included)\n")
            .arg(double(opening.elapsed()) / 1000.0, 0, 'f', 1));
    Filler filler(messages);
    QElapsedTimer filling;
    filling.start();
    Result<FillReport> fill = filler.fill(wanted, [](const FillReport &progress) {
        say(QStringLiteral("\r%L1 messages stored").arg(progress.messages));
    });
    if (!fill) {
        say(QStringLiteral("\nfilling failed: %1\n").arg(fill.error().message));
        return 1;
    }
    say(QStringLiteral("\n%L1 messages, %L2 transactions (%3 s)\n")
            .arg(fill->messages)
            .arg(fill->transactions)
            .arg(double(filling.elapsed()) / 1000.0, 0, 'f', 1));

    QString loadAverage;
    QFile load(QStringLiteral("/proc/loadavg"));
    if (load.open(QIODevice::ReadOnly)) {
        loadAverage = QString::fromLatin1(load.readAll()).section(u' ', 0, 2);
    }
    // Twice: on a quiet store, then while the engine keeps working — every commit ends the
    // read connections' cached pages, as it would in production.
    store::SqliteLineageStore lineage(messages);
    std::mt19937_64 rng(42);
    QList<Timing> timings;
    double writesPerSecond = 0;
    for (const bool writing : {false, true}) {
        std::atomic<bool> stop = !writing;
        std::atomic<qint64> written = 0;
        std::thread engineAtWork([&] {
            while (!stop) {
                if (filler.add(kWriteBatch)) {
                    written += kWriteBatch;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(kWriteEveryMs));
            }
        });
        QElapsedTimer querying;
        querying.start();
        for (const auto &[key, keys] :
             {std::pair{store::LineageKey::CorrelationId, &fill->correlationIds},
              std::pair{store::LineageKey::BusinessKey, &fill->businessKeys},
              std::pair{store::LineageKey::ExternalId, &fill->externalIdValues}}) {
            (void)timeQueries(lineage, key, *keys, std::min(queries, 50), rng); // warm up
            Result<Timing> t = timeQueries(lineage, key, *keys, queries, rng);
            if (!t) {
                stop = true;
                engineAtWork.join();
                say(QStringLiteral("query failed: %1\n").arg(t.error().message));
                return 1;
            }
            t->writing = writing;
            say(QStringLiteral("%1%2: median %3 ms, p99 %4 ms, max %5 ms, median %6 messages\n")
                    .arg(t->kind,
                         writing ? QStringLiteral(" (writing)") : QString(),
                         number(t->medianMs),
                         number(t->p99Ms),
                         number(t->maxMs),
                         number(t->medianMessages)));
            timings.append(*t);
        }
        stop = true;
        engineAtWork.join();
        if (writing) {
            writesPerSecond = double(written) * 1000.0 / double(querying.elapsed());
            say(QStringLiteral("meanwhile %1 transactions a second were written\n")
                    .arg(writesPerSecond, 0, 'f', 0));
        }
    }
    Result<QStringList> plans = queryPlans(path);
    if (!plans) {
        say(QStringLiteral("query plans: %1\n").arg(plans.error().message));
        return 1;
    }
    say(plans->join(u'\n') + u'\n');
    const qint64 dbBytes = QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size();
    const QString text = section(timings, *fill, *plans, dbBytes, writesPerSecond, loadAverage);
    if (parser.isSet(docOption) && !writeSection(parser.value(docOption), text)) {
        say(QStringLiteral("cannot write %1\n").arg(parser.value(docOption)));
        return 1;
    }
    return 0;
}
