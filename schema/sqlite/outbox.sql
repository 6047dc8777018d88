-- The checkpoint's durable outbox (SQLite, WAL, synchronous=FULL). Applied by the checkpoint at open;
-- PRAGMA user_version records which version of this file a data directory holds.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per crossing the officer recorded. seq is the device's gapless sequence number.
CREATE TABLE IF NOT EXISTS outbox (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    body         TEXT    NOT NULL,            -- the canonical JSON sent to the server
    created_at   TEXT    NOT NULL,
    state        INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 acknowledged, 2 rejected
    acked_at     TEXT,
    reject_code  TEXT,
    reject_detail TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, seq);

-- Which lines of which import file became which record: what makes an interrupted import resumable.
CREATE TABLE IF NOT EXISTS imported_lines (
    source    TEXT    NOT NULL,
    line_no   INTEGER NOT NULL,
    line_hash TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (source, line_no)
) WITHOUT ROWID;
