-- The offline-first core: crossings, device tokens, device state from heartbeats, the outage switch.

CREATE TABLE crossings (
    id               uuid        NOT NULL,
    device_id        text        NOT NULL,
    seq              bigint      NOT NULL CHECK (seq >= 1),
    checkpoint_id    text        NOT NULL,
    lane             text,
    direction        text        NOT NULL CHECK (direction IN ('entry', 'exit')),
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    officer_id       text,
    document_type    text,
    document_number  text        NOT NULL,
    issuing_country  text        NOT NULL,
    nationality      text        NOT NULL,
    surname          text        NOT NULL,
    given_names      text,
    birth_date       date        NOT NULL,
    sex              text        NOT NULL CHECK (sex IN ('F', 'M', 'X')),
    expiry_date      date,
    transport_mode   text,
    vehicle_plate    text,
    recorded_offline boolean     NOT NULL DEFAULT false,
    record           jsonb       NOT NULL,   -- the whole crossing as the device sent it, canonicalised
    ingest_no        bigint      GENERATED ALWAYS AS IDENTITY,  -- the listing cursor
    CONSTRAINT crossings_pkey PRIMARY KEY (id),
    CONSTRAINT crossings_device_seq_key UNIQUE (device_id, seq)
);
CREATE UNIQUE INDEX crossings_ingest_no_key ON crossings (ingest_no);
CREATE INDEX crossings_document_idx ON crossings (issuing_country, document_number, occurred_at);
CREATE INDEX crossings_checkpoint_time_idx ON crossings (checkpoint_id, occurred_at);
CREATE INDEX crossings_occurred_at_idx ON crossings (occurred_at);

CREATE TABLE api_tokens (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    text        NOT NULL UNIQUE,  -- SHA-256 of the token; the token itself is never stored
    role          text        NOT NULL CHECK (role IN ('device', 'operations', 'trainer', 'admin')),
    checkpoint_id text,
    device_id     text,
    name          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CHECK (role <> 'device' OR (checkpoint_id IS NOT NULL AND device_id IS NOT NULL))
);

-- What each device last said of itself in a heartbeat.
CREATE TABLE devices (
    device_id         text        PRIMARY KEY,
    checkpoint_id     text        NOT NULL,
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    pending           bigint      NOT NULL DEFAULT 0,
    oldest_pending_at timestamptz,
    last_seq          bigint      NOT NULL DEFAULT 0,
    rejected          bigint      NOT NULL DEFAULT 0,
    device_time       timestamptz,
    lanes             jsonb       NOT NULL DEFAULT '[]'
);

-- The central-offline switch: one row, shared by every server in front of this database.
CREATE TABLE central_state (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    offline    boolean     NOT NULL DEFAULT false,
    reason     text,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text
);
INSERT INTO central_state DEFAULT VALUES;
