#pragma once

#include "engine/json/value.h"
#include "engine/plugin/connectordescription.h"

#include <QString>

namespace syncline::engine::runtime {

/// Follows a connector's list operation from page to page the way its vendor pages
/// (docs/connectors.md, "Lists follow pages"): a cursor read from the answer or from its last
/// item (Zendesk's after_cursor, Stripe's starting_after = the last id), an offset advanced by
/// the items read (NetSuite), or the next page's URL (Salesforce's nextRecordsUrl).
///
/// A page is named by a cursor text, "" for the first page, so a poll can commit it as node
/// state and continue there after a restart. Stateless and copyable; safe from any thread.
class ListPaging
{
public:
    ListPaging() = default;
    /// `pageSize` > 0 is sent in the vendor's page size parameter (when it has one).
    ListPaging(plugin::Pagination pagination, int pageSize);

    struct Next
    {
        QString cursor; // the next page's cursor, or (after the last page) a resumption point
        bool more = false;
    };

    /// The URL of the page at `cursor`: the list's own URL (base URL and path, which may carry a
    /// query) with the page size and cursor parameters, or for next-URL paging the URL the
    /// previous page named, resolved against the base URL's origin.
    QString pageUrl(const QString &baseUrl, const QString &path, const QString &cursor) const;

    /// Where the page after `body` (read at `cursor`) starts, and whether there is one. A vendor
    /// answering the same cursor again ends the listing rather than looping on one page.
    Next next(const json::Value &body, const QString &cursor) const;

    /// The pointer of the page's items in an answer ("" when the answer is the array).
    QString itemsPointer() const { return m_pagination.itemsPointer; }
    /// Whether the vendor's list has pages at all.
    bool paged() const;

private:
    bool isStyle(const char *style) const { return m_pagination.style == QLatin1String(style); }

    plugin::Pagination m_pagination;
    int m_pageSize = 0;
};

} // namespace syncline::engine::runtime
