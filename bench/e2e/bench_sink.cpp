// The loopback target of the end-to-end benchmark: answers every POST with 201 at once, counts
// requests and distinct Idempotency-Key values, and tells GET /count what it saw (requests,
// distinct keys, the first and last arrival) so run.sh can compute delivered messages per second
// and find messages that were accepted but never arrived. POST /reset starts counting afresh.
#include "engine/net/httpserver.h"

#include <QDateTime>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_set>

#include <unistd.h>

using namespace syncline::engine::net;

namespace {

struct Counts
{
    std::mutex mutex;
    std::unordered_set<std::string> keys;
    qint64 requests = 0;
    qint64 withoutKey = 0;
    qint64 firstMs = 0;
    qint64 lastMs = 0;
};

QByteArray countsJson(Counts &counts)
{
    std::lock_guard lock(counts.mutex);
    return QStringLiteral(R"({"requests":%1,"keys":%2,"withoutKey":%3,"firstMs":%4,"lastMs":%5})")
        .arg(counts.requests)
        .arg(qint64(counts.keys.size()))
        .arg(counts.withoutKey)
        .arg(counts.firstMs)
        .arg(counts.lastMs)
        .toUtf8();
}

volatile std::sig_atomic_t g_stop = 0;

} // namespace

int main(int argc, char **argv)
{
    const quint16 port = argc > 1 ? quint16(std::atoi(argv[1])) : 0;
    Counts counts;
    HttpServer server;
    HttpServerOptions options;
    options.port = port;
    options.threads = 1;
    options.maxConnections = 4096;
    const auto listening = server.listen(options, [&counts](ServerRequest request,
                                                            Responder respond) {
        if (request.method == "GET" && request.path == "/count") {
            respond(ServerResponse::json(200, countsJson(counts)));
            return;
        }
        if (request.method == "POST" && request.path == "/reset") {
            std::lock_guard lock(counts.mutex);
            counts.keys.clear();
            counts.requests = counts.withoutKey = counts.firstMs = counts.lastMs = 0;
            respond(ServerResponse::json(200, "{}"));
            return;
        }
        const QByteArray key = request.header("idempotency-key");
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            std::lock_guard lock(counts.mutex);
            ++counts.requests;
            if (key.isEmpty()) {
                ++counts.withoutKey;
            } else {
                counts.keys.emplace(key.constData(), size_t(key.size()));
            }
            if (counts.firstMs == 0) {
                counts.firstMs = now;
            }
            counts.lastMs = now;
        }
        respond(ServerResponse::json(201, R"({"id":"sink-ok"})"));
    });
    if (!listening) {
        std::fprintf(stderr, "bench_sink: %s\n", qPrintable(listening.error().message));
        return 1;
    }
    std::printf("%u\n", unsigned(server.port()));
    std::fflush(stdout);
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    while (!g_stop) {
        pause();
    }
    server.stop();
    return 0;
}
