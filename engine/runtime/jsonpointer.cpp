#include "engine/runtime/jsonpointer.h"

#include <QStringList>

namespace syncline::engine::runtime {

const json::Value *resolvePointer(const json::Value &root, const QString &pointer)
{
    if (pointer.isEmpty()) {
        return &root;
    }
    if (!pointer.startsWith(u'/')) {
        return nullptr;
    }
    const json::Value *at = &root;
    for (QString token : pointer.mid(1).split(u'/')) {
        token.replace(QStringLiteral("~1"), QStringLiteral("/")).replace(QStringLiteral("~0"),
                                                                         QStringLiteral("~"));
        if (at->isObject()) {
            const QByteArray name = token.toUtf8();
            at = at->find(std::string_view(name.constData(), size_t(name.size())));
        } else if (at->isArray()) {
            bool isIndex = false;
            const qsizetype index = token.toLongLong(&isIndex);
            at = isIndex && index >= 0 && size_t(index) < at->size() ? &(*at)[size_t(index)]
                                                                     : nullptr;
        } else {
            return nullptr;
        }
        if (!at) {
            return nullptr;
        }
    }
    return at;
}

QString scalarText(const json::Value *value)
{
    if (!value) {
        return {};
    }
    if (value->isString()) {
        return value->toQString();
    }
    if (value->isNumber()) {
        return QString::fromStdString(value->numberToText());
    }
    return {};
}

} // namespace syncline::engine::runtime
