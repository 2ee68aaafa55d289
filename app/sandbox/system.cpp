#include "app/sandbox/system.h"

#include "engine/net/signature.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QUrlQuery>

namespace syncline::sandbox {

using engine::net::ServerRequest;
using engine::net::ServerResponse;

namespace {
constexpr qint64 kTokenLifetimeMs = 3600 * 1000;
} // namespace

ServerResponse jsonResponse(int status, const Json &body)
{
    return ServerResponse::json(status, QByteArray::fromStdString(body.dump()));
}

std::optional<Json> parseBody(const QByteArray &body)
{
    Json parsed = Json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (parsed.is_discarded()) {
        return std::nullopt;
    }
    return parsed;
}

QByteArray bearerToken(const ServerRequest &request)
{
    const QByteArray header = request.header("authorization");
    if (!header.startsWith("Bearer ") && !header.startsWith("bearer ")) {
        return {};
    }
    return header.mid(7).trimmed();
}

QString vendorId(const QString &prefix, qint64 number, int length)
{
    static constexpr char kDigits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // splitmix64's finalizer is a bijection on 64 bits, so consecutive numbers look unrelated
    // and never collide; 11 base-62 digits hold any 64-bit value.
    quint64 z = quint64(number);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    QString digits(std::max(length, 11), QLatin1Char('0'));
    for (qsizetype i = digits.size() - 1; i >= 0 && z > 0; --i) {
        digits[i] = QLatin1Char(kDigits[z % 62]);
        z /= 62;
    }
    return prefix + digits;
}

ServerResponse issueToken(StateStore &store, const QString &system, const ServerRequest &request,
                          const QByteArray &clientSecret, qint64 nowMs)
{
    const QUrlQuery form(QString::fromUtf8(request.body));
    QByteArray id = form.queryItemValue(QStringLiteral("client_id"), QUrl::FullyDecoded).toUtf8();
    QByteArray secret = form.queryItemValue(QStringLiteral("client_secret"), QUrl::FullyDecoded)
                            .toUtf8();
    const QByteArray authorization = request.header("authorization");
    if (authorization.startsWith("Basic ")) {
        const QByteArray pair = QByteArray::fromBase64(authorization.mid(6).trimmed());
        id = pair.left(pair.indexOf(':'));
        secret = pair.mid(pair.indexOf(':') + 1);
    }
    const QString grant = form.queryItemValue(QStringLiteral("grant_type"));
    if (grant != QLatin1String("client_credentials")) {
        return jsonResponse(400, {{"error", "unsupported_grant_type"},
                                  {"error_description",
                                   "grant_type must be client_credentials"}});
    }
    if (id.isEmpty() || secret.isEmpty()
        || !engine::net::constantTimeEquals(secret, clientSecret)) {
        return jsonResponse(400, {{"error", "invalid_client"},
                                  {"error_description", "client authentication failed"}});
    }
    QByteArray random(24, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()),
                                          random.size() / 4);
    const QString token = system + QLatin1Char('.')
                          + QString::fromLatin1(random.toBase64(QByteArray::Base64UrlEncoding
                                                                | QByteArray::OmitTrailingEquals));
    auto statement = store.connection().cached(
        "INSERT INTO tokens (token, system, expires_ms) VALUES (?1, ?2, ?3)");
    if (statement) {
        (void) (*statement)->bind(1, token).bind(2, system).bindInt64(3, nowMs + kTokenLifetimeMs)
            .run();
        (*statement)->reset();
    }
    Json answer = {{"access_token", token.toStdString()},
                   {"token_type", "Bearer"},
                   {"expires_in", kTokenLifetimeMs / 1000},
                   {"issued_at", std::to_string(nowMs)}};
    if (system == QLatin1String("crm")) {
        answer["instance_url"] = "http://" + request.header("host").toStdString() + "/crm";
    }
    return jsonResponse(200, answer);
}

bool tokenValid(StateStore &store, const QString &system, const QByteArray &token, qint64 nowMs)
{
    if (token.isEmpty()) {
        return false;
    }
    auto statement = store.connection().cached(
        "SELECT expires_ms FROM tokens WHERE token = ?1 AND system = ?2");
    if (!statement) {
        return false;
    }
    (*statement)->bind(1, std::string_view(token.constData(), size_t(token.size())))
        .bind(2, system);
    const auto row = (*statement)->step();
    const bool valid = row.ok() && *row && (*statement)->int64(0) > nowMs;
    (*statement)->reset();
    return valid;
}

QString text(const Json &object, const char *member)
{
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(member);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    if (it->is_string()) {
        return QString::fromStdString(it->get<std::string>());
    }
    if (it->is_number()) {
        return QString::fromStdString(it->dump());
    }
    return {};
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

QByteArray segment(const QByteArray &path, int index)
{
    const QList<QByteArray> parts = path.split('/');
    // parts[0] is the empty text before the leading slash.
    return index + 1 < parts.size() ? parts[index + 1] : QByteArray();
}

int segmentCount(const QByteArray &path)
{
    int count = 0;
    for (const QByteArray &part : path.split('/')) {
        count += part.isEmpty() ? 0 : 1;
    }
    return count;
}

Page readPage(StateStore &store, ListQuery query, int limit)
{
    query.limit = limit + 1;
    Page page;
    page.documents = store.list(query);
    page.more = page.documents.size() > limit;
    if (page.more) {
        page.documents.removeLast();
    }
    for (const Document &document : page.documents) {
        page.bodies.push_back(document.body);
    }
    return page;
}

int queryInt(const ServerRequest &request, QByteArrayView name, int fallback, int minimum,
             int maximum)
{
    bool ok = false;
    const int value = request.queryValue(name).toInt(&ok);
    return ok ? std::clamp(value, minimum, maximum) : fallback;
}

} // namespace syncline::sandbox
