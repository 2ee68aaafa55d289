#include "engine/runtime/listpaging.h"

#include "engine/runtime/jsonpointer.h"

#include <QUrl>

namespace syncline::engine::runtime {

namespace {

QString withParameter(const QString &url, const QString &name, const QString &value)
{
    return url + (url.contains(u'?') ? u'&' : u'?') + name + u'='
           + QString::fromLatin1(QUrl::toPercentEncoding(value));
}

QString origin(const QString &baseUrl)
{
    return QUrl(baseUrl)
        .adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment)
        .toString(QUrl::StripTrailingSlash);
}

} // namespace

ListPaging::ListPaging(plugin::Pagination pagination, int pageSize)
    : m_pagination(std::move(pagination))
    , m_pageSize(pageSize)
{}

bool ListPaging::paged() const
{
    return !m_pagination.style.isEmpty() && !isStyle("none");
}

QString ListPaging::pageUrl(const QString &baseUrl, const QString &path, const QString &cursor) const
{
    if (isStyle("nextUrl") && !cursor.isEmpty()) {
        // The vendor names the next page itself, usually as a path from its host's root.
        return cursor.startsWith(QLatin1String("http://")) || cursor.startsWith(QLatin1String("https://"))
                   ? cursor
                   : origin(baseUrl) + (cursor.startsWith(u'/') ? QString() : QStringLiteral("/"))
                         + cursor;
    }
    QString url = baseUrl + path;
    if (m_pageSize > 0 && !m_pagination.sizeParam.isEmpty()) {
        url = withParameter(url, m_pagination.sizeParam, QString::number(m_pageSize));
    }
    if (!cursor.isEmpty() && !m_pagination.requestParam.isEmpty() && paged()) {
        url = withParameter(url, m_pagination.requestParam, cursor);
    }
    return url;
}

ListPaging::Next ListPaging::next(const json::Value &body, const QString &cursor) const
{
    if (!paged()) {
        return {cursor, false};
    }
    const json::Value *items = resolvePointer(body, m_pagination.itemsPointer);
    const qsizetype count = items && items->isArray() ? qsizetype(items->size()) : 0;
    const json::Value *flag = m_pagination.hasMorePointer.isEmpty()
                                  ? nullptr
                                  : resolvePointer(body, m_pagination.hasMorePointer);
    const bool hasFlag = !m_pagination.hasMorePointer.isEmpty();

    if (isStyle("offset")) {
        const bool more = count > 0 && (hasFlag ? flag && flag->toBool() : true);
        // At the end the last page's offset stays: the next round reads it again and goes on
        // from there when the list has grown.
        return more ? Next{QString::number(cursor.toLongLong() + count), true} : Next{cursor, false};
    }
    QString token;
    if (!m_pagination.nextPointer.isEmpty()) {
        token = scalarText(resolvePointer(body, m_pagination.nextPointer));
    } else if (!m_pagination.lastItemPointer.isEmpty() && count > 0) {
        token = scalarText(resolvePointer((*items)[size_t(count - 1)], m_pagination.lastItemPointer));
    }
    bool more = !token.isEmpty() && (!hasFlag || (flag && flag->toBool()));
    if (more && token == cursor) {
        more = false; // the same page again would be read for ever
    }
    if (more) {
        return {token, true};
    }
    if (isStyle("nextUrl")) {
        return {QString(), false}; // a next-page URL is not a place to resume from later
    }
    // A cursor the vendor still gives on its last page is where its next changes start (a sync
    // token); without one the last page is read again.
    return {hasFlag && !m_pagination.nextPointer.isEmpty() && !token.isEmpty() ? token : cursor,
            false};
}

} // namespace syncline::engine::runtime
