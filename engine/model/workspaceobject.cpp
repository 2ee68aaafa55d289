#include "workspaceobject.h"

namespace syncline::engine::model {

namespace {

QString stringMember(const nlohmann::json &document, const char *key)
{
    if (!document.is_object()) {
        return {};
    }
    const auto it = document.find(key);
    if (it == document.end() || !it->is_string()) {
        return {};
    }
    return QString::fromStdString(it->get<std::string>());
}

} // namespace

QString WorkspaceObject::displayName() const
{
    const QString name = stringMember(document, kind == ObjectKind::Canonical ? "title" : "name");
    return name.isEmpty() ? id : name;
}

QString WorkspaceObject::description() const
{
    return stringMember(document, "description");
}

} // namespace syncline::engine::model
