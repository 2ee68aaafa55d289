#pragma once

#include "engine/store/messagestore.h"
#include "engine/store/writer.h"

#include <functional>
#include <memory>
#include <optional>

namespace syncline::engine::store {

struct SqliteStoreOptions
{
    WriterOptions writer;
    /// Milliseconds since the epoch; tests pass a controllable clock.
    std::function<qint64()> clock;
};

/// The embedded MessageStore: one SQLite file in WAL mode, every write through the Writer's
/// single connection (group commit), every read on a read-only connection of its own.
class SqliteMessageStore final : public MessageStore
{
public:
    /// Opens or creates the database, checks it and brings its schema up to date.
    static Result<std::unique_ptr<SqliteMessageStore>> open(const QString &path,
                                                            SqliteStoreOptions options = {});
    ~SqliteMessageStore() override;

    Result<int> deployFlow(const QString &flowId, const QByteArray &document) override;
    Result<QList<int>> deployFlows(const QList<FlowDocument> &flows,
                                   const AuditRecord &audit) override;
    Result<std::optional<QByteArray>> flowVersion(const QString &flowId, int version) override;
    Result<int> latestFlowVersion(const QString &flowId) override;

    void ingestAsync(IngestRequest request,
                     std::function<void(Result<IngestResult>)> done) override;
    Result<QList<WorkItem>> claim(const QString &flowId, int flowVersion, const QString &nodeId,
                                  int limit, qint64 leaseMs) override;
    void completeStepAsync(StepResult step, std::function<void(Result<void>)> done) override;
    Result<int> releaseExpiredClaims() override;
    Result<int> recoverClaims() override;

    Result<EffectRecord> beginEffect(const EffectIntent &intent) override;
    Result<QList<EffectRecord>> beginEffects(const QList<EffectIntent> &intents) override;
    Result<void> finishEffect(const EffectOutcome &outcome) override;
    Result<std::optional<EffectRecord>> effect(const QString &idempotencyKey) override;
    QString orderedEffectKeysAfter() const override { return m_orderedEffectKeysAfter; }

    Result<std::optional<QByteArray>> state(const QString &scope, const QString &key) override;
    Result<QList<StateEntry>> stateEntries(const QString &scope) override;
    Result<void> writeState(const QList<StateWrite> &writes) override;
    Result<int> purgeExpiredState() override;

    Result<QList<QueueDepth>> queueDepths() override;
    Result<QList<QPair<QString, int>>> activeFlowVersions() override;
    Result<std::optional<StoredMessage>> message(const QString &messageId) override;

    bool acceptingWrites() const override;
    WriterSnapshot writerSnapshot() const;

    /// For the other SQLite stores of the same file (exceptions, users, lineage): they write
    /// through this store's writer, so their changes share its transactions and group commits.
    Writer &writer() const { return *m_writer; }
    /// Runs `job(connection, now)` — returning Result<T> — in a writer transaction and hands
    /// back its value once committed (the job files of the other stores use it).
    template<typename T, typename Job>
    Result<T> writeValue(Job job)
    {
        std::optional<T> value;
        const qint64 at = now();
        Result<void> done = writer()
                                .submit([&](Connection &c) -> Result<void> {
                                    Result<T> produced = job(c, at);
                                    if (!produced) {
                                        return produced.error();
                                    }
                                    value = std::move(*produced);
                                    return {};
                                })
                                .get();
        if (!done) {
            return done.error();
        }
        return std::move(*value);
    }
    /// A new read-only connection (one per reading thread; never blocks the writer).
    Result<Connection> reader() const;
    /// The store's clock, in milliseconds since the epoch.
    qint64 now() const;

private:
    SqliteMessageStore(QString path, std::unique_ptr<Writer> writer, SqliteStoreOptions options,
                       QString orderedEffectKeysAfter);

    QString m_path;
    std::unique_ptr<Writer> m_writer;
    SqliteStoreOptions m_options;
    QString m_orderedEffectKeysAfter;
};

} // namespace syncline::engine::store
