#include "objectkind.h"

namespace syncline::engine::model {

namespace {

struct KindNames
{
    const char *displayName;
    const char *noun;
    const char *folder;
    const char *suffix;
    const char *key;
};

constexpr KindNames kNames[] = {
    {"Canonical entities", "canonical schema", "canonical", ".schema.json", "canonical"},
    {"Systems", "system", "systems", ".system.json", "system"},
    {"Mappings", "mapping", "mappings", ".mapping.json", "mapping"},
    {"Flows", "flow", "flows", ".flow.json", "flow"},
    {"Lookups", "lookup", "lookups", ".lookup.json", "lookup"},
};

const KindNames &names(ObjectKind kind)
{
    return kNames[std::size_t(kind)];
}

} // namespace

QString kindDisplayName(ObjectKind kind)
{
    return QString::fromLatin1(names(kind).displayName);
}

QString kindNoun(ObjectKind kind)
{
    return QString::fromLatin1(names(kind).noun);
}

QString kindFolder(ObjectKind kind)
{
    return QString::fromLatin1(names(kind).folder);
}

QString kindSuffix(ObjectKind kind)
{
    return QString::fromLatin1(names(kind).suffix);
}

QString kindKey(ObjectKind kind)
{
    return QString::fromLatin1(names(kind).key);
}

std::optional<ObjectKind> kindForFileName(const QString &fileName)
{
    for (ObjectKind kind : kAllObjectKinds) {
        if (fileName.endsWith(kindSuffix(kind))) {
            return kind;
        }
    }
    return std::nullopt;
}

std::optional<ObjectKind> kindFromKey(const QString &key)
{
    for (ObjectKind kind : kAllObjectKinds) {
        if (key == kindKey(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

QString objectFilePath(ObjectKind kind, const QString &id)
{
    return kindFolder(kind) + u'/' + id + kindSuffix(kind);
}

} // namespace syncline::engine::model
