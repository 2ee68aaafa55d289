#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

enum class NodeCategory { Trigger, Transform, Effect, Control };

/// A node type of workspace format v1 as the studio's palette and settings form show it and as
/// the engine checks it at deploy. Each type is described by one file,
/// engine/runtime/nodetypes/<type>.json, compiled into the engine.
struct NodeTypeInfo
{
    QString type;
    NodeCategory category = NodeCategory::Transform;
    QString title;
    QString summary;
    /// Outputs a node of this type can send on: "" is the default output, "*" means the names
    /// come from its settings (a route's outputs); every node with an input also has "error".
    QStringList outputs;
    /// JSON Schema (draft-07) of the node's settings, including the settings every non-trigger
    /// node takes (retry, concurrency). Titles, descriptions, defaults and enums are there for a
    /// form; "x-syncline-reference" names the kind of workspace object a text refers to and
    /// "x-syncline-editor": "jsonata" marks an expression.
    nlohmann::json settingsSchema;

    bool isTrigger() const { return category == NodeCategory::Trigger; }
};

/// Every node type, in palette order (triggers, transforms, effects, control).
const QList<NodeTypeInfo> &nodeTypes();
const NodeTypeInfo *findNodeType(const QString &type);
QString categoryName(NodeCategory category);

/// What is wrong with a node's settings against its type's schema, one line per violation,
/// each starting with "settings/<pointer>". Empty when they are valid.
QStringList checkNodeSettings(const NodeTypeInfo &type, const nlohmann::json &settings);

} // namespace syncline::engine::runtime
