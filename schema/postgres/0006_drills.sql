-- Outage drills (trainers): what each drill injects and when, what its devices reported while it ran,
-- and what the server instances counted of it. A drill is running from started_at until the first of
-- ends_at (planned) and stopped_at: every instance reads that from here, so a drill ends on time even
-- when the servers restart during it.
CREATE TABLE drills (
    id                uuid        PRIMARY KEY,
    name              text        NOT NULL,
    steps             jsonb       NOT NULL,               -- [{"at_s","fault","scope","params","duration_s"}]
    telemetry         boolean     NOT NULL DEFAULT false, -- heartbeats pass the faults
    -- The union of the steps' scopes: what a second drill may not overlap while this one runs.
    scope_all         boolean     NOT NULL DEFAULT false,
    scope_checkpoints text[]      NOT NULL DEFAULT '{}',
    scope_devices     text[]      NOT NULL DEFAULT '{}',
    created_by        text,
    started_at        timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,               -- the end of the last step
    stopped_at        timestamptz,                        -- when a trainer stopped it early
    stopped_by        text,
    end_noted         boolean     NOT NULL DEFAULT false, -- its end is in the audit trail (written once)
    CHECK (ends_at > started_at)
);
CREATE INDEX drills_started_at_idx ON drills (started_at);
CREATE INDEX drills_ends_at_idx ON drills (ends_at);

-- Each heartbeat of a device in a drill's scope, from the drill's start until an hour after its end:
-- the backlog over the drill's time (finer than fleet_history, and per device).
CREATE TABLE drill_samples (
    drill_id       uuid        NOT NULL REFERENCES drills (id),
    device_id      text        NOT NULL,
    at             timestamptz NOT NULL,  -- when the heartbeat arrived
    checkpoint_id  text        NOT NULL,
    pending        bigint      NOT NULL,
    rejected       bigint      NOT NULL,
    last_seq       bigint      NOT NULL,
    stream_id      text,
    record_latency jsonb,                 -- {"p50","p99","count"} as the device reported it
    PRIMARY KEY (drill_id, device_id, at)
);

-- What the servers did to a device's calls during a drill (faults injected, by kind), and the answers
-- they saw go back (resends answered "duplicate", acknowledgements dropped). Each instance adds its own.
CREATE TABLE drill_counts (
    drill_id  uuid   NOT NULL REFERENCES drills (id),
    device_id text   NOT NULL,
    what      text   NOT NULL,
    count     bigint NOT NULL,
    PRIMARY KEY (drill_id, device_id, what)
);
