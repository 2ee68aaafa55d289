#include "engine/net/httpclient.h"

#include "engine/core/threadname.h"

#include <QElapsedTimer>

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

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

// Handles kept for reuse beyond this many are freed: a burst does not pin its memory for good.
constexpr size_t kMaxIdleHandles = 256;
// The loop wakes at least this often even when libcurl has no timer of its own.
constexpr int kMaxWaitMs = 1000;
constexpr int kEventsPerWait = 64;

struct Call
{
    HttpRequest request;
    HttpClient::Done done;
    CURL *easy = nullptr;
    size_t runningIndex = 0;
    // The request's header lines, NUL-separated in one buffer, and the list libcurl reads them
    // from: two allocations per call instead of two per header.
    QByteArray headerText;
    std::vector<curl_slist> headerList;
    HttpResponse response;
    bool tooLarge = false;
    QElapsedTimer timer;

    void buildHeaderList();
};

void Call::buildHeaderList()
{
    // Without "Expect:" libcurl adds "Expect: 100-continue" to larger bodies and waits for it.
    static constexpr QByteArrayView kNoExpect = "Expect:";
    qsizetype bytes = kNoExpect.size() + 1;
    for (const auto &[name, value] : request.headers) {
        bytes += name.size() + value.size() + 3;
    }
    headerText.reserve(bytes);
    for (const auto &[name, value] : request.headers) {
        headerText.append(name).append(": ", 2).append(value).append('\0');
    }
    headerText.append(kNoExpect).append('\0');
    headerList.resize(size_t(request.headers.size()) + 1);
    char *line = headerText.data();
    for (size_t i = 0; i < headerList.size(); ++i) {
        headerList[i].data = line;
        headerList[i].next = i + 1 < headerList.size() ? &headerList[i + 1] : nullptr;
        line += qstrlen(line) + 1;
    }
}

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
    const QByteArrayView line = QByteArrayView(data, qsizetype(bytes)).trimmed();
    if (line.startsWith("HTTP/")) {
        call->response.headers.clear(); // a new response (e.g. after 100 Continue)
        return bytes;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon > 0) {
        call->response.headers.append({line.first(colon).trimmed().toByteArray().toLower(),
                                       line.sliced(colon + 1).trimmed().toByteArray()});
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

// What the loop knows of one file descriptor libcurl asked it to watch.
struct Watch
{
    uint32_t events = 0;     // as registered with epoll
    bool registered = false; // in the epoll set
    bool wanted = false;     // libcurl wants to hear about it now
    bool connection = false; // a connection socket libcurl opened through us
};

} // namespace

// One thread drives every transfer with curl_multi_socket_action on an epoll set of its own:
// each wake-up looks at the sockets that have something to say, not at all of them, and a
// kept-alive connection stays in the epoll set between its calls rather than being taken out
// and put back for each. New calls wake the thread through an eventfd, once per batch.
struct HttpClient::Impl
{
    CURLM *multi = nullptr;
    int epollFd = -1;
    int wakeFd = -1;
    mutable std::mutex mutex;
    std::vector<std::unique_ptr<Call>> waiting;
    std::atomic<bool> wakePending{false};
    std::atomic<int> inFlight{0};
    std::atomic<bool> stopping{false};
    std::thread thread;

    // Owned by the loop's thread (and by the destructor once the thread has ended).
    std::vector<std::unique_ptr<Call>> running;
    std::vector<CURL *> idleHandles;
    size_t mostRunning = 0;
    std::vector<Watch> watches; // by file descriptor
    std::vector<std::unique_ptr<Call>> starting;

    void loop();
    void startWaiting();
    void start(std::unique_ptr<Call> call);
    void configure(CURL *easy, Call &call);
    void collectFinished();
    void complete(Call &call, HttpOutcome outcome);
    void socketAction(curl_socket_t fd, int events);
    void watch(curl_socket_t fd, int what);
    void unwatch(curl_socket_t fd, Watch &slot);
    Watch &slotFor(curl_socket_t fd);
    void wake();
    void cancelRunning();

    static int onSocket(CURL *easy, curl_socket_t fd, int what, void *user, void *socketData);
    static curl_socket_t onOpenSocket(void *user, curlsocktype purpose, curl_sockaddr *address);
    static int onCloseSocket(void *user, curl_socket_t fd);
};

int HttpClient::Impl::onSocket(CURL *, curl_socket_t fd, int what, void *user, void *)
{
    static_cast<Impl *>(user)->watch(fd, what);
    return 0;
}

// Connection sockets are opened and closed through these so that the loop knows which sockets
// it may leave in its epoll set while idle: closing one takes it out of the set by itself.
curl_socket_t HttpClient::Impl::onOpenSocket(void *user, curlsocktype purpose,
                                             curl_sockaddr *address)
{
    // Close-on-exec: a child process holding a copy would keep a closed connection in the
    // epoll set.
    const curl_socket_t fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC,
                                      address->protocol);
    if (fd != CURL_SOCKET_BAD) {
        // A new descriptor with this number: whatever the slot said of an earlier one is gone.
        Watch &slot = static_cast<Impl *>(user)->slotFor(fd);
        slot = Watch{};
        slot.connection = purpose == CURLSOCKTYPE_IPCXN;
    }
    return fd;
}

int HttpClient::Impl::onCloseSocket(void *user, curl_socket_t fd)
{
    static_cast<Impl *>(user)->slotFor(fd) = Watch{};
    return ::close(fd);
}

Watch &HttpClient::Impl::slotFor(curl_socket_t fd)
{
    if (size_t(fd) >= watches.size()) {
        watches.resize(size_t(fd) + 1);
    }
    return watches[size_t(fd)];
}

void HttpClient::Impl::watch(curl_socket_t fd, int what)
{
    Watch &slot = slotFor(fd);
    if (what == CURL_POLL_REMOVE) {
        slot.wanted = false;
        // An idle kept-alive connection stays registered for input: it costs nothing until the
        // peer closes it, and its next call then needs no epoll_ctl. Anything else leaves.
        if (slot.registered && (!slot.connection || (slot.events & EPOLLOUT))) {
            unwatch(fd, slot);
        }
        return;
    }
    const uint32_t events = ((what & CURL_POLL_IN) ? uint32_t(EPOLLIN) : 0u)
                            | ((what & CURL_POLL_OUT) ? uint32_t(EPOLLOUT) : 0u);
    slot.wanted = true;
    if (slot.registered && slot.events == events) {
        return;
    }
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (epoll_ctl(epollFd, slot.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) != 0) {
        // The set and the slot disagree (a descriptor number reused behind our back): follow
        // the set.
        epoll_ctl(epollFd, errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
    }
    slot.registered = true;
    slot.events = events;
}

void HttpClient::Impl::unwatch(curl_socket_t fd, Watch &slot)
{
    epoll_ctl(epollFd, EPOLL_CTL_DEL, fd, nullptr);
    slot.registered = false;
    slot.events = 0;
}

void HttpClient::Impl::socketAction(curl_socket_t fd, int events)
{
    int stillRunning = 0;
    curl_multi_socket_action(multi, fd, events, &stillRunning);
}

void HttpClient::Impl::configure(CURL *easy, Call &call)
{
    const HttpRequest &r = call.request;
    const QByteArray url = r.url.toUtf8();
    curl_easy_setopt(easy, CURLOPT_URL, url.constData());
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.constData());
    if (!r.body.isEmpty() || r.method != "GET") {
        // The body stays in the call until the transfer ends: libcurl need not copy it.
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.constData());
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.constData());
    }
    if (r.method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    }
    call.buildHeaderList();
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, call.headerList.data());
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
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &call);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &call);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &call);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, onOpenSocket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, onCloseSocket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
}

void HttpClient::Impl::start(std::unique_ptr<Call> call)
{
    // A handle from an earlier call keeps nothing of it after the reset; the connections and
    // the DNS cache live in the multi handle either way.
    CURL *easy = nullptr;
    if (!idleHandles.empty()) {
        easy = idleHandles.back();
        idleHandles.pop_back();
        curl_easy_reset(easy);
    } else {
        easy = curl_easy_init();
    }
    if (!easy) {
        complete(*call, {callError(kHttpConnect, call->request.url,
                                   QStringLiteral("out of memory before it was sent")),
                         false});
        return;
    }
    call->easy = easy;
    configure(easy, *call);
    call->timer.start();
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
        complete(*call, {callError(kHttpConnect, call->request.url,
                                   QStringLiteral("the transfer could not be started")),
                         false});
        curl_easy_cleanup(easy);
        return;
    }
    call->runningIndex = running.size();
    running.push_back(std::move(call));
    if (running.size() > mostRunning) {
        // libcurl's default cache is 4 connections per transfer added *now*: when most calls
        // have just finished and the next batch is not yet queued, it closes connections the
        // next batch was about to reuse. Sized by the busiest moment instead, it keeps them.
        mostRunning = running.size();
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(4 * mostRunning));
    }
}

void HttpClient::Impl::startWaiting()
{
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t got = ::read(wakeFd, &count, sizeof count);
    if (stopping) {
        return; // the destructor reports what is still queued as never sent
    }
    // Cleared before the queue is taken: a call queued after this wakes the loop again.
    wakePending.store(false);
    {
        std::lock_guard lock(mutex);
        starting.swap(waiting);
    }
    for (std::unique_ptr<Call> &call : starting) {
        start(std::move(call));
    }
    starting.clear();
}

void HttpClient::Impl::complete(Call &call, HttpOutcome outcome)
{
    --inFlight; // before waking the caller, who may look at pending()
    call.done(std::move(outcome));
}

void HttpClient::Impl::collectFinished()
{
    int queued = 0;
    while (CURLMsg *message = curl_multi_info_read(multi, &queued)) {
        if (message->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = message->easy_handle;
        const CURLcode result = message->data.result;
        Call *found = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &found);
        curl_multi_remove_handle(multi, easy);
        if (!found) {
            continue;
        }
        const size_t index = found->runningIndex;
        std::unique_ptr<Call> call = std::move(running[index]);
        if (index + 1 < running.size()) {
            running[index] = std::move(running.back());
            running[index]->runningIndex = index;
        }
        running.pop_back();
        complete(*call, finish(*call, result));
        if (idleHandles.size() < kMaxIdleHandles) {
            idleHandles.push_back(easy);
        } else {
            curl_easy_cleanup(easy);
        }
    }
}

void HttpClient::Impl::loop()
{
    epoll_event events[kEventsPerWait];
    while (!stopping) {
        long timeoutMs = -1;
        curl_multi_timeout(multi, &timeoutMs);
        if (timeoutMs == 0) { // new transfers to start, or a deadline that has come
            socketAction(CURL_SOCKET_TIMEOUT, 0);
            collectFinished();
            continue;
        }
        const int waitMs = timeoutMs < 0 || timeoutMs > kMaxWaitMs ? kMaxWaitMs : int(timeoutMs);
        const int ready = epoll_wait(epollFd, events, kEventsPerWait, waitMs);
        if (ready == 0) {
            socketAction(CURL_SOCKET_TIMEOUT, 0);
        }
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            if (fd == wakeFd) {
                startWaiting();
                continue;
            }
            Watch &slot = slotFor(fd);
            if (!slot.wanted) {
                // An idle connection the peer closed or wrote to: libcurl finds out when it
                // next checks the connection; until then it need not wake us.
                if (slot.registered) {
                    unwatch(fd, slot);
                }
                continue;
            }
            const uint32_t what = events[i].events;
            int flags = 0;
            if (what & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) {
                flags |= CURL_CSELECT_IN;
            }
            if (what & EPOLLOUT) {
                flags |= CURL_CSELECT_OUT;
            }
            if (what & EPOLLERR) {
                flags |= CURL_CSELECT_ERR;
            }
            socketAction(fd, flags);
        }
        collectFinished();
    }
    cancelRunning();
}

void HttpClient::Impl::cancelRunning()
{
    for (std::unique_ptr<Call> &call : running) {
        curl_multi_remove_handle(multi, call->easy);
        HttpOutcome cancelled;
        cancelled.response = callError(kHttpReset, call->request.url,
                                       QStringLiteral("cancelled: the client is shutting down"));
        cancelled.requestSent = requestSent(call->easy);
        complete(*call, std::move(cancelled));
        curl_easy_cleanup(call->easy);
    }
    running.clear();
    for (CURL *easy : idleHandles) {
        curl_easy_cleanup(easy);
    }
    idleHandles.clear();
}

void HttpClient::Impl::wake()
{
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t put = ::write(wakeFd, &one, sizeof one);
}

HttpClient::HttpClient()
    : d(std::make_unique<Impl>())
{
    initCurlOnce();
    d->multi = curl_multi_init();
    d->epollFd = epoll_create1(EPOLL_CLOEXEC);
    d->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = d->wakeFd;
    epoll_ctl(d->epollFd, EPOLL_CTL_ADD, d->wakeFd, &event);
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, Impl::onSocket);
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d.get());
    d->thread = std::thread([impl = d.get()] {
        nameThisThread("sl-httpclient");
        impl->loop();
    });
}

HttpClient::~HttpClient()
{
    d->stopping = true;
    d->wake();
    d->thread.join();
    {
        std::lock_guard lock(d->mutex);
        for (std::unique_ptr<Call> &call : d->waiting) {
            HttpOutcome cancelled;
            cancelled.response = callError(kHttpConnect, call->request.url,
                                           QStringLiteral("cancelled before it was sent"));
            call->done(std::move(cancelled));
        }
    }
    curl_multi_cleanup(d->multi); // closes the kept-alive connections through onCloseSocket
    ::close(d->wakeFd);
    ::close(d->epollFd);
}

void HttpClient::send(HttpRequest request, Done done)
{
    auto call = std::make_unique<Call>();
    call->request = std::move(request);
    call->done = std::move(done);
    {
        std::lock_guard lock(d->mutex);
        d->waiting.push_back(std::move(call));
        ++d->inFlight;
    }
    // One wake-up per batch: the calls queued before the loop takes the queue ride along.
    if (!d->wakePending.exchange(true)) {
        d->wake();
    }
}

std::future<HttpOutcome> HttpClient::send(HttpRequest request)
{
    auto promise = std::make_shared<std::promise<HttpOutcome>>();
    std::future<HttpOutcome> future = promise->get_future();
    send(std::move(request),
         [promise](HttpOutcome outcome) { promise->set_value(std::move(outcome)); });
    return future;
}

int HttpClient::pending() const
{
    return d->inFlight;
}

} // namespace syncline::engine::net
