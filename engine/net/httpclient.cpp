#include "engine/net/httpclient.h"

#include <QElapsedTimer>

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

namespace syncline::engine::net {

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return {};
}

namespace {

// libcurl's global set-up is not thread-safe; do it once for the process.
void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Call
{
    HttpRequest request;
    std::promise<HttpOutcome> done;
    CURL *easy = nullptr;
    curl_slist *headerList = nullptr;
    HttpResponse response;
    bool tooLarge = false;
    QElapsedTimer timer;

    ~Call()
    {
        curl_slist_free_all(headerList);
        if (easy) {
            curl_easy_cleanup(easy);
        }
    }
};

size_t onBody(char *data, size_t size, size_t count, void *user)
{
    auto *call = static_cast<Call *>(user);
    const size_t bytes = size * count;
    if (call->response.body.size() + qint64(bytes) > call->request.maxResponseBytes) {
        call->tooLarge = true;
        return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    call->response.body.append(data, qsizetype(bytes));
    return bytes;
}

size_t onHeader(char *data, size_t size, size_t count, void *user)
{
    auto *call = static_cast<Call *>(user);
    const size_t bytes = size * count;
    const QByteArray line = QByteArray(data, qsizetype(bytes)).trimmed();
    if (line.startsWith("HTTP/")) {
        call->response.headers.clear(); // a new response (e.g. after 100 Continue)
        return bytes;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon > 0) {
        call->response.headers.append(
            {line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
    }
    return bytes;
}

// Whether any byte of the request left: after that, a lost response leaves the outcome unknown.
bool requestSent(CURL *easy)
{
    long sent = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &sent);
    return sent > 0;
}

Error callError(const char *code, const QString &url, const QString &reason)
{
    return Error::make(QString::fromLatin1(code), QStringLiteral("%1: %2").arg(url, reason),
                       /*retryable*/ true);
}

HttpOutcome finish(Call &call, CURLcode result)
{
    HttpOutcome outcome;
    outcome.requestSent = requestSent(call.easy);
    const QString url = call.request.url;
    if (result == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(call.easy, CURLINFO_RESPONSE_CODE, &status);
        call.response.status = int(status);
        call.response.elapsedMs = call.timer.elapsed();
        outcome.response = std::move(call.response);
        return outcome;
    }
    const QString reason = QString::fromUtf8(curl_easy_strerror(result));
    if (call.tooLarge) {
        outcome.response = Error::make(QString::fromLatin1(kHttpTooLarge),
                                       QStringLiteral("%1: the response is larger than %2 bytes")
                                           .arg(url)
                                           .arg(call.request.maxResponseBytes));
        return outcome;
    }
    switch (result) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        outcome.response = Error::make(QString::fromLatin1(kHttpInvalid),
                                       QStringLiteral("%1: %2").arg(url, reason));
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        outcome.response = callError(kHttpConnect, url, reason);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        outcome.response = callError(outcome.requestSent ? kHttpTimeout : kHttpConnect, url,
                                     reason);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        outcome.response = Error::make(QString::fromLatin1(kHttpTls),
                                       QStringLiteral("%1: %2").arg(url, reason));
        break;
    default:
        outcome.response = callError(outcome.requestSent ? kHttpReset : kHttpConnect, url,
                                     reason);
        break;
    }
    return outcome;
}

} // namespace

struct HttpClient::Impl
{
    CURLM *multi = nullptr;
    mutable std::mutex mutex;
    std::deque<std::unique_ptr<Call>> waiting;
    std::atomic<int> inFlight{0};
    std::atomic<bool> stopping{false};
    std::thread thread;

    void loop();
    void start(std::unique_ptr<Call> call, std::vector<std::unique_ptr<Call>> &running);
};

void HttpClient::Impl::start(std::unique_ptr<Call> call,
                             std::vector<std::unique_ptr<Call>> &running)
{
    CURL *easy = curl_easy_init();
    call->easy = easy;
    const HttpRequest &r = call->request;
    const QByteArray url = r.url.toUtf8();
    curl_easy_setopt(easy, CURLOPT_URL, url.constData());
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.constData());
    if (!r.body.isEmpty() || r.method != "GET") {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.size()));
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, r.body.constData());
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.constData());
    }
    if (r.method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    }
    for (const auto &[name, value] : r.headers) {
        call->headerList = curl_slist_append(call->headerList, (name + ": " + value).constData());
    }
    // Without this libcurl adds "Expect: 100-continue" to larger bodies and waits for it.
    call->headerList = curl_slist_append(call->headerList, "Expect:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, call->headerList);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, long(r.connectTimeoutMs));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, long(r.totalTimeoutMs));
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, r.followRedirects ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, r.freshConnection ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, call.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, call.get());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, call.get());
    call->timer.start();
    curl_multi_add_handle(multi, easy);
    running.push_back(std::move(call));
}

void HttpClient::Impl::loop()
{
    std::vector<std::unique_ptr<Call>> running;
    while (!stopping) {
        {
            std::lock_guard lock(mutex);
            while (!waiting.empty()) {
                std::unique_ptr<Call> call = std::move(waiting.front());
                waiting.pop_front();
                start(std::move(call), running);
            }
        }
        int active = 0;
        curl_multi_perform(multi, &active);
        int queued = 0;
        while (CURLMsg *message = curl_multi_info_read(multi, &queued)) {
            if (message->msg != CURLMSG_DONE) {
                continue;
            }
            CURL *easy = message->easy_handle;
            const CURLcode result = message->data.result;
            curl_multi_remove_handle(multi, easy);
            auto found = std::find_if(running.begin(), running.end(),
                                      [easy](const auto &c) { return c->easy == easy; });
            if (found == running.end()) {
                continue;
            }
            std::unique_ptr<Call> call = std::move(*found);
            running.erase(found);
            HttpOutcome outcome = finish(*call, result);
            --inFlight; // before waking the caller, who may look at pending()
            call->done.set_value(std::move(outcome));
        }
        curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    for (std::unique_ptr<Call> &call : running) {
        curl_multi_remove_handle(multi, call->easy);
        HttpOutcome cancelled;
        cancelled.response = callError(kHttpReset, call->request.url,
                                       QStringLiteral("cancelled: the client is shutting down"));
        cancelled.requestSent = requestSent(call->easy);
        call->done.set_value(std::move(cancelled));
    }
}

HttpClient::HttpClient()
    : d(std::make_unique<Impl>())
{
    initCurlOnce();
    d->multi = curl_multi_init();
    d->thread = std::thread([impl = d.get()] { impl->loop(); });
}

HttpClient::~HttpClient()
{
    d->stopping = true;
    curl_multi_wakeup(d->multi);
    d->thread.join();
    std::lock_guard lock(d->mutex);
    for (std::unique_ptr<Call> &call : d->waiting) {
        HttpOutcome cancelled;
        cancelled.response = callError(kHttpConnect, call->request.url,
                                       QStringLiteral("cancelled before it was sent"));
        call->done.set_value(std::move(cancelled));
    }
    curl_multi_cleanup(d->multi);
}

std::future<HttpOutcome> HttpClient::send(HttpRequest request)
{
    auto call = std::make_unique<Call>();
    call->request = std::move(request);
    std::future<HttpOutcome> future = call->done.get_future();
    {
        std::lock_guard lock(d->mutex);
        d->waiting.push_back(std::move(call));
        ++d->inFlight;
    }
    curl_multi_wakeup(d->multi);
    return future;
}

int HttpClient::pending() const
{
    return d->inFlight;
}

} // namespace syncline::engine::net
