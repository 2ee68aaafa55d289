#include "app/sandbox/idempotency.h"

#include <QCryptographicHash>

namespace syncline::sandbox {

using engine::net::ServerRequest;
using engine::net::ServerResponse;

namespace {
constexpr qint64 kKeyLifetimeMs = 24LL * 3600 * 1000;
} // namespace

QByteArray Idempotency::fingerprint(const ServerRequest &request)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(request.method);
    hash.addData("\n");
    hash.addData(request.path);
    hash.addData("\n");
    hash.addData(request.body);
    return hash.result().toHex();
}

Idempotency::Check Idempotency::begin(StateStore &store, const QString &system,
                                      const QString &key, const QByteArray &fingerprint,
                                      qint64 nowMs)
{
    auto &connection = store.connection();
    auto select = connection.cached("SELECT fingerprint, done, status, headers, body, created_ms "
                                    "FROM idempotency WHERE system = ?1 AND key = ?2");
    Check check;
    if (!select) {
        return check;
    }
    (*select)->bind(1, system).bind(2, key);
    const auto row = (*select)->step();
    bool expired = false;
    if (row.ok() && *row) {
        auto &s = **select;
        expired = s.int64(5) < nowMs - kKeyLifetimeMs;
        if (!expired) {
            if (QByteArray::fromStdString(s.text(0)) != fingerprint) {
                check.state = State::Reused;
            } else if (s.int64(1) == 0) {
                check.state = State::InUse;
            } else {
                check.state = State::Replay;
                check.stored.status = int(s.int64(2));
                const Json headers = Json::parse(s.text(3), nullptr, false);
                if (headers.is_array()) {
                    for (const Json &pair : headers) {
                        check.stored.headers.append(
                            {QByteArray::fromStdString(pair[0].get<std::string>()),
                             QByteArray::fromStdString(pair[1].get<std::string>())});
                    }
                }
                check.stored.headers.append(
                    {QByteArray("Idempotent-Replayed"), QByteArray("true")});
                check.stored.body = QByteArray::fromStdString(s.text(4));
            }
        }
    }
    (*select)->reset();
    if (check.state != State::Proceed) {
        return check;
    }
    if (expired) {
        abandon(store, system, key);
    }
    auto insert = connection.cached("INSERT INTO idempotency (system, key, fingerprint, done, "
                                    "created_ms) VALUES (?1, ?2, ?3, 0, ?4)");
    if (insert) {
        (void) (*insert)->bind(1, system).bind(2, key)
            .bind(3, std::string_view(fingerprint.constData(), size_t(fingerprint.size())))
            .bindInt64(4, nowMs)
            .run();
        (*insert)->reset();
    }
    return check;
}

void Idempotency::finish(StateStore &store, const QString &system, const QString &key,
                         const ServerResponse &response)
{
    Json headers = Json::array();
    for (const auto &[name, value] : response.headers) {
        headers.push_back({name.toStdString(), value.toStdString()});
    }
    auto update = store.connection().cached("UPDATE idempotency SET done = 1, status = ?3, "
                                            "headers = ?4, body = ?5 WHERE system = ?1 AND "
                                            "key = ?2");
    if (update) {
        (void) (*update)->bind(1, system).bind(2, key).bind(3, response.status)
            .bind(4, std::string_view(headers.dump()))
            .bind(5, std::string_view(response.body.constData(), size_t(response.body.size())))
            .run();
        (*update)->reset();
    }
}

void Idempotency::abandon(StateStore &store, const QString &system, const QString &key)
{
    auto remove = store.connection().cached("DELETE FROM idempotency WHERE system = ?1 AND "
                                            "key = ?2");
    if (remove) {
        (void) (*remove)->bind(1, system).bind(2, key).run();
        (*remove)->reset();
    }
}

} // namespace syncline::sandbox
