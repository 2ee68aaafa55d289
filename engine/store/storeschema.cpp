#include "engine/store/storeschema.h"

namespace syncline::engine::store {

namespace {

constexpr auto kVersion1 = R"sql(
CREATE TABLE flow_versions(
    flow_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    document    BLOB NOT NULL,
    deployed_at INTEGER NOT NULL,
    PRIMARY KEY (flow_id, version)
) WITHOUT ROWID;

CREATE TABLE messages(
    id             INTEGER PRIMARY KEY,
    message_id     TEXT NOT NULL UNIQUE,
    flow_id        TEXT NOT NULL,
    flow_version   INTEGER NOT NULL,
    correlation_id TEXT NOT NULL,
    causation_id   TEXT,
    business_key   TEXT,
    headers        BLOB,
    payload        BLOB NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX messages_correlation ON messages(correlation_id);
CREATE INDEX messages_business_key ON messages(business_key) WHERE business_key <> '';

CREATE TABLE deliveries(
    source      TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    PRIMARY KEY (source, delivery_id)
) WITHOUT ROWID;

CREATE TABLE work_items(
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL,
    flow_id      TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    node_id      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('ready', 'claimed', 'failed')),
    available_at INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER
);
CREATE INDEX work_items_ready ON work_items(flow_id, flow_version, node_id, state, available_at);
CREATE INDEX work_items_lease ON work_items(state, lease_until);

CREATE TABLE steps(
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL,
    flow_id      TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    node_id      TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    error_code   TEXT,
    error_detail TEXT,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL
);
CREATE INDEX steps_message ON steps(message_id);

CREATE TABLE lineage(
    parent_id TEXT NOT NULL,
    child_id  TEXT NOT NULL,
    node_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
CREATE INDEX lineage_child ON lineage(child_id);

CREATE TABLE effects(
    idempotency_key TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    flow_id         TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    business_key    TEXT,
    target          TEXT NOT NULL,
    method          TEXT NOT NULL,
    url             TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'uncertain')),
    attempts        INTEGER NOT NULL,
    http_status     INTEGER,
    external_ids    BLOB,
    detail          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX effects_correlation ON effects(correlation_id);
)sql";

constexpr auto kVersion2 = R"sql(
CREATE TABLE node_state(
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      BLOB NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX node_state_expiry ON node_state(expires_at) WHERE expires_at > 0;
)sql";

constexpr auto kVersion3 = R"sql(
CREATE TABLE audit(
    sequence      INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    detail        BLOB NOT NULL,
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_object ON audit(object_type, object_id);
CREATE INDEX audit_actor ON audit(actor, at);
)sql";

constexpr auto kVersion4 = R"sql(
CREATE TABLE exceptions(
    id                INTEGER PRIMARY KEY,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    category          TEXT NOT NULL CHECK (category IN ('business', 'technical', 'uncertain')),
    reason_code       TEXT NOT NULL,
    pointer           TEXT NOT NULL DEFAULT '',
    facts             BLOB,
    flow_id           TEXT NOT NULL,
    flow_version      INTEGER NOT NULL,
    node_id           TEXT NOT NULL,
    raised_at_node    TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    work_item_id      INTEGER,
    detail            TEXT NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL,
    correlation_id    TEXT NOT NULL,
    business_key      TEXT NOT NULL DEFAULT '',
    owner_role        TEXT NOT NULL,
    sla_due_at        INTEGER NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'assigned', 'resolved')),
    assignee          TEXT NOT NULL DEFAULT '',
    resolution        TEXT NOT NULL DEFAULT ''
                      CHECK (resolution IN ('', 'replayed', 'repaired', 'discarded')),
    resolution_reason TEXT NOT NULL DEFAULT '',
    resolved_by       TEXT NOT NULL DEFAULT '',
    resolved_at       INTEGER NOT NULL DEFAULT 0,
    previous_id       INTEGER NOT NULL DEFAULT 0,
    replay_blocker    TEXT NOT NULL DEFAULT ''
);
-- Every list is newest first, (created_at, id) descending, paged by keyset: each index ends in
-- created_at (and the rowid), so a filtered page is a range scan however deep it is. The one on
-- created_at (all, and the unresolved ones) also cover the grouped columns, so counts by age read
-- no table rows.
CREATE INDEX exceptions_created ON exceptions(created_at, state, category, reason_code,
                                              owner_role, flow_id, node_id);
CREATE INDEX exceptions_queue ON exceptions(owner_role, created_at) WHERE state <> 'resolved';
CREATE INDEX exceptions_unresolved ON exceptions(created_at, state, category, reason_code,
                                                 owner_role, flow_id, node_id)
    WHERE state <> 'resolved';
CREATE INDEX exceptions_flow ON exceptions(flow_id, node_id, created_at);
CREATE INDEX exceptions_reason ON exceptions(reason_code, created_at);
CREATE INDEX exceptions_business_key ON exceptions(business_key, created_at)
    WHERE business_key <> '';
CREATE INDEX exceptions_correlation ON exceptions(correlation_id);

-- Counts per group without scanning: one row per combination of the grouped columns, kept by
-- triggers in the transaction of every change.
CREATE TABLE exception_tallies(
    flow_id     TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    owner_role  TEXT NOT NULL,
    state       TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (flow_id, node_id, category, reason_code, owner_role, state)
) WITHOUT ROWID;
CREATE TRIGGER exceptions_tally_insert AFTER INSERT ON exceptions BEGIN
    INSERT INTO exception_tallies VALUES (new.flow_id, new.node_id, new.category,
        new.reason_code, new.owner_role, new.state, 1)
    ON CONFLICT DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER exceptions_tally_update AFTER UPDATE OF state ON exceptions
WHEN old.state <> new.state BEGIN
    UPDATE exception_tallies SET count = count - 1
    WHERE flow_id = old.flow_id AND node_id = old.node_id AND category = old.category
      AND reason_code = old.reason_code AND owner_role = old.owner_role AND state = old.state;
    INSERT INTO exception_tallies VALUES (new.flow_id, new.node_id, new.category,
        new.reason_code, new.owner_role, new.state, 1)
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TABLE exception_events(
    id           INTEGER PRIMARY KEY,
    exception_id INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL
);
CREATE INDEX exception_events_exception ON exception_events(exception_id, id);

CREATE TABLE exception_repairs(
    exception_id INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    message_id   TEXT NOT NULL,
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (exception_id, version)
) WITHOUT ROWID;
)sql";

constexpr auto kUsers = R"sql(
CREATE TABLE users(
    user_id      TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'finance', 'admin')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    disabled_at  INTEGER
) WITHOUT ROWID;
)sql";

// The index behind lineage by external id (docs/lineage.md): one row per id a target returned
// for an effect, written with the effect's outcome; filled here from the outcomes already stored.
// json_each only sees outcomes that are JSON objects; anything else indexes nothing. The columns
// are declared in primary-key order: SQLite 3.40's quick_check (run at every start) reports a
// false "NULL value" in a WITHOUT ROWID table whose key is in another order than its columns.
constexpr auto kExternalIds = R"sql(
CREATE TABLE effect_external_ids(
    external_id     TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    name            TEXT NOT NULL,
    PRIMARY KEY (external_id, idempotency_key, name)
) WITHOUT ROWID;
INSERT OR IGNORE INTO effect_external_ids(external_id, name, idempotency_key)
SELECT CAST(j.value AS TEXT), j.key, e.idempotency_key
FROM effects e,
     json_each(CASE WHEN json_valid(CAST(e.external_ids AS TEXT))
               THEN CASE WHEN json_type(CAST(e.external_ids AS TEXT)) = 'object'
                         THEN CAST(e.external_ids AS TEXT) END END) j
WHERE j.type IN ('text', 'integer', 'real') AND CAST(j.value AS TEXT) <> '';
)sql";

// Bulk replay jobs (docs/operations.md, "Bulk replay"): the job, and its items fixed when it was
// created, so a job resumed after a crash neither repeats nor misses an exception. The partial
// unique index keeps one active job per flow even against a race between two requests.
constexpr auto kReplayJobs = R"sql(
CREATE TABLE replay_jobs(
    id           INTEGER PRIMARY KEY,
    flow_id      TEXT NOT NULL,
    filter       TEXT NOT NULL,
    state        TEXT NOT NULL
                 CHECK (state IN ('queued', 'running', 'paused', 'cancelled', 'finished', 'failed')),
    rate         REAL NOT NULL,
    reason       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_role TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    replayed     INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX replay_jobs_one_active ON replay_jobs(flow_id)
    WHERE state IN ('queued', 'running', 'paused');

CREATE TABLE replay_job_items(
    job_id       INTEGER NOT NULL,
    exception_id INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'replayed', 'skipped', 'failed')),
    detail       TEXT NOT NULL DEFAULT '',
    at           INTEGER,
    PRIMARY KEY (job_id, exception_id)
) WITHOUT ROWID;
CREATE INDEX replay_job_items_pending ON replay_job_items(job_id, exception_id)
    WHERE state = 'pending';
)sql";

// Ordered processing per business key (docs/engine.md, "Ordering"): one turn per message that
// entered a flow with an ordering key, in arrival order; its work items name it. The partial
// index costs flows without an ordering key nothing (their order_seq is NULL).
constexpr auto kOrdering = R"sql(
ALTER TABLE work_items ADD COLUMN order_seq INTEGER;
CREATE INDEX work_items_order ON work_items(order_seq) WHERE order_seq IS NOT NULL;
CREATE TABLE order_turns(
    seq        INTEGER PRIMARY KEY,
    flow_id    TEXT NOT NULL,
    order_key  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('open', 'ended'))
);
CREATE INDEX order_turns_key ON order_turns(flow_id, order_key, state, seq);
)sql";

// The effect ledger as a rowid table (docs/store.md, "Layout"): an intent is appended where the
// last one went, and its outcome updates that row in place, in a page recent intents share. Keyed
// by the idempotency key (a SHA-256, so random), the whole row was inserted on a random page and
// that page written again by the outcome's commit; now only the key's narrow index entry lands on
// a random page, once. The keys themselves are unchanged: targets have seen them.
constexpr auto kEffectRows = R"sql(
CREATE TABLE effect_rows(
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    message_id      TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    flow_id         TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    business_key    TEXT,
    target          TEXT NOT NULL,
    method          TEXT NOT NULL,
    url             TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'uncertain')),
    attempts        INTEGER NOT NULL,
    http_status     INTEGER,
    external_ids    BLOB,
    detail          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
INSERT INTO effect_rows(idempotency_key, message_id, correlation_id, flow_id, node_id,
                        business_key, target, method, url, state, attempts, http_status,
                        external_ids, detail, created_at, updated_at)
SELECT idempotency_key, message_id, correlation_id, flow_id, node_id, business_key, target,
       method, url, state, attempts, http_status, external_ids, detail, created_at, updated_at
FROM effects ORDER BY created_at, idempotency_key;
DROP TABLE effects;
ALTER TABLE effect_rows RENAME TO effects;
CREATE INDEX effects_correlation ON effects(correlation_id);
)sql";

// The bytes each work item's message holds, kept on the item: the queue sampler sums the bytes
// waiting per node every second, and looking each waiting message up for its length was most of
// its reads.
constexpr auto kWorkItemBytes = R"sql(
ALTER TABLE work_items ADD COLUMN payload_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE work_items SET payload_bytes =
    coalesce((SELECT length(payload) FROM messages m WHERE m.message_id = work_items.message_id), 0);
)sql";

// Idempotency keys made for correlations that started after this version begin with the
// correlation's millisecond, so the ledger's key index grows at its end instead of rewriting a
// random page per effect (half of the bytes the store wrote per message, docs/performance.md).
// Keys already sent stay as they were: every correlation id up to the newest one the store
// holds, and up to now, keeps the old key (see HttpNode::idempotencyKey).
constexpr auto kOrderedEffectKeys = R"sql(
CREATE TABLE store_settings(
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO store_settings(name, value)
SELECT 'ordered_effect_keys_after', max(prefix) FROM (
    SELECT printf('%08x-%04x', ms >> 16, ms & 65535) AS prefix
    FROM (SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS ms)
    UNION ALL
    SELECT max(substr(correlation_id, 1, 13)) FROM messages WHERE substr(correlation_id, 1, 13)
        GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
    UNION ALL
    SELECT max(substr(correlation_id, 1, 13)) FROM effects WHERE substr(correlation_id, 1, 13)
        GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
);
)sql";

// Payloads of 256 bytes or more are kept as zstd frames (store/payloadcodec.h). A message row of
// invoice size took a 4 KiB page of its own; compressed, three share one. Rows written
// before keep their text (encoding 0).
constexpr auto kPayloadEncoding = R"sql(
ALTER TABLE messages ADD COLUMN payload_encoding INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr Migration kMigrations[] = {
    {1, "messages, work items, steps, lineage and the effect ledger", kVersion1},
    {2, "durable node state: dedupe keys, aggregates, cursors, learned ids", kVersion2},
    {3, "the hash-chained audit trail", kVersion3},
    {4, "the exception work queue: exceptions, their tallies, history and repaired inputs",
     kVersion4},
    {5, "users of the admin API and the hashes of their tokens", kUsers},
    {6, "external ids returned by targets, indexed for lineage", kExternalIds},
    {7, "bulk replay jobs and the exceptions each covers", kReplayJobs},
    {8, "ordered processing per business key: turns and the work items that wait for them",
     kOrdering},
    {9, "the effect ledger appended in arrival order, found by its idempotency key", kEffectRows},
    {10, "work items carry the size of their message, for the queue sampler", kWorkItemBytes},
    {11, "idempotency keys of new correlations in time order", kOrderedEffectKeys},
    {12, "message payloads compressed", kPayloadEncoding},
};

} // namespace

std::span<const Migration> messageStoreMigrations()
{
    return kMigrations;
}

} // namespace syncline::engine::store
