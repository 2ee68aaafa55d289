#pragma once

#include <QString>

#include <string_view>

namespace syncline::engine::schema {

/// The draft-07 format a string value plainly has: "date-time" (RFC 3339, e.g.
/// "2024-01-31T09:30:00Z"), "date" ("2024-01-31", a real calendar day), "uuid", "email"
/// (local@domain.tld) or "uri" (absolute, scheme://...). Empty when none fits. Deliberately
/// strict: an inferred format must never make a sample fail validation. Thread-safe.
QString detectStringFormat(std::string_view text);

} // namespace syncline::engine::schema
