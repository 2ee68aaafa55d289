#pragma once

#include "engine/runtime/flowplan.h"
#include "engine/runtime/noderunner.h"
#include "engine/runtime/nodesupport.h"
#include "engine/store/messagestore.h"

#include <QHash>

namespace syncline::engine::runtime {

/// Translates a value through a crosswalk table of the workspace (lookups/<id>.lookup.json) or
/// through an id map learned from earlier responses (an http node's "idMap" setting records them,
/// scope "idmap/<name>"), and writes the result into a field of the message. A miss — no row, or
/// a row without the wanted column — goes to the output "miss" when it is connected; else it is
/// a business failure LOOKUP_MISS (never retried: the table or the map must change first).
/// An input that is an array (a webhook's changedFields) looks up each element: the field gets
/// the array of the values found, in order, and only an array of which none is found is a miss.
class LookupNode final : public NodeRunner
{
public:
    /// `table` is the lookup document when settings/lookup is used, else null.
    static Result<std::shared_ptr<LookupNode>> create(const PlannedNode &node,
                                                      const nlohmann::json &table,
                                                      store::MessageStore &store);
    NodeOutcome run(const store::WorkItem &item) override;

    static QString idMapScope(const QString &name);

private:
    explicit LookupNode(store::MessageStore &store)
        : m_store(store)
    {}
    Result<void> readTable(const nlohmann::json &settings, const nlohmann::json &table);
    /// The value to write, or nothing on a miss.
    Result<std::optional<json::Value>> find(const QString &key) const;
    /// An array of keys: the values of those found, in order; nothing when none was found.
    Result<std::optional<json::Value>> findEach(const json::Value &keys) const;

    store::MessageStore &m_store;
    KeySetting m_input;
    QString m_target;
    QString m_source;  // "lookup <id>" or "id map <name>", for messages
    QString m_idMap;   // the id map's scope when looking up learned ids
    QStringList m_valueColumns;
    bool m_object = false; // several value columns: the field gets an object
    QHash<QString, QHash<QString, QString>> m_rows; // key value -> column -> value
    bool m_missOutput = false;
};

} // namespace syncline::engine::runtime
