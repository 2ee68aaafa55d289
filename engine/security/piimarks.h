#pragma once

#include "engine/model/workspace.h"

#include <QString>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace syncline::engine::security {

/// The personal-data classes of the canonical model ("x-syncline-pii", docs/workspace-format.md).
enum class PiiClass {
    Name,
    Email,
    Phone,
    Address,
    TaxId,
    CardNumber,
    BankAccount,
    BirthDate,
    IpAddress,
    GovernmentId,
    FreeText,
};

std::optional<PiiClass> piiClassFromName(std::string_view name);
QString piiClassName(PiiClass cls);

/// Why a member of a payload counts as personal data.
struct PiiMatch
{
    PiiClass cls = PiiClass::FreeText;
    /// True when only the member's name suggested it (a keyword such as "email" inside
    /// "billingEmail"), so the value must also look like that kind of data to be masked.
    bool byKeyword = false;
};

/// Where personal data sits in payloads, learned from the marks of a workspace's canonical
/// schemas. A marked property is known by its name together with the name of the property that
/// holds it (its "parent"; arrays do not count, "" at the top of an entity, where the entity's
/// id also serves as the parent, for payloads wrapped as {"customer": {...}}). Names compare
/// normalised: ASCII letters in lower case, only letters and digits kept ("tax_id" = "taxId").
/// On top of the marks, a few keywords in member names ("email", "phone", "taxId", "iban", ...)
/// mark members of payloads that are not canonical documents.
///
/// Immutable once built; safe to share between threads.
class PiiMarks
{
public:
    /// Only the keyword rules.
    PiiMarks() = default;
    /// The marks of every canonical schema with properties (an entity), following $ref, array
    /// items and allOf/anyOf/oneOf. Unresolvable references are skipped (the workspace check
    /// reports them).
    static PiiMarks fromWorkspace(const model::Workspace &workspace);

    /// Adds one marked property (names as written; they are normalised here).
    void add(std::string_view parent, std::string_view name, PiiClass cls);

    /// The class of member `name` inside a value held by `parent`; both already normalised.
    std::optional<PiiMatch> classify(std::string_view parent, std::string_view name) const;

    /// How many (parent, name) pairs the schemas marked.
    int markedCount() const { return m_count; }

    static std::string normalise(std::string_view name);

private:
    // name → parent → class
    std::unordered_map<std::string, std::unordered_map<std::string, PiiClass>> m_marked;
    int m_count = 0;
};

} // namespace syncline::engine::security
