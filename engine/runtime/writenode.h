#pragma once

#include "engine/expr/expression.h"
#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/store/connection.h"
#include "engine/store/messagestore.h"

#include <QFile>
#include <QSet>

#include <functional>
#include <mutex>

namespace syncline::engine::runtime {

/// Appends one record per message to a data-platform target: a table of a SQLite database, a
/// CSV file or a JSON Lines file. Columns are JSONata expressions over the message (a JSON Lines
/// record without columns is the whole payload); every record carries the message id in column
/// syncline_message_id.
///
/// Idempotent per message id, so a retry, a restart or a replay of the same message writes once:
/// - SQLite: syncline_message_id is the table's primary key and rows go in with INSERT OR IGNORE,
///   committed (WAL, synchronous=FULL) before the step. The table is created when missing.
/// - Files: the line is appended and fsynced first, then the step commits the message id as node
///   state (scope "write/<flow>/<node>", kept 30 days). A crash between the two leaves a line
///   whose id the state lacks; on its first write after a start the node reads the file's last
///   MiB for such ids, and cuts off a line the crash left half-written. A replay more than 30
///   days later writes again.
/// One node per file: two nodes appending to one file are not coordinated.
class WriteNode final : public NodeRunner
{
public:
    static Result<std::shared_ptr<WriteNode>> create(const PlannedNode &node,
                                                     store::MessageStore &store,
                                                     std::function<qint64()> clockMs);
    ~WriteNode() override;
    NodeOutcome run(const store::WorkItem &item) override;

    static QString scopeOf(const QString &flowId, const QString &nodeId);

private:
    enum class Format { Sqlite, Csv, JsonLines };
    struct Column
    {
        QString name;
        expr::Expression value;
    };

    WriteNode(store::MessageStore &store, std::function<qint64()> clockMs)
        : m_store(store)
        , m_clockMs(std::move(clockMs))
    {}

    NodeOutcome writeRow(const store::WorkItem &item, const QList<json::Value> &values);
    NodeOutcome appendLine(const store::WorkItem &item, const json::Value &payload,
                           const QList<json::Value> &values);
    Result<void> openSqlite();
    Result<void> openFile();
    QByteArray line(const QString &messageId, const json::Value &payload,
                    const QList<json::Value> &values) const;

    store::MessageStore &m_store;
    std::function<qint64()> m_clockMs;
    Format m_format = Format::JsonLines;
    QString m_path;
    QString m_table;
    QList<Column> m_columns;
    QString m_scope;

    std::mutex m_mutex;
    std::optional<store::Connection> m_database;
    store::Statement *m_insert = nullptr;
    QFile m_file;
    QSet<QString> m_tailIds; // ids in the file's last lines when it was opened
};

} // namespace syncline::engine::runtime
