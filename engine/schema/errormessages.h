#pragma once

#include "engine/schema/schemalocator.h"
#include "engine/schema/violation.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace syncline::engine::schema {

/// One error as valijson reports it: its context path ("<root>", "[lines]", "[3]") and its
/// English description.
struct RawError
{
    std::vector<std::string> context;
    std::string description;
};

/// Turns valijson's errors into Violations: JSON pointers, the failing keyword and a plain
/// message built from the schema (and its title, description and x-syncline-* annotations).
/// Errors that only say "a child failed" are dropped when the child's own error is listed.
/// Internal to engine/schema.
Violations describeErrors(const std::vector<RawError> &errors, const json::Value &instance,
                          const SchemaLocator &locator);

/// The title (or a short description) of the value the nodes describe, or "".
QString fieldName(const QList<SchemaLocator::Node> &nodes);

} // namespace syncline::engine::schema
