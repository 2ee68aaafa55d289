#include "engine/runtime/writenode.h"

#include "engine/runtime/nodesupport.h"

#include <QFileInfo>
#include <QRegularExpression>

#include <unistd.h>

namespace syncline::engine::runtime {

namespace {

constexpr auto kIdColumn = "syncline_message_id";
constexpr qint64 kKeepIdsMs = 30LL * 24 * 3'600'000;
constexpr qint64 kTailBytes = 1024 * 1024;

Error invalid(const QString &message)
{
    return Error::make(QStringLiteral("SETTINGS_INVALID"), message);
}

bool isIdentifier(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,62}$"));
    return pattern.match(name).hasMatch();
}

QString quoted(const QString &identifier)
{
    return u'"' + identifier + u'"';
}

QByteArray csvField(const QString &text)
{
    QByteArray field = text.toUtf8();
    if (field.contains(',') || field.contains('"') || field.contains('\n')
        || field.contains('\r')) {
        field.replace("\"", "\"\"");
        field = '"' + field + '"';
    }
    return field;
}

QString cellText(const json::Value &value)
{
    return value.isNull() || value.isUndefined() ? QString() : keyText(value);
}

// The message id a written line starts with (CSV) or carries (JSON Lines).
QString idOfLine(const QByteArray &line, bool csv)
{
    if (csv) {
        return QString::fromUtf8(line.left(line.indexOf(',')));
    }
    const nlohmann::json record = nlohmann::json::parse(line.toStdString(), nullptr, false);
    return record.is_object() ? QString::fromStdString(record.value(kIdColumn, "")) : QString();
}

Error writeFailed(const QString &path, const QString &why)
{
    return Error::make(QStringLiteral("WRITE_FAILED"),
                       QStringLiteral("cannot write %1: %2").arg(path, why));
}

} // namespace

QString WriteNode::scopeOf(const QString &flowId, const QString &nodeId)
{
    return QStringLiteral("write/%1/%2").arg(flowId, nodeId);
}

WriteNode::~WriteNode() = default;

Result<std::shared_ptr<WriteNode>> WriteNode::create(const PlannedNode &node,
                                                     store::MessageStore &store,
                                                     std::function<qint64()> clockMs)
{
    const nlohmann::json &settings = node.settings;
    auto write = std::shared_ptr<WriteNode>(new WriteNode(store, std::move(clockMs)));
    write->m_scope = scopeOf(node.flowId, node.id);
    const QString format = settingText(settings, "format");
    if (format == QLatin1String("sqlite")) {
        write->m_format = Format::Sqlite;
    } else if (format == QLatin1String("csv")) {
        write->m_format = Format::Csv;
    } else if (format == QLatin1String("jsonl")) {
        write->m_format = Format::JsonLines;
    } else {
        return invalid(QStringLiteral("settings/format: \"%1\" is not sqlite, csv or jsonl")
                           .arg(format));
    }
    write->m_path = settingText(settings, "path");
    if (write->m_path.isEmpty()) {
        return invalid(QStringLiteral("settings/path: name the file to write to"));
    }
    write->m_table = settingText(settings, "table");
    if (write->m_format == Format::Sqlite && !isIdentifier(write->m_table)) {
        return invalid(QStringLiteral("settings/table: \"%1\" is not a table name (letters, "
                                      "digits and _)")
                           .arg(write->m_table));
    }
    const nlohmann::json columns = settings.value("columns", nlohmann::json::array());
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const QString name = settingText(columns[i], "name");
        if (!isIdentifier(name) || name == QLatin1String(kIdColumn)
            || name == QLatin1String("syncline_written_at")) {
            return invalid(QStringLiteral("settings/columns/%1/name: \"%2\" is not a column name "
                                          "of your own (letters, digits and _)")
                               .arg(i)
                               .arg(name));
        }
        Result<expr::Expression> value = compileSetting(
            QStringLiteral("settings/columns/%1/value").arg(i), settingText(columns[i], "value"));
        if (!value) {
            return value.error();
        }
        write->m_columns.append({name, std::move(*value)});
    }
    if (write->m_columns.isEmpty() && write->m_format != Format::JsonLines) {
        return invalid(QStringLiteral("settings/columns: a %1 target needs at least one column")
                           .arg(format));
    }
    return write;
}

NodeOutcome WriteNode::run(const store::WorkItem &item)
{
    Result<json::Value> payload = readPayload(item);
    if (!payload) {
        return NodeOutcome::fail(payload.error().code, payload.error().message);
    }
    QList<json::Value> values;
    for (const Column &column : std::as_const(m_columns)) {
        expr::ExprResult<json::Value> value = column.value.evaluate(*payload);
        if (!value) {
            return NodeOutcome::fail(QStringLiteral("WRITE_VALUE"),
                                     QStringLiteral("column %1: %2")
                                         .arg(column.name, value.error().toError().message));
        }
        values.append(value.value());
    }
    purgeExpiredStateNowAndThen(m_store, m_clockMs());
    std::lock_guard lock(m_mutex);
    return m_format == Format::Sqlite ? writeRow(item, values)
                                      : appendLine(item, *payload, values);
}

Result<void> WriteNode::openSqlite()
{
    if (m_database) {
        return {};
    }
    Result<store::Connection> opened = store::Connection::open(m_path);
    if (!opened) {
        return opened.error();
    }
    QStringList definitions = {quoted(QLatin1String(kIdColumn)) + QStringLiteral(" TEXT PRIMARY KEY")};
    QStringList names = {quoted(QLatin1String(kIdColumn))};
    for (const Column &column : std::as_const(m_columns)) {
        definitions.append(quoted(column.name));
        names.append(quoted(column.name));
    }
    definitions.append(QStringLiteral("\"syncline_written_at\" INTEGER NOT NULL"));
    names.append(QStringLiteral("\"syncline_written_at\""));
    const QString create = QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (%2)")
                               .arg(quoted(m_table), definitions.join(QStringLiteral(", ")));
    if (Result<void> made = opened->exec(create.toStdString()); !made) {
        return made.error();
    }
    QStringList placeholders;
    for (qsizetype i = 1; i <= names.size(); ++i) {
        placeholders.append(QStringLiteral("?%1").arg(i));
    }
    const QString insert = QStringLiteral("INSERT OR IGNORE INTO %1 (%2) VALUES (%3)")
                               .arg(quoted(m_table), names.join(QStringLiteral(", ")),
                                    placeholders.join(QStringLiteral(", ")));
    m_database = std::move(*opened);
    Result<store::Statement *> statement = m_database->cached(insert.toStdString());
    if (!statement) {
        m_database.reset();
        return statement.error();
    }
    m_insert = *statement;
    return {};
}

NodeOutcome WriteNode::writeRow(const store::WorkItem &item, const QList<json::Value> &values)
{
    if (Result<void> opened = openSqlite(); !opened) {
        // Busy or a full disk may pass; a table of another shape will not.
        if (opened.error().code == QLatin1String(store::kStoreBusy)
            || opened.error().code == QLatin1String(store::kStoreFull)
            || opened.error().code == QLatin1String(store::kStoreOpen)) {
            return NodeOutcome::retry(opened.error().code, opened.error().message);
        }
        return NodeOutcome::fail(QStringLiteral("WRITE_FAILED"), opened.error().message);
    }
    store::Statement &insert = *m_insert;
    insert.reset(true);
    insert.bind(1, item.message.messageId);
    for (qsizetype i = 0; i < values.size(); ++i) {
        const json::Value &value = values[i];
        const int slot = int(i) + 2;
        const std::string number = value.isNumber() ? value.numberToText() : std::string();
        if (value.isNull() || value.isUndefined()) {
            insert.bindNull(slot);
        } else if (value.isBool()) {
            insert.bind(slot, value.toBool() ? 1 : 0);
        } else if (value.isNumber() && number.find_first_of(".eE") == std::string::npos
                   && number.size() < 19) {
            insert.bind(slot, std::stoll(number));
        } else {
            insert.bind(slot, cellText(value)); // decimals as their exact text
        }
    }
    insert.bind(int(values.size()) + 2, m_clockMs());
    if (Result<void> done = insert.run(); !done) {
        if (done.error().code == QLatin1String(store::kStoreSql)) {
            return NodeOutcome::fail(QStringLiteral("WRITE_FAILED"), done.error().message);
        }
        return NodeOutcome::retry(done.error().code, done.error().message);
    }
    NodeOutcome outcome = NodeOutcome::next();
    if (m_database->changes() == 0) {
        outcome.errorDetail = QStringLiteral("already written to %1.%2").arg(m_path, m_table);
    }
    return outcome;
}

Result<void> WriteNode::openFile()
{
    if (m_file.isOpen()) {
        return {};
    }
    m_file.setFileName(m_path);
    if (!m_file.open(QIODevice::ReadWrite)) {
        return writeFailed(m_path, m_file.errorString());
    }
    const qint64 size = m_file.size();
    const bool csv = m_format == Format::Csv;
    // Read the tail: ids written just before a crash, and a line the crash cut short.
    const qint64 tailStart = std::max<qint64>(0, size - kTailBytes);
    m_file.seek(tailStart);
    QByteArray tail = m_file.readAll();
    const qsizetype lastNewline = tail.lastIndexOf('\n');
    if (!tail.isEmpty() && !tail.endsWith('\n')) {
        const qint64 keep = lastNewline >= 0 ? tailStart + lastNewline + 1 : tailStart;
        if (!m_file.resize(keep)) {
            return writeFailed(m_path, m_file.errorString());
        }
        tail.truncate(keep - tailStart);
    }
    QList<QByteArray> lines = tail.split('\n');
    if (tailStart > 0 && !lines.isEmpty()) {
        lines.removeFirst(); // begins mid-line
    }
    for (const QByteArray &line : std::as_const(lines)) {
        if (const QString id = idOfLine(line, csv); !id.isEmpty()) {
            m_tailIds.insert(id);
        }
    }
    if (csv && m_file.size() == 0) {
        QByteArray header = kIdColumn;
        for (const Column &column : std::as_const(m_columns)) {
            header += ',' + column.name.toUtf8();
        }
        m_file.write(header + '\n');
    }
    m_file.seek(m_file.size());
    return {};
}

QByteArray WriteNode::line(const QString &messageId, const json::Value &payload,
                           const QList<json::Value> &values) const
{
    if (m_format == Format::Csv) {
        QByteArray row = messageId.toUtf8();
        for (const json::Value &value : values) {
            row += ',' + csvField(cellText(value));
        }
        return row + '\n';
    }
    json::ObjectBuilder record;
    record.set(kIdColumn, json::Value::string(messageId));
    if (!m_columns.isEmpty()) {
        for (qsizetype i = 0; i < m_columns.size(); ++i) {
            const QByteArray name = m_columns[i].name.toUtf8();
            record.set(std::string_view(name.constData(), size_t(name.size())), values[i]);
        }
    } else if (payload.isObject()) {
        for (const auto &member : payload.members()) {
            record.set(member.key, member.value);
        }
    } else {
        record.set("value", payload);
    }
    return toBytes(record.build()) + '\n';
}

NodeOutcome WriteNode::appendLine(const store::WorkItem &item, const json::Value &payload,
                                  const QList<json::Value> &values)
{
    const QString &messageId = item.message.messageId;
    if (Result<void> opened = openFile(); !opened) {
        return NodeOutcome::retry(opened.error().code, opened.error().message);
    }
    Result<std::optional<QByteArray>> written = m_store.state(m_scope, messageId);
    if (!written) {
        return NodeOutcome::retry(written.error().code, written.error().message);
    }
    if (written->has_value() || m_tailIds.contains(messageId)) {
        NodeOutcome outcome = NodeOutcome::next();
        outcome.errorDetail = QStringLiteral("already written to %1").arg(m_path);
        outcome.stateWrites.append({m_scope, messageId, QByteArrayLiteral("written"),
                                    m_clockMs() + kKeepIdsMs});
        return outcome;
    }
    const QByteArray text = line(messageId, payload, values);
    const qint64 offset = m_file.size();
    if (m_file.write(text) != text.size() || !m_file.flush() || ::fsync(m_file.handle()) != 0) {
        const QString why = m_file.errorString();
        m_file.resize(offset); // no half line for the next write to follow
        m_file.close();
        m_tailIds.clear();
        return NodeOutcome::retry(QStringLiteral("WRITE_FAILED"), writeFailed(m_path, why).message);
    }
    NodeOutcome outcome = NodeOutcome::next();
    outcome.stateWrites.append({m_scope, messageId, QByteArray::number(offset),
                                m_clockMs() + kKeepIdsMs});
    return outcome;
}

} // namespace syncline::engine::runtime
