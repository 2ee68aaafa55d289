#pragma once

#include "engine/model/workspace.h"
#include "engine/security/piimarks.h"

#include <QByteArray>
#include <QByteArrayView>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace syncline::engine::security {

/// Hides personal data in the payloads the engine returns (exceptions, lineage, exports). GUI-free
/// and immutable once built: build one per deployed workspace and share it between threads.
///
/// A value is personal when (docs/security.md, "Masking"):
///   1. its member name and the name of the member holding it match a property the canonical
///      schemas mark with "x-syncline-pii" (see PiiMarks; arrays are transparent), or
///   2. its member name carries a telling keyword ("billing_email", "VatNumber", "iban") and the
///      value looks like that kind of data, or
///   3. wherever it is, a string holds an e-mail address or a card number (13-19 digits passing
///      the Luhn check).
/// A marked object or array is masked throughout. Strings and numbers are masked (a masked number
/// becomes a string); true, false and null stay.
///
/// View::Clear shows everything except card numbers, which show their last four digits however
/// they were found; only callers allowed to unmask (Permission::Unmask, with a reason, audited)
/// get it. Apply the masker to each payload on its own (the message body, the node's input), not
/// to a whole API answer: rule 1 knows a canonical document's top-level fields only at its root
/// (or under a member named after the entity, {"customer": {...}}).
class Masker
{
public:
    enum class View {
        Masked, // what every caller sees
        Clear,  // unmasked: only card numbers are still cut to their last four digits
    };

    /// No schema marks: rules 2 and 3 only.
    Masker() = default;
    explicit Masker(PiiMarks marks);
    static Masker forWorkspace(const model::Workspace &workspace);

    /// The JSON text `json` with personal data masked. Everything else is copied byte for byte
    /// (spacing, member order, number text). Text that is not JSON gets rule 3 over the whole
    /// text, so nothing that looks like an address or card number leaves.
    QByteArray apply(QByteArrayView json, View view) const;
    std::string apply(std::string_view json, View view) const;
    /// The same on a parsed document, in place.
    void apply(nlohmann::json &document, View view) const;

    const PiiMarks &marks() const { return m_marks; }

private:
    PiiMarks m_marks;
};

} // namespace syncline::engine::security
