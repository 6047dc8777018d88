-- Streams: each `init` of a terminal starts a new stream of its own, so that a replaced or re-initialised
-- terminal never reuses a sequence number. '' is the stream of records sent without one (older terminals).
ALTER TABLE crossings ADD COLUMN stream_id text NOT NULL DEFAULT '';
ALTER TABLE crossings DROP CONSTRAINT crossings_device_seq_key;
ALTER TABLE crossings ADD CONSTRAINT crossings_device_stream_seq_key UNIQUE (device_id, stream_id, seq);

-- What the device says of a record (mrz_invalid, synthetic, back_captured) and what the server found at
-- ingest (clock_suspect).
ALTER TABLE crossings ADD COLUMN flags text[] NOT NULL DEFAULT '{}';
ALTER TABLE crossings ADD COLUMN paper_ref text;

-- Records the server refused, kept centrally with their raw body, so that a refusal is never known only
-- to the terminal. Reconcile counts a quarantined seq as accounted for.
CREATE TABLE rejected_records (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at    timestamptz NOT NULL DEFAULT now(),
    device_id      text        NOT NULL,
    checkpoint_id  text        NOT NULL,
    stream_id      text        NOT NULL DEFAULT '',
    seq            bigint,               -- NULL when the record's seq itself was unreadable
    record_id      text,                 -- the id as sent, which may not be a UUID
    code           text        NOT NULL, -- invalid_field | id_conflict | ...
    detail         text        NOT NULL,
    field          text,
    body           text        NOT NULL, -- the record as received
    attempts       integer     NOT NULL DEFAULT 1,
    released_at    timestamptz,
    released_by    text,
    release_result text
);
CREATE UNIQUE INDEX rejected_records_key ON rejected_records (device_id, stream_id, coalesce(seq, -1), coalesce(record_id, ''));
CREATE INDEX rejected_records_open_idx ON rejected_records (device_id) WHERE released_at IS NULL;

-- Who did what, when, from where: sign-ins, token changes, the outage switch, drills, and every read
-- of traveller data. Appended to, never changed.
CREATE TABLE audit_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    token_id    bigint,
    role        text,
    actor       text,        -- the token's name, or what signed in
    address     text,        -- the caller's address
    action      text        NOT NULL,  -- e.g. traveler.read, central_offline.on, session.sign_in_failed
    target      text,        -- what it acted on, e.g. UTO/L898902C3
    detail      jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_action_idx ON audit_events (action, at);
