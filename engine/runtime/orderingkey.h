#pragma once

#include "engine/json/value.h"

#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

/// The JSON pointer a trigger's `orderingKey` setting names (docs/engine.md, "Ordering"); empty
/// when the trigger does not order its messages.
QString orderingKeyPointer(const nlohmann::json &settings);

/// The ordering key of a message entering a flow: the text at `pointer` in its payload (a
/// string as it is, a number as its JSON text). Empty — the message is not ordered — when the
/// pointer is empty or names nothing scalar.
QString orderingKeyOf(const json::Value &payload, const QString &pointer);
/// The same for a payload still in bytes (a published message); parsed only when `pointer` is
/// not empty.
QString orderingKeyOf(const QByteArray &payload, const QString &pointer);

} // namespace syncline::engine::runtime
