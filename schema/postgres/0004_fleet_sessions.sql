-- The operations fleet view: what the server knows of each device beyond its last heartbeat, the last
-- hour of each checkpoint's backlog and queue (the dashboard's sparklines), and dashboard sessions.

-- devices.last_seen_at stays the time of the last heartbeat; the server writes heartbeats back a moment
-- later (or when the database returns), with the time they arrived.
ALTER TABLE devices ADD COLUMN last_sync_at timestamptz;           -- the last ingest from the device
ALTER TABLE devices ADD COLUMN reported_last_sync_at timestamptz;  -- when the device says it last synced
ALTER TABLE devices ADD COLUMN stream_id text;                    -- (clock_offset_ms comes with 0003)
ALTER TABLE devices ADD COLUMN watchlist_version bigint;           -- the watchlist the device holds
ALTER TABLE devices ADD COLUMN record_latency jsonb;               -- {"p50","p99","count"} in milliseconds
ALTER TABLE devices ALTER COLUMN last_seen_at DROP NOT NULL;      -- NULL: only ever synced, no heartbeat yet

-- One row per checkpoint and time bucket: the backlog and the travellers waiting, as last seen in it.
CREATE TABLE fleet_history (
    checkpoint_id text        NOT NULL,
    bucket_at     timestamptz NOT NULL,
    backlog       bigint      NOT NULL,
    waiting       bigint      NOT NULL,
    PRIMARY KEY (checkpoint_id, bucket_at)
);
CREATE INDEX fleet_history_bucket_idx ON fleet_history (bucket_at);

-- A signed-in dashboard: the browser holds the secret in a cookie, the database only its hash. A session
-- lives no longer than its token: revoking the token ends it.
CREATE TABLE dashboard_sessions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    secret_hash text        NOT NULL UNIQUE,
    token_id    bigint      NOT NULL REFERENCES api_tokens (id),
    address     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
