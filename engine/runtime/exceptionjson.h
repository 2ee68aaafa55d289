#pragma once

#include "engine/core/result.h"
#include "engine/net/httpserver.h"
#include "engine/runtime/inputschema.h"
#include "engine/store/exceptionrecords.h"

#include <QByteArray>

#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime::exceptionjson {

/// How the exception API reads its queries and writes its answers (docs/operations.md).

/// GET /api/v1/exceptions parameters: flow, node, category, reason, owner, state (open, assigned,
/// resolved, unresolved), businessKey, correlationId, olderThan / newerThan (a duration: 90s,
/// 15m, 4h, 7d), overdue=true, limit (1 … 500, default 50), cursor, counts=reason,flow,...
struct ListQuery
{
    store::ExceptionFilter filter;
    std::optional<store::ExceptionCursor> after;
    int limit = 50;
    QList<store::ExceptionGroup> counts;
};
/// The query, or a message for a 400 answer.
Result<ListQuery> parseListQuery(const net::ServerRequest &request, qint64 nowMs);

QString encodeCursor(const store::ExceptionCursor &cursor);
std::optional<store::ExceptionCursor> decodeCursor(const QByteArray &text);

/// Shows a text to the caller (masking); see ExceptionApi::presented().
using Presenter = std::function<QByteArray(const QByteArray &text)>;

/// One exception as a list shows it.
nlohmann::json
summary(const store::ExceptionRecord &record, qint64 nowMs, const Presenter &present);
/// One exception with its input, repaired versions, history and declared input schema, as JSON
/// text (payloads are spliced in as stored, so numbers keep their exact text).
QByteArray detail(const store::ExceptionDetail &detail,
                  const std::optional<DeclaredSchema> &schema,
                  qint64 nowMs,
                  const Presenter &present);
/// A repaired version (the payload spliced in).
QByteArray repairVersion(const store::RepairVersion &version, const Presenter &present);
nlohmann::json replayTicket(const store::ReplayTicket &ticket);

/// A JSON object `fields` with members whose values are JSON texts (null when empty).
QByteArray withRawMembers(const nlohmann::json &fields,
                          const QList<QPair<QByteArray, QByteArray>> &raw);

} // namespace syncline::engine::runtime::exceptionjson
