#include "engine/runtime/lookupnode.h"

namespace syncline::engine::runtime {

namespace {

Error invalid(const QString &message)
{
    return Error::make(QStringLiteral("SETTINGS_INVALID"), message);
}

} // namespace

QString LookupNode::idMapScope(const QString &name)
{
    return QStringLiteral("idmap/%1").arg(name);
}

Result<std::shared_ptr<LookupNode>> LookupNode::create(const PlannedNode &node,
                                                      const nlohmann::json &table,
                                                      store::MessageStore &store)
{
    const nlohmann::json &settings = node.settings;
    auto lookup = std::shared_ptr<LookupNode>(new LookupNode(store));
    Result<KeySetting> input = KeySetting::parse(QStringLiteral("settings/input"),
                                                 settingText(settings, "input"));
    if (!input) {
        return input.error();
    }
    lookup->m_input = std::move(*input);
    lookup->m_target = settingText(settings, "target");
    if (lookup->m_target.isEmpty()) {
        return invalid(QStringLiteral("settings/target: name the field the value is written to"));
    }
    lookup->m_missOutput = !node.successors(QStringLiteral("miss")).isEmpty();
    const QString idMap = settingText(settings, "idMap");
    const QString tableId = settingText(settings, "lookup");
    if (idMap.isEmpty() == tableId.isEmpty()) {
        return invalid(QStringLiteral("settings: a lookup node uses either a crosswalk "
                                      "(\"lookup\") or a learned id map (\"idMap\")"));
    }
    if (!idMap.isEmpty()) {
        lookup->m_idMap = idMapScope(idMap);
        lookup->m_source = QStringLiteral("id map %1").arg(idMap);
        return lookup;
    }
    lookup->m_source = QStringLiteral("lookup %1").arg(tableId);
    if (!table.is_object()) {
        return invalid(QStringLiteral("settings/lookup names no lookup (\"%1\")").arg(tableId));
    }
    if (Result<void> read = lookup->readTable(settings, table); !read) {
        return read.error();
    }
    return lookup;
}

Result<void> LookupNode::readTable(const nlohmann::json &settings, const nlohmann::json &table)
{
    QStringList columns;
    for (const auto &column : table.value("columns", nlohmann::json::array())) {
        if (column.is_object()) {
            columns.append(settingText(column, "name"));
        }
    }
    QString keyColumn = settingText(settings, "keyColumn");
    if (keyColumn.isEmpty()) {
        keyColumn = settingText(table, "key");
    }
    if (!columns.contains(keyColumn)) {
        return invalid(QStringLiteral("settings/keyColumn: %1 has no column \"%2\"")
                           .arg(m_source, keyColumn));
    }
    if (const QString one = settingText(settings, "valueColumn"); !one.isEmpty()) {
        m_valueColumns.append(one);
    }
    if (const auto many = settings.find("valueColumns"); many != settings.end() && many->is_array()) {
        for (const auto &name : *many) {
            m_valueColumns.append(name.is_string() ? QString::fromStdString(name.get<std::string>())
                                                   : QString());
        }
        m_object = true;
    }
    if (m_valueColumns.isEmpty()) {
        return invalid(QStringLiteral("settings/valueColumn: name the column to read"));
    }
    for (const QString &column : std::as_const(m_valueColumns)) {
        if (!columns.contains(column)) {
            return invalid(QStringLiteral("settings: %1 has no column \"%2\"").arg(m_source, column));
        }
    }
    for (const auto &row : table.value("rows", nlohmann::json::array())) {
        const QString key = row.is_object() ? settingText(row, keyColumn.toUtf8().constData())
                                            : QString();
        if (key.isEmpty()) {
            continue; // no value in the key column: nothing can find this row
        }
        if (m_rows.contains(key)) {
            return invalid(QStringLiteral("settings/keyColumn: \"%1\" appears twice in column %2 "
                                          "of %3, so a lookup by it is ambiguous")
                               .arg(key, keyColumn, m_source));
        }
        QHash<QString, QString> values;
        for (auto it = row.begin(); it != row.end(); ++it) {
            if (it->is_string()) {
                values.insert(QString::fromStdString(it.key()),
                              QString::fromStdString(it->get<std::string>()));
            }
        }
        m_rows.insert(key, values);
    }
    return {};
}

Result<std::optional<json::Value>> LookupNode::find(const QString &key) const
{
    if (!m_idMap.isEmpty()) {
        Result<std::optional<QByteArray>> learned = m_store.state(m_idMap, key);
        if (!learned) {
            return learned.error();
        }
        if (!learned->has_value()) {
            return std::optional<json::Value>();
        }
        return std::optional<json::Value>(json::Value::string(QString::fromUtf8(**learned)));
    }
    const auto row = m_rows.constFind(key);
    if (row == m_rows.cend()) {
        return std::optional<json::Value>();
    }
    if (!m_object) {
        const auto value = row->constFind(m_valueColumns.first());
        return value == row->cend() ? std::optional<json::Value>()
                                    : std::optional<json::Value>(json::Value::string(*value));
    }
    json::ObjectBuilder values;
    for (const QString &column : m_valueColumns) {
        const auto value = row->constFind(column);
        if (value == row->cend()) {
            return std::optional<json::Value>(); // a counterpart is missing: a miss
        }
        const QByteArray name = column.toUtf8();
        values.set(std::string_view(name.constData(), size_t(name.size())),
                   json::Value::string(*value));
    }
    return std::optional<json::Value>(values.build());
}

Result<std::optional<json::Value>> LookupNode::findEach(const json::Value &keys) const
{
    std::vector<json::Value> values;
    for (const json::Value &key : keys.items()) {
        const QString text = KeySetting::text(key);
        if (text.isEmpty()) {
            continue;
        }
        Result<std::optional<json::Value>> found = find(text);
        if (!found) {
            return found.error();
        }
        if (found->has_value()) {
            values.push_back(std::move(**found));
        }
    }
    if (values.empty()) {
        return std::optional<json::Value>();
    }
    return std::optional<json::Value>(json::Value::array(std::move(values)));
}

NodeOutcome LookupNode::run(const store::WorkItem &item)
{
    Result<json::Value> payload = readPayload(item);
    if (!payload) {
        return NodeOutcome::fail(payload.error().code, payload.error().message);
    }
    Result<json::Value> input = m_input.value(*payload, item.message);
    if (!input) {
        return NodeOutcome::fail(input.error().code, input.error().message);
    }
    const std::optional<QString> key = input->isArray() ? std::optional<QString>()
                                                        : KeySetting::text(*input);
    Result<std::optional<json::Value>> found = input->isArray() ? findEach(*input)
                                               : key->isEmpty() ? std::optional<json::Value>()
                                                                : find(*key);
    if (!found) {
        return NodeOutcome::retry(found.error().code, found.error().message);
    }
    if (!found->has_value()) {
        const QString shown = key ? *key : KeySetting::text(*input);
        const QString detail = shown.isEmpty()
                                   ? QStringLiteral("the message has no value to look up in %1")
                                         .arg(m_source)
                                   : QStringLiteral("\"%1\" is not in %2").arg(shown, m_source);
        if (m_missOutput) {
            NodeOutcome miss = NodeOutcome::next(QStringLiteral("miss"));
            miss.errorCode = QStringLiteral("LOOKUP_MISS");
            miss.errorDetail = detail;
            return miss;
        }
        NodeOutcome failed = NodeOutcome::fail(QStringLiteral("LOOKUP_MISS"), detail);
        failed.errorFacts = QByteArray::fromStdString(
            nlohmann::json({{"lookup", m_source.toStdString()}, {"key", shown.toStdString()}})
                .dump());
        return failed;
    }
    Result<json::Value> updated = setField(*payload, m_target, **found);
    if (!updated) {
        return NodeOutcome::fail(updated.error().code, updated.error().message);
    }
    return NodeOutcome::produce({{QString(), childOf(item.message, *updated)}});
}

} // namespace syncline::engine::runtime
