#include "engine/store/orderingjobs.h"

namespace syncline::engine::store {

namespace {

// The first open turn of a key (its head), or 0.
Result<qint64> headTurn(Connection &c, const QString &flowId, const QString &key)
{
    Result<Statement *> select = c.cached(
        "SELECT seq FROM order_turns WHERE flow_id = ? AND order_key = ? AND state = 'open'"
        " ORDER BY seq LIMIT 1");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, flowId).bind(2, key);
    Result<bool> row = (*select)->step();
    if (!row) {
        return row.error();
    }
    const qint64 head = *row ? (*select)->int64(0) : 0;
    (*select)->reset(true);
    return head;
}

} // namespace

Result<OrderTurn> openTurn(Connection &c, const QString &flowId, const QString &key,
                           const QString &messageId)
{
    Result<Statement *> insert = c.cached(
        "INSERT INTO order_turns(flow_id, order_key, message_id, state) VALUES (?, ?, ?, 'open')");
    if (!insert) {
        return insert.error();
    }
    (*insert)->bind(1, flowId).bind(2, key).bind(3, messageId);
    if (Result<void> r = (*insert)->run(); !r) {
        return r.error();
    }
    const qint64 seq = c.lastInsertRowId();
    Result<qint64> head = headTurn(c, flowId, key);
    if (!head) {
        return head.error();
    }
    return OrderTurn{seq, *head != seq};
}

Result<void> settleTurn(Connection &c, qint64 seq, qint64 atMs)
{
    Result<bool> running = c.anyRow(
        "SELECT 1 FROM work_items WHERE order_seq = ?1 AND state <> 'failed' LIMIT 1", seq);
    if (!running || *running) {
        return running ? Result<void>() : Result<void>(running.error());
    }
    Result<Statement *> turn = c.cached(
        "SELECT flow_id, order_key, EXISTS (SELECT 1 FROM work_items WHERE order_seq = ?1)"
        " FROM order_turns WHERE seq = ?1 AND state = 'open'");
    if (!turn) {
        return turn.error();
    }
    (*turn)->bind(1, seq);
    Result<bool> row = (*turn)->step();
    if (!row || !*row) {
        (*turn)->reset(true);
        return row ? Result<void>() : Result<void>(row.error());
    }
    const QString flowId = (*turn)->qtext(0);
    const QString key = (*turn)->qtext(1);
    const bool parked = (*turn)->int64(2) != 0;
    (*turn)->reset(true);
    // A parked message ends its turn: the exception queue owns it now, and the key goes on.
    // The row stays (state 'ended') while something of it is parked, for a replay to rejoin.
    Result<Statement *> end = c.cached(parked
                                           ? "UPDATE order_turns SET state = 'ended' WHERE seq = ?1"
                                           : "DELETE FROM order_turns WHERE seq = ?1");
    if (!end) {
        return end.error();
    }
    (*end)->bind(1, seq);
    if (Result<void> r = (*end)->run(); !r) {
        return r;
    }
    Result<qint64> next = headTurn(c, flowId, key);
    if (!next || *next == 0) {
        return next ? Result<void>() : Result<void>(next.error());
    }
    Result<Statement *> release = c.cached(
        "UPDATE work_items SET available_at = ?2 WHERE order_seq = ?1 AND state = 'ready'"
        " AND available_at = ?3");
    if (!release) {
        return release.error();
    }
    (*release)->bind(1, *next).bind(2, atMs).bind(3, kHeldUntil);
    return (*release)->run();
}

Result<OrderTurn> rejoinTurn(Connection &c, qint64 workItemId, const QString &messageId)
{
    Result<Statement *> select = c.cached(
        "SELECT t.flow_id, t.order_key FROM work_items w JOIN order_turns t ON t.seq = w.order_seq"
        " WHERE w.id = ?");
    if (!select) {
        return select.error();
    }
    (*select)->bind(1, workItemId);
    Result<bool> row = (*select)->step();
    if (!row || !*row) {
        (*select)->reset(true);
        return row ? Result<OrderTurn>(OrderTurn{}) : Result<OrderTurn>(row.error());
    }
    const QString flowId = (*select)->qtext(0);
    const QString key = (*select)->qtext(1);
    (*select)->reset(true);
    return openTurn(c, flowId, key, messageId);
}

Result<void> forgetParkedTurn(Connection &c, qint64 workItemId)
{
    Result<Statement *> forget = c.cached(
        "DELETE FROM order_turns WHERE state = 'ended' AND seq = (SELECT order_seq FROM"
        " work_items WHERE id = ?1) AND NOT EXISTS (SELECT 1 FROM work_items w"
        " WHERE w.order_seq = order_turns.seq AND w.id <> ?1)");
    if (!forget) {
        return forget.error();
    }
    (*forget)->bind(1, workItemId);
    return (*forget)->run();
}

} // namespace syncline::engine::store
