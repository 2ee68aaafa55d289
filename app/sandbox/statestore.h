#pragma once

#include "engine/core/result.h"
#include "engine/store/connection.h"

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace syncline::sandbox {

using Json = nlohmann::json;

/// One document a simulated system created: its body as the system shows it, plus what the
/// ledger needs to prove exactly-once delivery.
struct Document
{
    QString system;
    QString type;
    QString id;
    Json body;
    QString businessKey;
    QString idempotencyKey;
    QString duplicateOf; // the first document of the same system and type with this business key
    QString origin = QStringLiteral("api");
    qint64 createdMs = 0;
    qint64 seq = 0; // creation order across the whole sandbox
};

/// What list() selects: documents of one system and type, optionally filtered on JSON members
/// of their bodies (SQLite JSON paths such as "$.customer"), paged by creation order.
struct ListQuery
{
    ListQuery(QString system, QString type)
        : system(std::move(system))
        , type(std::move(type))
    {}

    QString system;
    QString type;
    QList<std::pair<QString, QString>> filters; // path, value (compared as text)
    qint64 afterSeq = 0;          // ascending: only documents after this one
    qint64 beforeSeq = 0;         // descending: only documents before this one (0: no bound)
    bool descending = false;
    int limit = 100;
    int offset = 0;
};

/// The sandbox's state in one SQLite file. Every method expects the caller to hold lock(): the
/// request handlers, the webhook sender and the traffic generator all go through it.
class StateStore
{
public:
    static engine::Result<std::unique_ptr<StateStore>> open(const QString &path);

    std::unique_lock<std::mutex> lock() { return std::unique_lock(m_mutex); }
    engine::store::Connection &connection() { return m_connection; }
    QString path() const { return m_connection.path(); }
    /// True when the file was created now (or emptied by wipe()): reference data must be seeded.
    bool isNew() const { return m_new; }

    engine::Result<void> begin();
    engine::Result<void> commit();
    void rollback();

    /// The next value of a named counter, starting at 1; used for ids and document numbers.
    qint64 next(const QString &counter);
    void add(const QString &counter, qint64 amount);
    qint64 counter(const QString &counter);

    /// Stores a new document, marking it a duplicate when an earlier one of the same system and
    /// type has its (non-empty) business key.
    engine::Result<Document> insert(Document document);
    engine::Result<void> replace(const QString &system, const QString &type, const QString &id,
                                 const Json &body);
    std::optional<Document> find(const QString &system, const QString &type, const QString &id);
    QList<Document> list(const ListQuery &query);
    qint64 count(const ListQuery &query);
    /// Documents for the ledger, oldest first.
    QList<Document> ledger(const QString &system, const QString &type, const QString &businessKey,
                           const QString &origin, int limit);
    /// Documents per system, reference data (origin "seed") left out.
    std::map<QString, qint64> documentCounts();

    std::optional<Json> setting(const QString &name);
    void setSetting(const QString &name, const Json &value);

    /// Deletes every document, counter, key and token (settings named in `keep` stay).
    engine::Result<void> wipe(const QStringList &keep);

private:
    explicit StateStore(engine::store::Connection connection);
    engine::Result<void> migrate();
    Document read(engine::store::Statement &statement);

    engine::store::Connection m_connection;
    std::mutex m_mutex;
    bool m_new = false;
};

} // namespace syncline::sandbox
