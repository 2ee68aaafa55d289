#pragma once

#include "engine/json/value.h"

#include <QString>

namespace syncline::engine::runtime {

/// The value at an RFC 6901 JSON pointer ("/data/object/number"; "~1" is "/", "~0" is "~"),
/// or nullptr when there is none. "" is the whole document.
const json::Value *resolvePointer(const json::Value &root, const QString &pointer);

/// A string as it is, a number as its JSON text; empty for anything else or nullptr. Ids and
/// business keys arrive as either in the wild.
QString scalarText(const json::Value *value);

} // namespace syncline::engine::runtime
