// JSON intake benchmark: the time JsonIntake takes per body, the strict position-tracking parser
// (JsonIntake::parseStrict, what parse() was before the fast path) against parse() (simdjson
// first), measured alternately in the same run on the shared webhook body and real SaaS
// payloads; the cost of interning a member name with the per-thread cache (Key) against the
// shared, mutex-guarded table alone; and each body's size and encode/decode time as the store
// keeps it (compressed). Each parse includes releasing the Value, as a caller does.
//
//   bench_intake [--seconds S] [--doc docs/performance.md]
//
// Build it in a Release build. With --doc it rewrites its section of docs/performance.md.

#include "engine/json/intake.h"
#include "engine/json/keyintern.h"
#include "engine/store/payloadcodec.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QLocale>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

using namespace syncline::engine;
using namespace syncline::engine::json;

namespace {

// The measuring thread's own CPU time: the machine is shared, and wall time would count the
// time other processes held the core.
double threadCpuNanos()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e9 + double(now.tv_nsec);
}

struct Body
{
    QString name;
    QString path; // under the shared folder
};

const std::vector<Body> &bodies()
{
    static const std::vector<Body> list = {
        {QStringLiteral("invoice_event (Stripe-like webhook)"),
         QStringLiteral("bench/jsonata/input/invoice_event.json")},
        {QStringLiteral("Stripe invoice object"),
         QStringLiteral("external-data/saas-payloads/stripe/objects/invoice.json")},
        {QStringLiteral("Zendesk tickets list"),
         QStringLiteral("external-data/saas-payloads/zendesk/fixture/GET/tickets.json")},
        {QStringLiteral("Salesforce accounts"),
         QStringLiteral("external-data/saas-payloads/salesforce-ebikes/data/Accounts.json")},
        {QStringLiteral("contacts_200"), QStringLiteral("bench/jsonata/input/contacts_200.json")},
        {QStringLiteral("invoice_large (above the 64 KiB reused parser)"),
         QStringLiteral("bench/jsonata/input/invoice_large.json")},
    };
    return list;
}

// CPU nanoseconds per call of `work`, over about `seconds` of CPU time.
double nanosPerCall(const std::function<void()> &work, double seconds)
{
    work(); // warm caches and the thread's parser
    long calls = 0;
    const double start = threadCpuNanos();
    const double until = start + seconds * 1e9;
    double now = start;
    while (now < until) {
        for (int i = 0; i < 16; ++i) {
            work();
        }
        calls += 16;
        now = threadCpuNanos();
    }
    return (now - start) / double(calls);
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

QString figure(double value)
{
    if (value >= 100) {
        return QString::number(value, 'f', 0);
    }
    return QString::number(value, 'f', value >= 10 ? 1 : 2);
}

void collectNames(const Value &value, std::vector<std::string> &names)
{
    for (const Member &member : value.members()) {
        names.emplace_back(member.key.view());
        collectNames(member.value, names);
    }
    for (const Value &item : value.items()) {
        collectNames(item, names);
    }
}

// Nanoseconds per name when `threads` threads intern `names` over and over at the same time.
double internNanos(const std::vector<std::string> &names, int threads, bool cached, double seconds)
{
    std::vector<double> results(std::size_t(threads), 0.0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            const auto work = [&] {
                for (const std::string &name : names) {
                    if (cached) {
                        const Key key(name);
                        (void)key;
                    } else {
                        (void)detail::internKeyRep(name, Key::hashOf(name));
                    }
                }
            };
            results[std::size_t(t)] = nanosPerCall(work, seconds) / double(names.size());
        });
    }
    for (std::thread &worker : workers) {
        worker.join();
    }
    return median(results);
}

QString machine()
{
    QString cpu = QStringLiteral("unknown CPU");
    QFile info(QStringLiteral("/proc/cpuinfo"));
    if (info.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : info.readAll().split('\n')) {
            if (line.startsWith("model name")) {
                cpu = QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
                break;
            }
        }
    }
    QString load;
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = loadavg.readAll().split(' ');
        load = QStringLiteral("; load average at the start %1 %2 %3")
                   .arg(QString::fromUtf8(parts.value(0)), QString::fromUtf8(parts.value(1)),
                        QString::fromUtf8(parts.value(2)));
    }
    return QStringLiteral("%1, %2 cores, %3 %4%5")
        .arg(cpu)
        .arg(QThread::idealThreadCount())
        .arg(QSysInfo::kernelType(), QSysInfo::kernelVersion(), load);
}

// A row of the stored-payload table: `text` as the store keeps it, and the CPU time to encode
// and decode it; empty when it does not come back as it was.
QString storedRow(const QString &name, const QByteArray &text, int rounds, double seconds)
{
    const store::EncodedPayload stored = store::encodePayload(text);
    const std::string_view bytes(stored.bytes.constData(), std::size_t(stored.bytes.size()));
    const int encoding = int(stored.encoding);
    const Result<QByteArray> back = store::decodePayload(bytes, encoding, QString());
    if (!back || *back != text) {
        return {};
    }
    std::vector<double> encode;
    std::vector<double> decode;
    for (int round = 0; round < rounds; ++round) {
        encode.push_back(nanosPerCall([&] { (void)store::encodePayload(text); },
                                      seconds / (2 * rounds)));
        decode.push_back(nanosPerCall(
            [&] { (void)store::decodePayload(bytes, encoding, QString()); },
            seconds / (2 * rounds)));
    }
    const QLocale english(QLocale::English);
    return QStringLiteral("| %1 | %2 | %3 | %4 % | %5 | %6 |")
        .arg(name, english.toString(text.size()), english.toString(stored.bytes.size()),
             QString::number(100.0 * double(stored.bytes.size()) / double(text.size()), 'f', 0),
             figure(median(encode) / 1000), figure(median(decode) / 1000));
}

bool writeSection(const QString &docPath, const QString &section)
{
    QFile file(docPath);
    QString doc;
    if (file.open(QIODevice::ReadOnly)) {
        doc = QString::fromUtf8(file.readAll());
        file.close();
    }
    const QString start = QStringLiteral("<!-- intake-benchmark:start");
    const QString end = QStringLiteral("<!-- intake-benchmark:end -->");
    const qsizetype a = doc.indexOf(start);
    const qsizetype b = doc.indexOf(end);
    if (a >= 0 && b > a) {
        doc = doc.left(a) + section + doc.mid(b + end.size());
    } else {
        doc = doc.trimmed() + QStringLiteral("\n\n## JSON intake\n\n") + section + u'\n';
    }
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(doc.toUtf8()) > 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Times strict JSON intake against the simdjson fast path."));
    parser.addHelpOption();
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("Seconds per body and parser."),
                                           QStringLiteral("S"), QStringLiteral("2"));
    const QCommandLineOption docOption(QStringLiteral("doc"),
                                       QStringLiteral("Rewrite the section in this file."),
                                       QStringLiteral("FILE"));
    parser.addOptions({secondsOption, docOption});
    parser.process(app);
    const double seconds = std::max(0.1, parser.value(secondsOption).toDouble());
    constexpr int kRounds = 5; // alternating, so drift on a shared machine hits both alike

    QStringList out;
    out << QStringLiteral("<!-- intake-benchmark:start (written by bench/intake/bench_intake) -->");
    out << QStringLiteral("Measured %1 on %2. Release build; times are the measuring thread's "
                          "CPU time, each the median of %3 rounds that alternate the two "
                          "parsers, %4 s of CPU each in all; a parse includes releasing the "
                          "Value. ratio = strict / parse().")
               .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                    machine())
               .arg(kRounds)
               .arg(seconds);
    out << QString();
    out << QStringLiteral("| body | bytes | strict µs | parse() µs | parse() MB/s | ratio "
                          "| fast path |");
    out << QStringLiteral("|---|---:|---:|---:|---:|---:|---|");

    const QString shared = QStringLiteral(SYNCLINE_SHARED_DIR);
    std::vector<std::string> names;
    QStringList storedRows; // the stored-payload table, printed after the interning one
    for (const Body &body : bodies()) {
        QFile file(shared + u'/' + body.path);
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s\n", qPrintable(file.fileName()));
            return 2;
        }
        const QByteArray bytes = file.readAll();
        const std::string_view view(bytes.constData(), std::size_t(bytes.size()));
        const IntakeResult strictResult = JsonIntake::parseStrict(view);
        const IntakeResult fastResult = JsonIntake::parse(view);
        const bool same = strictResult.ok() && fastResult.ok()
                          && toJsonText(strictResult.value()) == toJsonText(fastResult.value());
        if (names.empty() && strictResult.ok()) {
            collectNames(strictResult.value(), names);
        }
        std::vector<double> strict;
        std::vector<double> fast;
        for (int round = 0; round < kRounds; ++round) {
            strict.push_back(nanosPerCall([&] { (void)JsonIntake::parseStrict(view); },
                                          seconds / (2 * kRounds)));
            fast.push_back(nanosPerCall([&] { (void)JsonIntake::parse(view); },
                                        seconds / (2 * kRounds)));
        }
        const double strictUs = median(strict) / 1000;
        const double fastUs = median(fast) / 1000;
        out << QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6× | %7 |")
                   .arg(body.name, QLocale(QLocale::English).toString(bytes.size()),
                        figure(strictUs), figure(fastUs), figure(double(bytes.size()) / fastUs),
                        QString::number(strictUs / fastUs, 'f', 1),
                        same ? QStringLiteral("same value") : QStringLiteral("DIFFERENT"));
        const QString stored = storedRow(body.name, bytes, kRounds, seconds);
        if (stored.isEmpty()) {
            std::fprintf(stderr, "%s does not come back as it was stored\n",
                         qPrintable(body.name));
            return 2;
        }
        storedRows << stored;
    }

    out << QString();
    out << QStringLiteral("Interning the %1 member names of invoice_event, ns per name:")
               .arg(names.size());
    out << QString();
    out << QStringLiteral("| threads at once | shared table (mutex) "
                          "| Key() with the per-thread cache | ratio |");
    out << QStringLiteral("|---:|---:|---:|---:|");
    for (const int threads : {1, 2}) {
        const double table = internNanos(names, threads, false, seconds / 2);
        const double cached = internNanos(names, threads, true, seconds / 2);
        out << QStringLiteral("| %1 | %2 | %3 | %4× |")
                   .arg(threads)
                   .arg(figure(table), figure(cached), QString::number(table / cached, 'f', 1));
    }
    out << QString();
    out << QStringLiteral("Each body as the store keeps it (store/payloadcodec: zstd level 1 from "
                          "256 bytes). The peer is storing the text: it costs nothing to encode "
                          "and fills its bytes on disk; stored = the bytes of the row's payload "
                          "column.");
    out << QString();
    out << QStringLiteral("| body | bytes | stored | stored / text | encode µs | decode µs |");
    out << QStringLiteral("|---|---:|---:|---:|---:|---:|");
    out << storedRows;
    out << QStringLiteral("<!-- intake-benchmark:end -->");

    const QString section = out.join(u'\n');
    std::printf("%s\n", qPrintable(section));
    if (parser.isSet(docOption) && !writeSection(parser.value(docOption), section)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(parser.value(docOption)));
        return 2;
    }
    return 0;
}
