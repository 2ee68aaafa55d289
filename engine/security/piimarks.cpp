#include "engine/security/piimarks.h"

#include "engine/model/canonicalschema.h"

#include <array>
#include <utility>
#include <vector>

namespace syncline::engine::security {

namespace {

constexpr std::array<std::pair<std::string_view, PiiClass>, 11> kClassNames = {{
    {"name", PiiClass::Name},
    {"email", PiiClass::Email},
    {"phone", PiiClass::Phone},
    {"address", PiiClass::Address},
    {"taxId", PiiClass::TaxId},
    {"cardNumber", PiiClass::CardNumber},
    {"bankAccount", PiiClass::BankAccount},
    {"birthDate", PiiClass::BirthDate},
    {"ipAddress", PiiClass::IpAddress},
    {"governmentId", PiiClass::GovernmentId},
    {"freeText", PiiClass::FreeText},
}};

// Member names (normalised) that say what they hold, in payloads the canonical model does not
// describe: a source system's "Contact_Email__c", a target's "vat_number". Matched as part of the
// name. Generic words ("name", "number", "address") are not here: they need a schema's mark.
constexpr std::array<std::pair<std::string_view, PiiClass>, 15> kKeywords = {{
    {"email", PiiClass::Email},
    {"phone", PiiClass::Phone},
    {"mobilenumber", PiiClass::Phone},
    {"faxnumber", PiiClass::Phone},
    {"taxid", PiiClass::TaxId},
    {"vatid", PiiClass::TaxId},
    {"vatnumber", PiiClass::TaxId},
    {"taxnumber", PiiClass::TaxId},
    {"cardnumber", PiiClass::CardNumber},
    {"creditcard", PiiClass::CardNumber},
    {"iban", PiiClass::BankAccount},
    {"bankaccount", PiiClass::BankAccount},
    {"ipaddress", PiiClass::IpAddress},
    {"dateofbirth", PiiClass::BirthDate},
    {"passportnumber", PiiClass::GovernmentId},
}};

constexpr int kMaxDepth = 32;

class MarkCollector
{
public:
    MarkCollector(const model::Workspace &workspace, PiiMarks &marks)
        : m_workspace(workspace)
        , m_marks(marks)
    {
    }

    void entity(const model::WorkspaceObject &object)
    {
        const std::vector<std::string> parents = {std::string(), object.id.toStdString()};
        walk(model::SchemaLocation{object.id, &object.document}, parents, 0);
    }

private:
    // Visits the properties of the schema at `location`; their parent is any of `parents`.
    void walk(model::SchemaLocation location, const std::vector<std::string> &parents, int depth)
    {
        QString why;
        const std::optional<model::SchemaLocation> resolved =
            model::followRefs(m_workspace, location, &why);
        if (!resolved || !resolved->schema->is_object() || depth > kMaxDepth) {
            return;
        }
        const nlohmann::json &schema = *resolved->schema;
        for (const nlohmann::json *seen : m_path) {
            if (seen == &schema) {
                return; // a recursive structure: its marks were collected on the way in
            }
        }
        m_path.push_back(&schema);
        for (const char *combinator : {"allOf", "anyOf", "oneOf"}) {
            const auto list = schema.find(combinator);
            if (list != schema.end() && list->is_array()) {
                for (const nlohmann::json &branch : *list) {
                    walk({resolved->schemaId, &branch}, parents, depth + 1);
                }
            }
        }
        const auto items = schema.find("items");
        if (items != schema.end() && items->is_object()) {
            walk({resolved->schemaId, &*items}, parents, depth + 1);
        }
        const auto properties = schema.find("properties");
        if (properties != schema.end() && properties->is_object()) {
            for (auto it = properties->begin(); it != properties->end(); ++it) {
                property(resolved->schemaId, it.key(), it.value(), parents, depth);
            }
        }
        m_path.pop_back();
    }

    void property(const QString &schemaId,
                  const std::string &name,
                  const nlohmann::json &schema,
                  const std::vector<std::string> &parents,
                  int depth)
    {
        if (const std::optional<PiiClass> cls = markOf(schemaId, schema)) {
            for (const std::string &parent : parents) {
                m_marks.add(parent, name, *cls);
            }
        }
        walk({schemaId, &schema}, {name}, depth + 1);
    }

    // The mark on the property, or on the schema its $ref names.
    std::optional<PiiClass> markOf(const QString &schemaId, const nlohmann::json &schema) const
    {
        const nlohmann::json *node = &schema;
        QString why;
        std::optional<model::SchemaLocation> target;
        if (node->is_object() && !node->contains("x-syncline-pii") && node->contains("$ref")) {
            target = model::followRefs(m_workspace, {schemaId, node}, &why);
            if (target) {
                node = target->schema;
            }
        }
        if (!node->is_object()) {
            return std::nullopt;
        }
        const auto mark = node->find("x-syncline-pii");
        if (mark == node->end()) {
            return std::nullopt;
        }
        // An unknown class is a workspace problem the model reports; until it is fixed the
        // field is still personal, and masked whole.
        return mark->is_string()
                   ? piiClassFromName(mark->get<std::string>()).value_or(PiiClass::FreeText)
                   : PiiClass::FreeText;
    }

    const model::Workspace &m_workspace;
    PiiMarks &m_marks;
    std::vector<const nlohmann::json *> m_path;
};

} // namespace

std::optional<PiiClass> piiClassFromName(std::string_view name)
{
    for (const auto &[text, cls] : kClassNames) {
        if (text == name) {
            return cls;
        }
    }
    return std::nullopt;
}

QString piiClassName(PiiClass cls)
{
    for (const auto &[text, known] : kClassNames) {
        if (known == cls) {
            return QString::fromLatin1(text.data(), qsizetype(text.size()));
        }
    }
    return {};
}

std::string PiiMarks::normalise(std::string_view name)
{
    std::string result;
    result.reserve(name.size());
    for (const char c : name) {
        if (c >= 'A' && c <= 'Z') {
            result += char(c - 'A' + 'a');
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c & 0x80) != 0) {
            result += c;
        }
    }
    return result;
}

PiiMarks PiiMarks::fromWorkspace(const model::Workspace &workspace)
{
    PiiMarks marks;
    MarkCollector collector(workspace, marks);
    for (const model::WorkspaceObject &object : workspace.objects(model::ObjectKind::Canonical)) {
        if (object.document.is_object() && object.document.contains("properties")) {
            collector.entity(object);
        }
    }
    return marks;
}

void PiiMarks::add(std::string_view parent, std::string_view name, PiiClass cls)
{
    auto &parents = m_marked[normalise(name)];
    const auto [it, added] = parents.emplace(normalise(parent), cls);
    if (added) {
        ++m_count;
    } else if (it->second != cls) {
        it->second = PiiClass::FreeText; // two classes in one place: mask it whole
    }
}

std::optional<PiiMatch> PiiMarks::classify(std::string_view parent, std::string_view name) const
{
    if (const auto byName = m_marked.find(std::string(name)); byName != m_marked.end()) {
        if (const auto hit = byName->second.find(std::string(parent));
            hit != byName->second.end()) {
            return PiiMatch{hit->second, false};
        }
    }
    for (const auto &[keyword, cls] : kKeywords) {
        if (name.find(keyword) != std::string_view::npos) {
            return PiiMatch{cls, true};
        }
    }
    return std::nullopt;
}

} // namespace syncline::engine::security
