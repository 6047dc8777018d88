-- Officers: the central-offline switch's history, anomalies and the analyser's progress, the watchlist
-- with its versions, and the alerts it raises.

-- Every change of the central-offline switch, so that a record can be judged against the state the
-- centre was in when it was made. Filled by a trigger, whoever changes the switch.
CREATE TABLE central_state_history (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offline    boolean     NOT NULL,
    changed_at timestamptz NOT NULL,
    changed_by text,
    reason     text
);
INSERT INTO central_state_history (offline, changed_at, changed_by, reason)
SELECT offline, changed_at, changed_by, reason FROM central_state;

CREATE FUNCTION central_state_remember() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO central_state_history (offline, changed_at, changed_by, reason)
    VALUES (NEW.offline, NEW.changed_at, NEW.changed_by, NEW.reason);
    RETURN NEW;
END
$$;
CREATE TRIGGER central_state_history_trigger AFTER UPDATE ON central_state
    FOR EACH ROW EXECUTE FUNCTION central_state_remember();

-- The analyser's progress. Every crossing with ingest_no <= watermark has been judged; above it,
-- analysis_done names those judged already. The watermark only passes numbers old enough that no
-- transaction still open can commit a crossing below them (crossings are numbered before they commit).
CREATE TABLE analysis_state (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    watermark   bigint      NOT NULL DEFAULT 0,
    analysed_at timestamptz
);
INSERT INTO analysis_state DEFAULT VALUES;

CREATE TABLE analysis_done (
    ingest_no   bigint      PRIMARY KEY,
    received_at timestamptz NOT NULL
);

-- What the analyser found wrong with a crossing. Judgements of a traveller's timeline are re-made when
-- a late crossing arrives: one that no longer holds is resolved, not deleted.
CREATE TABLE anomalies (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('exit_without_entry', 'entry_while_in_country',
                                                         'overstay_at_exit', 'document_expired', 'mrz_invalid',
                                                         'clock_suspect', 'recorded_while_marked_offline')),
    crossing_id     uuid        NOT NULL,
    checkpoint_id   text        NOT NULL,
    device_id       text        NOT NULL,
    direction       text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    issuing_country text        NOT NULL,
    document_number text        NOT NULL,
    synthetic       boolean     NOT NULL DEFAULT false,
    state           text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    detected_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    detail          jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT anomalies_crossing_kind_key UNIQUE (crossing_id, kind)
);
CREATE INDEX anomalies_document_idx ON anomalies (issuing_country, document_number);
CREATE INDEX anomalies_checkpoint_time_idx ON anomalies (checkpoint_id, occurred_at);
CREATE INDEX anomalies_occurred_at_idx ON anomalies (occurred_at);

-- The watchlist. Each load replaces the whole list and makes a new version; an entry lives from the
-- version that added it until the one that removed it, so that any version's list, and the changes
-- between two versions, can be told.
CREATE TABLE watchlist_versions (
    version   bigint      PRIMARY KEY CHECK (version >= 1),
    loaded_at timestamptz NOT NULL DEFAULT now(),
    loaded_by text,
    entries   integer     NOT NULL,
    added     integer     NOT NULL,
    removed   integer     NOT NULL
);

CREATE TABLE watchlist_entries (
    entry_id        text        NOT NULL,   -- a hash of the content: the same entry keeps its id
    added_version   bigint      NOT NULL REFERENCES watchlist_versions (version),
    removed_version bigint      REFERENCES watchlist_versions (version),
    document_number text,
    issuing_country text,
    surname         text,
    given_names     text,
    birth_date      date,
    reason          text        NOT NULL,
    action          text        NOT NULL,
    document_key    text,                   -- "UTO/L898902C3"
    person_keys     text[]      NOT NULL DEFAULT '{}',  -- "SURNAME|GIVEN NAMES|YYYY-MM-DD" spellings
    PRIMARY KEY (entry_id, added_version)
);
CREATE UNIQUE INDEX watchlist_entries_current_key ON watchlist_entries (entry_id) WHERE removed_version IS NULL;
CREATE INDEX watchlist_entries_document_idx ON watchlist_entries (document_key) WHERE removed_version IS NULL;
CREATE INDEX watchlist_entries_person_idx ON watchlist_entries USING gin (person_keys) WHERE removed_version IS NULL;
CREATE INDEX watchlist_entries_added_idx ON watchlist_entries (added_version);
CREATE INDEX watchlist_entries_removed_idx ON watchlist_entries (removed_version);

-- A crossing that matched the watchlist. `late`: the terminal could not have known (the record was
-- checked against an older version than the one that added the entry, or against none).
CREATE TABLE alerts (
    id                       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crossing_id              uuid        NOT NULL,
    entry_id                 text        NOT NULL,
    entry_version            bigint      NOT NULL,
    matched_by               text        NOT NULL CHECK (matched_by IN ('document', 'person')),
    action                   text        NOT NULL,
    reason                   text        NOT NULL,
    late                     boolean     NOT NULL,
    record_watchlist_version bigint,
    checkpoint_id            text        NOT NULL,
    device_id                text        NOT NULL,
    direction                text        NOT NULL,
    occurred_at              timestamptz NOT NULL,
    issuing_country          text        NOT NULL,
    document_number          text        NOT NULL,
    synthetic                boolean     NOT NULL DEFAULT false,
    raised_at                timestamptz NOT NULL DEFAULT now(),
    acknowledged_at          timestamptz,
    acknowledged_by          text,
    note                     text,
    CONSTRAINT alerts_crossing_entry_key UNIQUE (crossing_id, entry_id)
);
CREATE INDEX alerts_raised_at_idx ON alerts (raised_at);
CREATE INDEX alerts_document_idx ON alerts (issuing_country, document_number);
