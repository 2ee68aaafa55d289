#pragma once

#include "engine/runtime/executor.h"
#include "engine/store/connection.h"
#include "engine/store/sqlitemessagestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>

namespace flownodes {

using namespace syncline::engine;

/// The last node of a test flow: keeps what reached it.
class Sink final : public runtime::NodeRunner
{
public:
    runtime::NodeOutcome run(const store::WorkItem &item) override
    {
        std::lock_guard lock(m_mutex);
        m_messages.append(item.message);
        return runtime::NodeOutcome::next();
    }
    QList<store::StoredMessage> messages() const
    {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    int count() const { return int(messages().size()); }
    QList<nlohmann::json> payloads() const
    {
        QList<nlohmann::json> out;
        for (const store::StoredMessage &m : messages()) {
            out.append(nlohmann::json::parse(m.payload.toStdString()));
        }
        return out;
    }

private:
    mutable std::mutex m_mutex;
    QList<store::StoredMessage> m_messages;
};

/// A node that always fails the same way.
class Failing final : public runtime::NodeRunner
{
public:
    explicit Failing(runtime::NodeOutcome outcome)
        : m_outcome(std::move(outcome))
    {}
    runtime::NodeOutcome run(const store::WorkItem &) override { return m_outcome; }

private:
    runtime::NodeOutcome m_outcome;
};

/// A store in a temporary folder, a clock the test moves, and an executor over one flow.
class Harness
{
public:
    static constexpr qint64 kStart = 1'800'000'000'000; // 2027-01-15

    Harness() { open(); }
    ~Harness() { stop(); }

    std::function<qint64()> clock()
    {
        return [this] { return m_now.load(); };
    }
    void advance(qint64 ms) { m_now += ms; }
    qint64 now() const { return m_now; }
    QString path() const { return m_dir.filePath(QStringLiteral("engine.db")); }

    void open()
    {
        store::SqliteStoreOptions options;
        options.clock = clock();
        auto opened = store::SqliteMessageStore::open(path(), options);
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
        m_store = std::move(*opened);
    }
    /// Stops the executor and closes the store, as a process that ends would.
    void restart()
    {
        stop();
        m_store.reset();
        open();
    }
    store::SqliteMessageStore &store() { return *m_store; }

    std::shared_ptr<const runtime::FlowPlan> plan(const nlohmann::json &flow)
    {
        auto planned = runtime::FlowPlan::fromDocument(flow, 1);
        if (!planned.ok()) {
            qFatal("%s", qPrintable(planned.error().message));
        }
        return std::make_shared<runtime::FlowPlan>(*planned);
    }

    void start(std::shared_ptr<const runtime::FlowPlan> plan,
               QHash<QString, std::shared_ptr<runtime::NodeRunner>> runners)
    {
        m_plan = std::move(plan);
        runtime::ExecutorOptions options;
        options.workers = 4;
        options.tickMs = 20;
        options.clockMs = clock();
        m_executor = std::make_unique<runtime::Executor>(*m_store, m_metrics, options);
        m_executor->addFlow(m_plan, std::move(runners));
        QVERIFY(m_executor->start().ok());
    }
    void stop() { m_executor.reset(); }

    /// Ingests a message at the flow's first node after its trigger (with the ordering key its
    /// trigger would have found); returns its id.
    QString ingest(const QByteArray &payload, const QString &businessKey = {},
                   const QString &firstNode = QStringLiteral("first"),
                   const QString &orderingKey = {})
    {
        store::IngestRequest request;
        request.message.flowId = m_plan->flowId;
        request.message.flowVersion = m_plan->version;
        request.message.businessKey = businessKey;
        request.message.orderingKey = orderingKey;
        request.message.headers = QByteArrayLiteral("{\"content-type\":\"application/json\"}");
        request.message.payload = payload;
        request.firstNodes = {firstNode};
        Result<store::IngestResult> stored = m_store->ingest(request);
        if (!stored.ok()) {
            qFatal("%s", qPrintable(stored.error().message));
        }
        if (m_executor) {
            m_executor->notify(m_plan->flowId, m_plan->version, firstNode);
        }
        return stored->messageId;
    }

    /// Ingests a message as the engine's intakes do: the pure nodes it meets first run before
    /// it is stored (Executor::prepareArrival); returns its id.
    QString arrive(const QByteArray &payload, const QString &firstNode = QStringLiteral("first"))
    {
        store::IngestRequest request;
        request.message.flowId = m_plan->flowId;
        request.message.flowVersion = m_plan->version;
        request.message.payload = payload;
        request.firstNodes = {firstNode};
        const QList<runtime::Arrival> arrivals = m_executor->prepareArrival(request, nullptr);
        Result<store::IngestResult> stored = m_store->ingest(request);
        if (!stored.ok()) {
            qFatal("%s", qPrintable(stored.error().message));
        }
        for (const runtime::Arrival &arrival : arrivals) {
            m_executor->notify(m_plan->flowId, m_plan->version, arrival.nodeId);
        }
        return stored->messageId;
    }

    /// Work items still waiting, claimed or parked anywhere.
    qint64 unfinished()
    {
        qint64 n = 0;
        const QList<store::QueueDepth> depths = *m_store->queueDepths();
        for (const store::QueueDepth &d : depths) {
            n += d.ready + d.delayed + d.inFlight + d.failed;
        }
        return n;
    }
    qint64 parked()
    {
        qint64 n = 0;
        const QList<store::QueueDepth> depths = *m_store->queueDepths();
        for (const store::QueueDepth &d : depths) {
            n += d.failed;
        }
        return n;
    }

    /// Rows of a query on a read connection of the engine's database, columns as text.
    QList<QStringList> rows(const char *sql, const QString &argument = {})
    {
        auto c = store::Connection::open(path(), store::OpenMode::ReadOnly);
        if (!c.ok()) {
            qFatal("%s", qPrintable(c.error().message));
        }
        auto statement = c->prepare(sql);
        if (!statement.ok()) {
            qFatal("%s", qPrintable(statement.error().message));
        }
        if (!argument.isNull()) {
            statement->bind(1, argument);
        }
        QList<QStringList> out;
        int columns = 0;
        for (const char *p = sql; *p && strncmp(p, " FROM", 5) != 0; ++p) {
            columns += *p == ',';
        }
        while (*statement->step()) {
            QStringList row;
            for (int i = 0; i <= columns; ++i) {
                row.append(statement->qtext(i));
            }
            out.append(row);
        }
        return out;
    }

private:
    QTemporaryDir m_dir;
    std::atomic<qint64> m_now{kStart};
    std::unique_ptr<store::SqliteMessageStore> m_store;
    runtime::Metrics m_metrics;
    std::unique_ptr<runtime::Executor> m_executor;
    std::shared_ptr<const runtime::FlowPlan> m_plan;
};

// in → first (the node under test) → sink; "other" hangs off `output` of first when given.
inline nlohmann::json singleNodeFlow(const char *flowId, const char *type,
                                     const nlohmann::json &settings, const char *output = nullptr)
{
    nlohmann::json document = {
        {"id", flowId},
        {"name", flowId},
        {"nodes",
         {{{"id", "in"}, {"type", "webhook"}},
          {{"id", "first"}, {"type", type}, {"settings", settings}},
          {{"id", "sink"}, {"type", "map"}},
          {{"id", "other"}, {"type", "map"}}}},
        {"edges", {{{"from", "in"}, {"to", "first"}}, {{"from", "first"}, {"to", "sink"}}}}};
    if (output) {
        document["edges"].push_back({{"from", "first"}, {"to", "other"}, {"output", output}});
    }
    return document;
}

} // namespace flownodes
