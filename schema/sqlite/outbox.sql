-- The checkpoint's durable outbox (SQLite, WAL, synchronous=FULL), version 4. Created by `init`;
-- PRAGMA user_version records which version a data directory holds, and an older one is upgraded in
-- place when it is opened.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The device's streams. Each `init` that creates an outbox starts one, and so does a sync that finds
-- the outbox stale (restored from an old copy: the centre already holds later seqs of its stream).
-- Sequence numbers are gapless per stream; meta 'stream_no' names the stream new records go to.
CREATE TABLE IF NOT EXISTS streams (
    stream_no  INTEGER PRIMARY KEY,         -- the local order of streams
    stream_id  TEXT    NOT NULL UNIQUE,     -- a UUIDv7; '' is the legacy stream of a version-1 outbox
    started_at TEXT    NOT NULL,
    reason     TEXT    NOT NULL,            -- init | upgraded | stale_outbox
    last_seq   INTEGER NOT NULL DEFAULT 0,  -- the stream's counter, kept when records are purged
    -- Version 4: the hash of the stream's last record, the head its next record is chained to; NULL: none yet.
    last_hash  TEXT
);

-- One row per crossing the officer recorded.
CREATE TABLE IF NOT EXISTS outbox (
    id            TEXT    NOT NULL PRIMARY KEY,
    stream_no     INTEGER NOT NULL REFERENCES streams (stream_no),
    seq           INTEGER NOT NULL,
    body          TEXT    NOT NULL,            -- the canonical JSON sent to the server
    created_at    TEXT    NOT NULL,
    state         INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 acknowledged, 2 rejected
    acked_at      TEXT,                        -- local clock
    confirmed_at  TEXT,                        -- the server's clock, at the reconcile that saw it stored
    reject_code   TEXT,
    reject_detail TEXT,
    carried_from  TEXT,                        -- STREAM/SEQ it was first recorded as, when carried over
    prev_hash     TEXT,                        -- version 4: the hash chain (core/record_hash.hpp), also in body
    hash          TEXT,
    UNIQUE (stream_no, seq)
);
CREATE INDEX IF NOT EXISTS outbox_queue ON outbox (state, stream_no, seq);

-- Which import lines became which record, keyed by content: the SHA-256 of the normalised line and its
-- occurrence number among identical lines of its file. What makes an import resumable from anywhere.
CREATE TABLE IF NOT EXISTS imported_lines (
    line_key    TEXT    NOT NULL PRIMARY KEY,
    record_id   TEXT    NOT NULL,
    source      TEXT    NOT NULL,  -- the file it was first imported from, for people: not part of the key
    line_no     INTEGER NOT NULL,
    imported_at TEXT    NOT NULL
) WITHOUT ROWID;

-- What the operator must be told (a stale outbox found, records carried over): shown by `status`.
CREATE TABLE IF NOT EXISTS notices (
    notice_no INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    code      TEXT    NOT NULL,
    message   TEXT    NOT NULL
);

-- Version 3: the watchlist as this terminal last pulled it from the centre (GET /api/v1/watchlist
-- ?since=VERSION), so that `record` and the officer screen screen travellers at once, offline too.
-- Two copies can sit side by side: meta 'watchlist_copy' names the live one, and a large change is
-- built beside it in short transactions, then switched to in one, so that recording never waits long
-- for the write lock. meta 'watchlist_version', 'watchlist_entries' and 'watchlist_checked_at' (the
-- last pull that reached the centre) describe the live copy.
CREATE TABLE IF NOT EXISTS watchlist (
    copy_no  INTEGER NOT NULL,
    entry_id TEXT    NOT NULL,
    version  INTEGER NOT NULL,   -- the list version that added the entry
    entry    TEXT    NOT NULL,   -- the entry as pulled (JSON)
    PRIMARY KEY (copy_no, entry_id)
) WITHOUT ROWID;

-- How entries are found: by document ("UTO/L898902C3") and by person ("SURNAME|GIVEN NAMES|YYYY-MM-DD",
-- in each spelling of core/watchlist_match). A key only narrows the search; the match is confirmed by
-- core::match.
CREATE TABLE IF NOT EXISTS watchlist_keys (
    copy_no  INTEGER NOT NULL,
    key      TEXT    NOT NULL,
    entry_id TEXT    NOT NULL,
    PRIMARY KEY (copy_no, key, entry_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS watchlist_keys_entry ON watchlist_keys (copy_no, entry_id);
