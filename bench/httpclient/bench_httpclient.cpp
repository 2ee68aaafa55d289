// Outbound HTTP client benchmark: N POSTs of a ~1.5 KB JSON body to a loopback target (run.sh
// starts bench/e2e's bench_sink on the other core), kept IN_FLIGHT at a time and sent in batches
// the way the HTTP node sends them (up to 16 per worker, then it waits for each). Prints calls
// per second and CPU per call: the whole process, the sending thread alone, and the rest (the
// client's libcurl thread); and system calls per call, counted the way `perf stat -e
// raw_syscalls:sys_enter` counts them (a perf counter on that tracepoint, over the measured calls
// only), for the whole process and for the sending thread.
//
//   bench_httpclient URL [--calls N] [--in-flight K] [--batch B] [--body BYTES]

#include "engine/net/httpclient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <vector>

using namespace syncline::engine::net;

namespace {

double cpuMs(int who)
{
    rusage usage{};
    getrusage(who, &usage);
    const auto ms = [](const timeval &t) { return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3; };
    return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// Counts system calls entered by this thread, and with `inherit` by every thread it starts after
// the counter was opened. Reads -1 where perf counters are not allowed.
class SyscallCounter
{
public:
    explicit SyscallCounter(bool inherit)
    {
        std::ifstream idFile("/sys/kernel/tracing/events/raw_syscalls/sys_enter/id");
        unsigned long long id = 0;
        if (!(idFile >> id)) {
            return;
        }
        perf_event_attr attr{};
        attr.size = sizeof attr;
        attr.type = PERF_TYPE_TRACEPOINT;
        attr.config = id;
        attr.disabled = 1;
        attr.inherit = inherit ? 1 : 0;
        m_fd = int(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    }
    ~SyscallCounter()
    {
        if (m_fd >= 0) {
            close(m_fd);
        }
    }
    SyscallCounter(const SyscallCounter &) = delete;
    SyscallCounter &operator=(const SyscallCounter &) = delete;

    void start() const
    {
        if (m_fd >= 0) {
            ioctl(m_fd, PERF_EVENT_IOC_RESET, 0);
            ioctl(m_fd, PERF_EVENT_IOC_ENABLE, 0);
        }
    }
    long long stop() const
    {
        long long count = -1;
        if (m_fd < 0) {
            return count;
        }
        ioctl(m_fd, PERF_EVENT_IOC_DISABLE, 0);
        if (read(m_fd, &count, sizeof count) != sizeof count) {
            count = -1;
        }
        return count;
    }

private:
    int m_fd = -1;
};

HttpRequest makeRequest(const QString &url, const QByteArray &body, int n)
{
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.body = body;
    request.headers = {{"Authorization", "Bearer bench-token-0123456789abcdef"},
                       {"X-Correlation-ID", "corr-" + QByteArray::number(n)},
                       {"Content-Type", "application/json"},
                       {"Idempotency-Key", "bench-key-" + QByteArray::number(n)}};
    request.totalTimeoutMs = 10'000;
    return request;
}

QByteArray invoiceBody(int bytes)
{
    QByteArray body = R"({"type":"invoice.created","data":{"number":"INV-1001","lines":[)";
    while (body.size() < bytes - 40) {
        body += R"({"sku":"SKU-42","quantity":3,"amount":"19.99"},)";
    }
    body += R"({"sku":"END","quantity":1,"amount":"0.01"}]}})";
    return body;
}

struct Options
{
    QString url;
    int calls = 20'000;
    int inFlight = 64;
    int batch = 16;
    int bodyBytes = 1'500;
};

// Runs `count` calls; returns how many failed.
int run(HttpClient &client, const Options &options, const QByteArray &body, int count, int first)
{
    std::vector<std::future<HttpOutcome>> calls(size_t(options.inFlight));
    int failed = 0;
    int sent = 0;
    const auto collect = [&failed](std::future<HttpOutcome> &call) {
        if (!call.valid()) {
            return;
        }
        const HttpOutcome outcome = call.get();
        if (!outcome.response || outcome.response->status >= 300) {
            ++failed;
        }
    };
    for (size_t group = 0; sent < count; group = (group + size_t(options.batch)) % calls.size()) {
        const size_t end = std::min(calls.size(), group + size_t(options.batch));
        for (size_t i = group; i < end; ++i) {
            collect(calls[i]);
        }
        for (size_t i = group; i < end && sent < count; ++i, ++sent) {
            calls[i] = client.send(makeRequest(options.url, body, first + sent));
        }
    }
    for (std::future<HttpOutcome> &call : calls) {
        collect(call);
    }
    return failed;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("where to POST"));
    const QCommandLineOption calls(QStringLiteral("calls"), QStringLiteral("calls"),
                                   QStringLiteral("N"), QStringLiteral("20000"));
    const QCommandLineOption inFlight(QStringLiteral("in-flight"), QStringLiteral("in flight"),
                                      QStringLiteral("K"), QStringLiteral("64"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("sent at once"),
                                   QStringLiteral("B"), QStringLiteral("16"));
    const QCommandLineOption bodyBytes(QStringLiteral("body"), QStringLiteral("body bytes"),
                                       QStringLiteral("BYTES"), QStringLiteral("1500"));
    parser.addOptions({calls, inFlight, batch, bodyBytes});
    parser.process(app);
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "usage: bench_httpclient URL [--calls N] [--in-flight K] "
                             "[--batch B] [--body BYTES]\n");
        return 2;
    }
    Options options;
    options.url = parser.positionalArguments().constFirst();
    options.calls = std::max(1, parser.value(calls).toInt());
    options.inFlight = std::max(1, parser.value(inFlight).toInt());
    options.batch = std::clamp(parser.value(batch).toInt(), 1, options.inFlight);
    options.bodyBytes = std::max(64, parser.value(bodyBytes).toInt());

    const QByteArray body = invoiceBody(options.bodyBytes);
    const SyscallCounter allThreads(true); // before the client starts its thread
    const SyscallCounter sendingThread(false);
    HttpClient client;
    // Opens the connections the measured calls reuse, as a running engine would have them.
    if (int failed = run(client, options, body, options.inFlight * 4, 0); failed > 0) {
        std::fprintf(stderr, "bench_httpclient: %d warm-up calls failed\n", failed);
        return 1;
    }
    const double processBefore = cpuMs(RUSAGE_SELF);
    const double senderBefore = cpuMs(RUSAGE_THREAD);
    QElapsedTimer wall;
    wall.start();
    allThreads.start();
    sendingThread.start();
    const int failed = run(client, options, body, options.calls, options.inFlight * 4);
    const long long senderCalls = sendingThread.stop();
    const long long processCalls = allThreads.stop();
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
    const double process = cpuMs(RUSAGE_SELF) - processBefore;
    const double sender = cpuMs(RUSAGE_THREAD) - senderBefore;
    std::printf("calls %d  body %lld B  in flight %d  batch %d  failed %d\n", options.calls,
                qint64(body.size()), options.inFlight, options.batch, failed);
    std::printf("calls/s %.0f  cpu us/call: process %.2f  sender %.2f  client thread %.2f\n",
                options.calls / seconds, process * 1e3 / options.calls,
                sender * 1e3 / options.calls, (process - sender) * 1e3 / options.calls);
    if (processCalls >= 0 && senderCalls >= 0) {
        std::printf("syscalls/call: process %.2f  sender %.2f  client thread %.2f\n",
                    double(processCalls) / options.calls, double(senderCalls) / options.calls,
                    double(processCalls - senderCalls) / options.calls);
    }
    return failed > 0 ? 1 : 0;
}
