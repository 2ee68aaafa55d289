#pragma once

#include "engine/json/value.h"
#include "engine/schema/schemalocator.h"
#include "engine/schema/violation.h"

namespace syncline::engine::schema {

/// Checks every member whose schema carries "x-syncline-money": {"currencyField": "..."}: the
/// amount must be a plain decimal string ("12.30": no exponent, no spaces) with at most as
/// many fraction digits as the ISO 4217 currency named by the sibling currency field allows.
/// Non-string amounts are left to the schema's own "type". Internal to engine/schema.
void checkMoneyFields(const json::Value &instance, const SchemaLocator &locator,
                      Violations &violations);

} // namespace syncline::engine::schema
