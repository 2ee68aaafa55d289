#pragma once

#include "engine/security/piimarks.h"

#include <string>
#include <string_view>

namespace syncline::engine::security {

/// How a value of each personal-data class looks masked. Enough stays to tell two values apart
/// in a list, never enough to use one:
///   name          "Jane Doe"            → "J*** D***"
///   email         "jane@example.com"    → "j***@e***.com"
///   phone         "+49 30 1234567"      → "+** ** *****67"
///   taxId, governmentId  "DE123456789"  → "*********89"
///   bankAccount   "DE89370400440532013000" → "******************3000"
///   cardNumber    "4111 1111 1111 1111" → "**** **** **** 1111"
///   address, birthDate, ipAddress, freeText → "***"
/// An empty value stays empty.
std::string maskAs(PiiClass cls, std::string_view text);

/// Card numbers show their last four digits at most, masked or not: every other digit becomes
/// '*', separators stay.
std::string lastFourOnly(std::string_view text);

/// Whether `text` plausibly holds a value of `cls`; a member named like personal data
/// ("emailStatus") is masked only when its value also looks like it ("bounced" does not).
bool looksLike(PiiClass cls, std::string_view text);

/// Cuts every card number inside `text` to its last four digits: runs of 13 to 19 digits (single
/// spaces or dashes between them allowed) that start with 2 to 6 and pass the Luhn check.
/// Returns whether anything changed.
bool cutCardNumbers(std::string &text);

/// Masks every e-mail address inside `text` (local@domain.tld). Returns whether anything changed.
bool maskEmails(std::string &text);

/// The Luhn (mod 10) check over a string of digits.
bool luhnValid(std::string_view digits);

} // namespace syncline::engine::security
