#include "filler.h"

#include "engine/runtime/httpnode.h"
#include "engine/store/lineagejobs.h"

#include <QDateTime>
#include <QHash>
#include <QUuid>

#include <random>

using namespace syncline::engine;

namespace {

constexpr int kTransactionsPerJob = 500;
constexpr int kMembersPerAggregate = 20;
constexpr int kSubscriptions = 50;
constexpr int kSamples = 20'000;
constexpr qint64 kStartMs = 1'798'761'600'000; // 2027-01-01

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

std::string_view bytes(const QByteArray &data)
{
    return {data.constData(), size_t(data.size())};
}

struct Member
{
    QString messageId;
    QString correlationId;
    QString flowId;
};

// An HTTP call a node made for a message, and the id the target returned.
struct Call
{
    QString messageId;
    QString flow;
    int version = 1;
    QString correlationId;
    QString node;
    QString businessKey;
    QString target;
    QString method;
    QString url;
    const char *idName = "";
    QString idValue;
};

// Writes transactions inside one writer job; keeps what spans jobs (open aggregates, counters).
class TransactionWriter
{
public:
    explicit TransactionWriter(std::mt19937_64 &rng)
        : m_rng(rng)
    {
    }

    Result<void> transaction(store::Connection &c, qint64 number);
    qint64 messages = 0;

private:
    Result<QString> message(const QString &flow,
                            int version,
                            const QString &correlationId,
                            const QString &causationId,
                            const QString &businessKey,
                            const QByteArray &payload,
                            qint64 at);
    Result<void> step(const QString &messageId,
                      const QString &flow,
                      int version,
                      const QString &node,
                      int attempt,
                      const char *status,
                      qint64 at,
                      const QString &errorCode = {},
                      const QString &errorDetail = {});
    Result<void>
    edge(const QString &parent, const QString &child, const QString &node, const char *kind);
    // Steps and the ledger row of an HTTP call; 5 % succeed on a second attempt after a 503,
    // `fails` ends with a 422 and parks the message.
    Result<void> call(const Call &c, qint64 at, bool fails = false);

    // A source event as received and the canonical message mapped from it (the source's steps:
    // `checks`, then to-canonical). Returns the canonical message's id.
    Result<QString> received(const QString &flow,
                             int version,
                             const QString &correlationId,
                             const QString &key,
                             const QByteArray &raw,
                             const QByteArray &canonical,
                             std::initializer_list<const char *> checks,
                             qint64 at);
    Result<void> invoice(qint64 n, qint64 at);
    Result<void> usage(qint64 n, qint64 at);
    Result<void> customer(qint64 n, qint64 at);

    std::mt19937_64 &m_rng;
    store::Connection *m_c = nullptr;
    QHash<int, QList<Member>> m_open; // usage members waiting per subscription
    qint64 m_aggregates = 0;
};

Result<QString> TransactionWriter::message(const QString &flow,
                                           int version,
                                           const QString &correlationId,
                                           const QString &causationId,
                                           const QString &businessKey,
                                           const QByteArray &payload,
                                           qint64 at)
{
    Result<store::Statement *> s = m_c->cached(
        "INSERT INTO messages(message_id, flow_id, flow_version, correlation_id, causation_id,"
        " business_key, headers, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) {
        return s.error();
    }
    const QString id = newId();
    const QByteArray headers = causationId.isEmpty()
                                   ? QByteArrayLiteral(R"({"content-type":"application/json"})")
                                   : QByteArrayLiteral("{}");
    (*s)->bind(1, id).bind(2, flow).bind(3, version).bind(4, correlationId).bind(5, causationId);
    (*s)->bind(6, businessKey).bindBlob(7, bytes(headers)).bindBlob(8, bytes(payload));
    (*s)->bind(9, at);
    if (Result<void> r = (*s)->run(); !r) {
        return r.error();
    }
    ++messages;
    return id;
}

Result<void> TransactionWriter::step(const QString &messageId,
                                     const QString &flow,
                                     int version,
                                     const QString &node,
                                     int attempt,
                                     const char *status,
                                     qint64 at,
                                     const QString &errorCode,
                                     const QString &errorDetail)
{
    Result<store::Statement *> s = m_c->cached(
        "INSERT INTO steps(message_id, flow_id, flow_version, node_id, attempt, status,"
        " error_code, error_detail, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!s) {
        return s.error();
    }
    std::uniform_int_distribution<int> duration(1, 40);
    (*s)->bind(1, messageId).bind(2, flow).bind(3, version).bind(4, node).bind(5, attempt);
    (*s)->bind(6, std::string_view(status)).bind(7, errorCode).bind(8, errorDetail);
    (*s)->bind(9, at).bind(10, at + duration(m_rng));
    return (*s)->run();
}

Result<void> TransactionWriter::edge(const QString &parent,
                                     const QString &child,
                                     const QString &node,
                                     const char *kind)
{
    Result<store::Statement *> s =
        m_c->cached("INSERT INTO lineage(parent_id, child_id, node_id, kind) VALUES (?, ?, ?, ?)");
    if (!s) {
        return s.error();
    }
    (*s)->bind(1, parent).bind(2, child).bind(3, node).bind(4, std::string_view(kind));
    return (*s)->run();
}

Result<void> TransactionWriter::call(const Call &c, qint64 at, bool fails)
{
    int attempt = 1;
    if (!fails && std::uniform_int_distribution<int>(0, 99)(m_rng) < 5) {
        const QString busy = QStringLiteral("%1 answered 503: upstream busy").arg(c.target);
        if (Result<void> r = step(c.messageId,
                                  c.flow,
                                  c.version,
                                  c.node,
                                  attempt++,
                                  "retrying",
                                  at,
                                  QStringLiteral("HTTP_503"),
                                  busy);
            !r) {
            return r;
        }
        at += 200;
    }
    const QString refused = QStringLiteral("%1 refused the request with 422").arg(c.target);
    if (Result<void> r =
            fails ? step(c.messageId,
                         c.flow,
                         c.version,
                         c.node,
                         attempt,
                         "failed",
                         at,
                         QStringLiteral("HTTP_4XX"),
                         refused)
                  : step(c.messageId, c.flow, c.version, c.node, attempt, "succeeded", at);
        !r) {
        return r;
    }
    const QString key =
        runtime::HttpNode::idempotencyKey(c.correlationId, c.flow, c.node, c.businessKey, {});
    const QByteArray ids =
        fails ? QByteArray()
              : QStringLiteral(R"({"%1":"%2"})").arg(QLatin1String(c.idName), c.idValue).toUtf8();
    Result<store::Statement *> s = m_c->cached(
        "INSERT INTO effects(idempotency_key, message_id, correlation_id, flow_id, node_id,"
        " business_key, target, method, url, state, attempts, http_status, external_ids, detail,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s) {
        return s.error();
    }
    store::Statement &e = **s;
    e.bind(1, key).bind(2, c.messageId).bind(3, c.correlationId).bind(4, c.flow);
    e.bind(5, c.node).bind(6, c.businessKey).bind(7, c.target).bind(8, c.method).bind(9, c.url);
    e.bind(10, std::string_view(fails ? "failed" : "succeeded")).bind(11, attempt);
    e.bind(12, fails ? 422 : c.method == QLatin1String("POST") ? 201 : 200);
    e.bindBlob(13, bytes(ids));
    e.bind(14, fails ? QStringLiteral(R"({"error":{"code":"TAX_CODE_MISSING"}})") : QString());
    e.bind(15, at).bind(16, at + 30);
    if (Result<void> r = e.run(); !r) {
        return r;
    }
    if (!fails) {
        return store::indexExternalIds(*m_c, key, ids);
    }
    Result<store::Statement *> parked =
        m_c->cached("INSERT INTO work_items(message_id, flow_id, flow_version, node_id, state,"
                    " available_at, attempts) VALUES (?, ?, ?, ?, 'failed', ?, ?)");
    if (!parked) {
        return parked.error();
    }
    (*parked)->bind(1, c.messageId).bind(2, c.flow).bind(3, c.version).bind(4, c.node);
    (*parked)->bind(5, at).bind(6, attempt);
    return (*parked)->run();
}

Result<QString> TransactionWriter::received(const QString &flow,
                                            int version,
                                            const QString &correlationId,
                                            const QString &key,
                                            const QByteArray &raw,
                                            const QByteArray &canonical,
                                            std::initializer_list<const char *> checks,
                                            qint64 at)
{
    Result<QString> source = message(flow, version, correlationId, {}, key, raw, at);
    if (!source) {
        return source.error();
    }
    QStringList nodes;
    for (const char *check : checks) {
        nodes.append(QLatin1String(check));
    }
    nodes.append(QStringLiteral("to-canonical"));
    for (const QString &node : std::as_const(nodes)) {
        if (Result<void> r = step(*source, flow, version, node, 1, "succeeded", at + 1); !r) {
            return r.error();
        }
    }
    Result<QString> mapped = message(flow, version, correlationId, *source, key, canonical, at + 3);
    if (!mapped) {
        return mapped.error();
    }
    if (Result<void> r = edge(*source, *mapped, QStringLiteral("to-canonical"), "next"); !r) {
        return r.error();
    }
    return mapped;
}

Result<void> TransactionWriter::invoice(qint64 n, qint64 at)
{
    const QString flow = QStringLiteral("invoice-to-erp");
    const QString number = QStringLiteral("INV-%1").arg(100000 + n);
    const QString correlation = newId();
    const int lines = std::uniform_int_distribution<int>(2, 5)(m_rng);
    const QByteArray event =
        QStringLiteral(
            R"({"id":"evt_%1","type":"invoice.finalized","created":%2,"data":{"object":{)"
            R"("id":"in_%1","number":"%3","customer":"cus_%4","customer_name":"Dana Whitfield",)"
            R"("customer_email":"dana.whitfield@example.com","currency":"eur","amount_due":%5,)"
            R"("lines":{"data":[%6]},"metadata":{"tax_code":"txcd_10103001","po":"PO-%7"}}}})")
            .arg(n)
            .arg(at / 1000)
            .arg(number)
            .arg(n % 9000)
            .arg(1999 * lines)
            .arg(QStringLiteral(R"({"amount":1999,"description":"Seat"},)")
                     .repeated(lines)
                     .chopped(1))
            .arg(n * 7 % 100000)
            .toUtf8();
    const QByteArray canonical =
        QStringLiteral(R"({"number":"%1","customer":{"id":"cus_%2","name":"Dana Whitfield",)"
                       R"("email":"dana.whitfield@example.com"},"currency":"EUR","total":"%3",)"
                       R"("taxCode":"txcd_10103001"})")
            .arg(number)
            .arg(n % 9000)
            .arg(QString::number(19.99 * lines, 'f', 2))
            .toUtf8();
    Result<QString> invoice = received(flow, 3, correlation, number, event, canonical, {}, at);
    if (!invoice) {
        return invoice.error();
    }
    const bool fails = std::uniform_int_distribution<int>(0, 99)(m_rng) == 0;
    if (Result<void> r = call({.messageId = *invoice,
                               .flow = flow,
                               .version = 3,
                               .correlationId = correlation,
                               .node = QStringLiteral("post-invoice"),
                               .businessKey = number,
                               .target = QStringLiteral("erp"),
                               .method = QStringLiteral("POST"),
                               .url = QStringLiteral("https://erp.example.com/api/ar/invoices"),
                               .idName = "erpDocument",
                               .idValue = QStringLiteral("AR-%1").arg(500000 + n)},
                              at + 10,
                              fails);
        !r || fails) {
        return r;
    }
    if (Result<void> r =
            step(*invoice, flow, 3, QStringLiteral("split-lines"), 1, "succeeded", at + 300);
        !r) {
        return r;
    }
    for (int k = 1; k <= lines; ++k) {
        const QString lineKey = QStringLiteral("%1-L%2").arg(number).arg(k);
        const QByteArray line =
            QStringLiteral(R"({"invoice":"%1","line":%2,"description":"Seat","amount":"19.99",)"
                           R"("account":"4000"})")
                .arg(number)
                .arg(k)
                .toUtf8();
        Result<QString> child = message(flow, 3, correlation, *invoice, lineKey, line, at + 301);
        if (!child) {
            return child.error();
        }
        if (Result<void> r = edge(*invoice, *child, QStringLiteral("split-lines"), "split"); !r) {
            return r;
        }
        if (Result<void> r = call({.messageId = *child,
                                   .flow = flow,
                                   .version = 3,
                                   .correlationId = correlation,
                                   .node = QStringLiteral("post-line"),
                                   .businessKey = lineKey,
                                   .target = QStringLiteral("erp"),
                                   .method = QStringLiteral("POST"),
                                   .url = QStringLiteral("https://erp.example.com/api/ar/lines"),
                                   .idName = "erpLine",
                                   .idValue = QStringLiteral("ARL-%1-%2").arg(500000 + n).arg(k)},
                                  at + 320 + k);
            !r) {
            return r;
        }
    }
    if (Result<void> r =
            step(*invoice, flow, 3, QStringLiteral("announce"), 1, "succeeded", at + 400);
        !r) {
        return r;
    }
    const QString crmFlow = QStringLiteral("crm-invoice-status");
    Result<QString> published =
        message(crmFlow, 1, correlation, *invoice, number, canonical, at + 402);
    if (!published) {
        return published.error();
    }
    if (Result<void> r = edge(*invoice, *published, QStringLiteral("announce"), "publish"); !r) {
        return r;
    }
    return call(
        {.messageId = *published,
         .flow = crmFlow,
         .version = 1,
         .correlationId = correlation,
         .node = QStringLiteral("update-crm"),
         .businessKey = number,
         .target = QStringLiteral("crm"),
         .method = QStringLiteral("PATCH"),
         .url = QStringLiteral("https://crm.example.com/services/data/v59.0/sobjects/Invoice__c"),
         .idName = "crmActivity",
         .idValue = QStringLiteral("a0B%1").arg(7000000 + n)},
        at + 410);
}

Result<void> TransactionWriter::usage(qint64 n, qint64 at)
{
    const QString flow = QStringLiteral("usage-to-billing");
    const int subscription = std::uniform_int_distribution<int>(1, kSubscriptions)(m_rng);
    const QString correlation = newId();
    const QString event = QStringLiteral("EVT-%1").arg(n);
    const QByteArray raw =
        QStringLiteral(
            R"({"event_id":"%1","subscription":"sub_%2","metric":"api_calls","quantity":%3,)"
            R"("timestamp":"2027-01-%4T10:00:00Z","source":"gateway-eu-1"})")
            .arg(event)
            .arg(subscription)
            .arg(n % 97 + 1)
            .arg(n % 28 + 1, 2, 10, QLatin1Char('0'))
            .toUtf8();
    const QByteArray canonical =
        QStringLiteral(
            R"({"eventId":"%1","subscription":"sub_%2","metric":"api_calls","quantity":"%3"})")
            .arg(event)
            .arg(subscription)
            .arg(n % 97 + 1)
            .toUtf8();
    Result<QString> member = received(
        flow, 2, correlation, event, raw, canonical, {"validate-usage", "dedupe-events"}, at);
    if (!member) {
        return member.error();
    }
    if (Result<void> r = step(*member, flow, 2, QStringLiteral("rollup"), 1, "succeeded", at + 4);
        !r) {
        return r;
    }
    QList<Member> &open = m_open[subscription];
    open.append({*member, correlation, flow});
    if (open.size() < kMembersPerAggregate) {
        return {};
    }
    const QList<Member> members = std::exchange(open, {});
    // Grouped per subscription, metric and hour, as a usage rollup keys its groups.
    const QString group = QStringLiteral("sub_%1/api_calls/%2")
                              .arg(subscription)
                              .arg(QDateTime::fromMSecsSinceEpoch(at, Qt::UTC)
                                       .toString(QStringLiteral("yyyy-MM-ddTHH")));
    const QByteArray total =
        QStringLiteral(
            R"({"group":"%1","count":%2,"sum":"%3","firstAt":"2027-01-01T00:00:00.000Z",)"
            R"("closedBy":"count"})")
            .arg(group)
            .arg(kMembersPerAggregate)
            .arg(n % 1000 + 20)
            .toUtf8();
    // The aggregate keeps the first member's correlation id; the step that closed it is the
    // last member's.
    Result<QString> aggregate =
        message(flow, 2, members.first().correlationId, *member, group, total, at + 5);
    if (!aggregate) {
        return aggregate.error();
    }
    for (const Member &m : members) {
        if (Result<void> r = edge(m.messageId, *aggregate, QStringLiteral("rollup"), "aggregate");
            !r) {
            return r;
        }
    }
    ++m_aggregates;
    return call({.messageId = *aggregate,
                 .flow = flow,
                 .version = 2,
                 .correlationId = members.first().correlationId,
                 .node = QStringLiteral("post-usage"),
                 .businessKey = group,
                 .target = QStringLiteral("billing"),
                 .method = QStringLiteral("POST"),
                 .url = QStringLiteral("https://billing.example.com/v1/usage_records"),
                 .idName = "billingUsageRecord",
                 .idValue = QStringLiteral("mbur_%1").arg(m_aggregates, 8, 10, QLatin1Char('0'))},
                at + 20);
}

Result<void> TransactionWriter::customer(qint64 n, qint64 at)
{
    const QString flow = QStringLiteral("customer-master-sync");
    const QString correlation = newId();
    const QString account = QStringLiteral("001%1").arg(5000000 + n);
    const QByteArray raw =
        QStringLiteral(
            R"({"Id":"%1","Name":"Whitfield Holdings GmbH","BillingCountry":"DE",)"
            R"("Phone":"+49 30 1234567","VAT__c":"DE%2","Owner":{"Email":"sales@example.com"}})")
            .arg(account)
            .arg(100000000 + n)
            .toUtf8();
    const QByteArray canonical =
        QStringLiteral(
            R"({"crmId":"%1","name":"Whitfield Holdings GmbH","country":"DE","taxId":"DE%2"})")
            .arg(account)
            .arg(100000000 + n)
            .toUtf8();
    Result<QString> mapped = received(flow, 1, correlation, account, raw, canonical, {}, at);
    if (!mapped) {
        return mapped.error();
    }
    return call({.messageId = *mapped,
                 .flow = flow,
                 .version = 1,
                 .correlationId = correlation,
                 .node = QStringLiteral("upsert-erp-customer"),
                 .businessKey = account,
                 .target = QStringLiteral("erp"),
                 .method = QStringLiteral("PUT"),
                 .url = QStringLiteral("https://erp.example.com/api/customers/%1").arg(account),
                 .idName = "erpCustomer",
                 .idValue = QStringLiteral("C%1").arg(300000 + n)},
                at + 10);
}

Result<void> TransactionWriter::transaction(store::Connection &c, qint64 number)
{
    m_c = &c;
    const qint64 at = kStartMs + number * 2500;
    const int shape = std::uniform_int_distribution<int>(0, 9)(m_rng);
    return shape < 3 ? invoice(number, at) : shape < 9 ? usage(number, at) : customer(number, at);
}

Result<qint64> count(store::Connection &c, const char *sql)
{
    Result<store::Statement> s = c.prepare(sql);
    if (!s) {
        return s.error();
    }
    if (Result<bool> row = s->step(); !row) {
        return row.error();
    }
    return s->int64(0);
}

// Keys spread over the whole store: rows picked at random by rowid.
Result<void> sample(store::Connection &c, FillReport &report, std::mt19937_64 &rng)
{
    Result<qint64> most = count(c, "SELECT max(id) FROM messages");
    if (!most) {
        return most.error();
    }
    Result<store::Statement> byRow =
        c.prepare("SELECT correlation_id, business_key FROM messages WHERE id = ?");
    if (!byRow) {
        return byRow.error();
    }
    std::uniform_int_distribution<qint64> pick(1, *most);
    while (report.correlationIds.size() < size_t(kSamples)) {
        byRow->reset(true);
        byRow->bind(1, pick(rng));
        Result<bool> row = byRow->step();
        if (!row) {
            return row.error();
        }
        if (*row) {
            report.correlationIds.push_back(byRow->qtext(0));
            report.businessKeys.push_back(byRow->qtext(1));
        }
    }
    Result<store::Statement> ids = c.prepare("SELECT external_id FROM effect_external_ids");
    if (!ids) {
        return ids.error();
    }
    std::vector<QString> all;
    while (true) {
        Result<bool> row = ids->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        all.push_back(ids->qtext(0));
    }
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(std::min(all.size(), size_t(kSamples)));
    report.externalIdValues = std::move(all);
    return {};
}

} // namespace

struct Filler::Impl
{
    explicit Impl(store::SqliteMessageStore &s)
        : store(s)
        , writer(rng)
    {
    }

    // Writes transactions `first`, `first` + 1, ... in one commit.
    Result<void> write(qint64 first, int count)
    {
        return store.writer()
            .submit([this, first, count](store::Connection &c) -> Result<void> {
                for (qint64 t = first; t < first + count; ++t) {
                    if (Result<void> r = writer.transaction(c, t); !r) {
                        return r;
                    }
                }
                return {};
            })
            .get();
    }

    store::SqliteMessageStore &store;
    std::mt19937_64 rng;
    TransactionWriter writer;
    qint64 next = 0; // the next transaction's number
};

Filler::Filler(store::SqliteMessageStore &store)
    : d(std::make_unique<Impl>(store))
{
}

Filler::~Filler() = default;

Result<FillReport> Filler::fill(qint64 messages,
                                const std::function<void(const FillReport &)> &progress)
{
    Result<store::Connection> reader = d->store.reader();
    if (!reader) {
        return reader.error();
    }
    FillReport report;
    Result<qint64> stored = count(*reader, "SELECT count(*) FROM messages");
    Result<qint64> sources =
        count(*reader, "SELECT count(*) FROM messages WHERE causation_id = ''");
    if (!stored || !sources) {
        return !stored ? stored.error() : sources.error();
    }
    d->rng.seed(20270101 + *sources);
    d->writer.messages = *stored;
    d->next = *sources;
    while (d->writer.messages < messages) {
        if (Result<void> job = d->write(d->next, kTransactionsPerJob); !job) {
            return job.error();
        }
        d->next += kTransactionsPerJob;
        report.messages = d->writer.messages;
        progress(report);
    }
    for (auto [field, sql] :
         {std::pair{&report.messages, "SELECT count(*) FROM messages"},
          std::pair{&report.transactions, "SELECT count(*) FROM messages WHERE causation_id = ''"},
          std::pair{&report.effects, "SELECT count(*) FROM effects"},
          std::pair{&report.externalIds, "SELECT count(*) FROM effect_external_ids"},
          std::pair{&report.edges, "SELECT count(*) FROM lineage"}}) {
        Result<qint64> n = count(*reader, sql);
        if (!n) {
            return n.error();
        }
        *field = *n;
    }
    if (Result<void> r = sample(*reader, report, d->rng); !r) {
        return r.error();
    }
    return report;
}

Result<void> Filler::add(int transactions)
{
    const qint64 first = d->next;
    d->next += transactions;
    return d->write(first, transactions);
}
