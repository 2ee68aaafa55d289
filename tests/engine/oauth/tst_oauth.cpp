#include "engine/net/httpserver.h"
#include "engine/runtime/oauthclient.h"
#include "engine/runtime/systemtarget.h"

#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>

using namespace syncline::engine;
using namespace syncline::engine::runtime;

namespace {

const QByteArray kSecret = "s3cr3t/with+odd&chars";

// A token endpoint as RFC 6749 §4.4 describes it; refuses wrong client credentials.
class TokenEndpoint
{
public:
    TokenEndpoint()
    {
        const Result<void> listening = m_server.listen({}, [this](net::ServerRequest r,
                                                                  net::Responder respond) {
            std::lock_guard lock(m_mutex);
            ++m_requests;
            m_lastBody = r.body;
            const QByteArray expected
                = "Basic " + ("erp-client:" + QUrl::toPercentEncoding(QString::fromUtf8(kSecret))).toBase64();
            if (r.header("authorization") != expected || r.method != "POST"
                || !r.body.startsWith("grant_type=client_credentials")) {
                respond(net::ServerResponse::json(
                    401, R"({"error":"invalid_client","error_description":"unknown client"})"));
                return;
            }
            respond(net::ServerResponse::json(
                200, QStringLiteral(R"({"access_token":"tok-%1","token_type":"bearer","expires_in":%2})")
                         .arg(m_requests)
                         .arg(m_expiresIn)
                         .toUtf8()));
        });
        Q_ASSERT(listening.ok());
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/oauth2/token").arg(m_server.port()); }
    int requests() const
    {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    QByteArray lastBody() const
    {
        std::lock_guard lock(m_mutex);
        return m_lastBody;
    }

private:
    net::HttpServer m_server;
    mutable std::mutex m_mutex;
    int m_requests = 0;
    int m_expiresIn = 3600;
    QByteArray m_lastBody;
};

} // namespace

class TestOAuth : public QObject
{
    Q_OBJECT

private slots:
    void aTokenIsFetchedOnceAndKeptUntilItExpires()
    {
        TokenEndpoint endpoint;
        qint64 now = 1'000'000;
        OAuthClient oauth({QStringLiteral("erp"), endpoint.url(), QStringLiteral("erp-client"),
                           kSecret, {QStringLiteral("ar.write"), QStringLiteral("gl.read")}},
                          [&now] { return now; });
        Result<QByteArray> first = oauth.authorization(m_http);
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().message));
        QCOMPARE(*first, QByteArray("Bearer tok-1"));
        QCOMPARE(endpoint.lastBody(), QByteArray("grant_type=client_credentials&scope=ar.write%20gl.read"));
        now += 3'000'000; // 50 minutes later: still the same token
        QCOMPARE(*oauth.authorization(m_http), QByteArray("Bearer tok-1"));
        QCOMPARE(endpoint.requests(), 1);
        now += 580'000; // within 30 s of the hour: renewed before it can expire in flight
        QCOMPARE(*oauth.authorization(m_http), QByteArray("Bearer tok-2"));
    }

    void aRefusedTokenIsReplaced()
    {
        TokenEndpoint endpoint;
        OAuthClient oauth({QStringLiteral("erp"), endpoint.url(), QStringLiteral("erp-client"),
                           kSecret, {}});
        const QByteArray token = *oauth.authorization(m_http);
        oauth.rejected("Bearer someone-elses"); // an older token: nothing to do
        QCOMPARE(*oauth.authorization(m_http), token);
        oauth.rejected(token);
        QCOMPARE(*oauth.authorization(m_http), QByteArray("Bearer tok-2"));
    }

    void concurrentCallersShareOneFetch()
    {
        TokenEndpoint endpoint;
        OAuthClient oauth({QStringLiteral("erp"), endpoint.url(), QStringLiteral("erp-client"),
                           kSecret, {}});
        std::atomic<int> ok{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i) {
            threads.emplace_back([&] {
                if (oauth.authorization(m_http).ok()) {
                    ++ok;
                }
            });
        }
        for (std::thread &t : threads) {
            t.join();
        }
        QCOMPARE(ok.load(), 8);
        QCOMPARE(endpoint.requests(), 1);
    }

    void aRefusalNamesTheSystemAndTheEndpointsErrorButNotTheSecret()
    {
        TokenEndpoint endpoint;
        OAuthClient oauth({QStringLiteral("erp"), endpoint.url(), QStringLiteral("wrong-client"),
                           kSecret, {}});
        Result<QByteArray> refused = oauth.authorization(m_http);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("AUTH_TOKEN"));
        QVERIFY2(refused.error().message.contains(QStringLiteral("system erp"))
                     && refused.error().message.contains(QStringLiteral("invalid_client: unknown client")),
                 qPrintable(refused.error().message));
        QVERIFY(!refused.error().message.contains(QString::fromUtf8(kSecret)));
    }

    void aSystemWithClientCredentialsAuthenticatesWithTheToken()
    {
        TokenEndpoint endpoint;
        const nlohmann::json system = {
            {"id", "erp"},
            {"baseUrl", "http://127.0.0.1:9/erp"},
            {"auth",
             {{"type", "oauth2ClientCredentials"},
              {"tokenUrl", endpoint.url().toStdString()},
              {"clientId", "erp-client"},
              {"secretRef", "secret:erp/client-secret"}}}};
        Result<SystemTarget> target = SystemTarget::fromDocument(system, [](const QString &ref) {
            return ref == QLatin1String("secret:erp/client-secret") ? std::optional<QByteArray>(kSecret)
                                                                     : std::nullopt;
        });
        QVERIFY(target.ok());
        Result<net::HttpHeaders> headers = target->authorization(m_http);
        QVERIFY(headers.ok());
        QCOMPARE(*headers, (net::HttpHeaders{qMakePair(QByteArray("Authorization"),
                                                       QByteArray("Bearer tok-1"))}));
        QVERIFY(target->rejected(*headers));
        QCOMPARE(target->authorization(m_http)->first().second, QByteArray("Bearer tok-2"));

        Result<SystemTarget> noSecret = SystemTarget::fromDocument(system, {});
        QVERIFY(!noSecret.ok());
        QVERIFY(noSecret.error().message.contains(QStringLiteral("secret:erp/client-secret")));
    }

private:
    net::HttpClient m_http;
};

QTEST_GUILESS_MAIN(TestOAuth)
#include "tst_oauth.moc"
